"""``manage.py sequere_rebuild_timeline`` against timelines left incomplete or stale."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.contrib.timeline.rebuild import rebuild_private_timeline
from sequere.models import follow, unfollow
from sequere.refs import Ref
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = pytest.mark.usefixtures("timeline")


def rebuild(*args):
    """Run the command; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("sequere_rebuild_timeline", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def private(instance):
    return sorted(action.id for action in Timeline(instance).get_private())


def ref(user):
    return f"user:{user.pk}"


@pytest.fixture
def people(thoas, project):
    alice, bob = User.objects.create(username="alice"), User.objects.create(username="bob")
    actions = {
        "alice": Timeline(alice).save(JoinAction(actor=alice)).id,
        "bob": Timeline(bob).save(LikeAction(actor=bob, target=project)).id,
        "thoas": Timeline(thoas).save(JoinAction(actor=thoas)).id,
    }
    return alice, bob, actions


def test_follows_made_without_the_import_are_filled_in(thoas, people, settings):
    alice, bob, actions = people
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False  # e.g. follows migrated from another store
    follow(thoas, alice)
    follow(thoas, bob)
    assert private(thoas) == [actions["thoas"]]

    status, out, err = rebuild(ref(thoas))
    assert status == 0, err
    assert "Rebuilt 1 private timeline(s): 2 action(s) added, 0 removed." in out
    assert private(thoas) == sorted(actions.values())

    # idempotent: nothing more to write
    assert rebuild_private_timeline(Ref("user", str(thoas.pk))) == {"followings": 2, "added": 0, "removed": 0}
    assert private(thoas) == sorted(actions.values())


def test_own_actions_come_back(thoas, people):
    alice, bob, actions = people
    backend = get_timeline_backend()
    owner = Ref("user", str(thoas.pk))
    backend.remove_actor(owner, owner, at=1)  # lost from the private timeline (mark long past)
    assert private(thoas) == []
    assert rebuild(ref(thoas))[0] == 0
    assert private(thoas) == [actions["thoas"]]


def test_stale_actors_are_removed_only_with_prune(thoas, people, settings):
    alice, bob, actions = people
    follow(thoas, alice)
    follow(thoas, bob)
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = False
    unfollow(thoas, bob)
    assert actions["bob"] in private(thoas)

    assert rebuild(ref(thoas))[0] == 0
    assert actions["bob"] in private(thoas)

    status, out, _ = rebuild(ref(thoas), "--prune")
    assert status == 0
    assert "0 action(s) added, 1 removed." in out
    assert private(thoas) == sorted([actions["alice"], actions["thoas"]])


def test_every_instance_of_an_identifier(thoas, people, settings):
    alice, bob, actions = people
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
    follow(thoas, alice)
    follow(bob, alice)
    status, out, err = rebuild("--identifier", "user", "--progress-step", "1", "--verbosity", "2")
    assert status == 0, err
    assert "Rebuilt 3 private timeline(s): 2 action(s) added, 0 removed." in out
    assert f"user:{bob.pk}: 1 followings, 1 added, 0 removed" in out
    assert err.splitlines()[-1].endswith("3/3")
    assert actions["alice"] in private(bob) and actions["alice"] in private(thoas)


def test_all_registered_models(thoas, people):
    status, out, _ = rebuild("--all")
    assert status == 0
    count = User.objects.count() + Project.objects.count()
    assert f"Rebuilt {count + _other_instances()} private timeline(s)" in out


def _other_instances():
    from django.contrib.auth import get_user_model

    from tests.testapp.models import Tag, Team

    return Tag.objects.count() + Team.objects.count() + get_user_model().objects.count()


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "Name resources"),
        (("thoas",), "write it as <identifier>:<object_id>"),
        (("ghost:1",), "No model is registered with sequere under identifier 'ghost'"),
        (("user:424242",), "No such object: user:424242"),
        (("--identifier", "ghost"), "identifier 'ghost'"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("sequere_rebuild_timeline", *args)
