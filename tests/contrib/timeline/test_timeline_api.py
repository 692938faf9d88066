"""The Timeline API above the backends: the README session, actions, filters, unread, bad input.

Every test runs for each timeline backend, with every actor pulled (``SEQUERE_TIMELINE_PUSH_LIMIT
= 0``) and at the default limit; those that follow, for each follow backend too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.utils import timezone

from sequere.contrib.timeline import Action, Timeline, get_actions
from sequere.contrib.timeline import signals as timeline_signals
from sequere.contrib.timeline.exceptions import InvalidActionException
from sequere.exceptions import InvalidInstanceException, NotRegisteredException
from sequere.models import follow, unfollow
from sequere.registration import registry
from tests.testapp.models import Project, Tag, Team, User
from tests.testapp.sequere_registry import CommentAction, JoinAction, LikeAction

pytestmark = pytest.mark.usefixtures("timeline", "push_limit")


def test_readme_session(follow_backend):
    """The README's "Timeline" section, as written."""
    thoas = User.objects.create(username="thoas")
    project = Project.objects.create(name="La classe americaine")
    timeline = Timeline(thoas)
    timeline.save(JoinAction(actor=thoas))
    assert repr(timeline.get_private()) == "[<JoinAction: thoas join>]"
    assert repr(timeline.get_public()) == "[<JoinAction: thoas join>]"

    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    assert repr(Timeline(newbie).get_private()) == "[<JoinAction: thoas join>]"
    assert repr(Timeline(newbie).get_public()) == "[]"
    unfollow(newbie, thoas)
    assert repr(Timeline(newbie).get_private()) == "[]"

    timeline = Timeline(thoas)
    timeline.save(LikeAction(actor=thoas, target=project))
    assert (
        repr(timeline.get_private())
        == "[<JoinAction: thoas join>, <LikeAction: thoas like La classe americaine>]"
    )
    assert repr(timeline.get_private(target=Project)) == "[<LikeAction: thoas like La classe americaine>]"
    assert repr(timeline.get_private(target="project")) == "[<LikeAction: thoas like La classe americaine>]"


def test_action_fields_and_extra_data(thoas, project):
    when = timezone.now() - timedelta(days=2)
    saved = Timeline(thoas).save(
        LikeAction(actor=thoas, target=project, date=when, rating=5, tags=["x"], note=None)
    )
    assert saved.id and len(saved.id) == 16  # 64 random bits in hex
    [action] = Timeline(thoas).get_public()
    assert isinstance(action, LikeAction)
    assert action == saved and action.id == saved.id
    assert action.actor == thoas and action.target == project and action.verb == "like"
    assert action.date == when and action.date.tzinfo is not None
    assert action.data == {"rating": 5, "tags": ["x"], "note": None}
    assert action.rating == 5 and action.note is None
    assert str(action) == "thoas like La classe americaine"
    with pytest.raises(AttributeError):
        action.missing  # noqa: B018


def test_get_actions():
    verbs = {"join": JoinAction, "like": LikeAction, "comment": CommentAction}
    assert get_actions() == verbs
    assert get_actions(User) == get_actions("user") == verbs
    assert get_actions(Project) == {}


def test_get_actions_rejects_two_classes_for_one_verb(monkeypatch):
    class OtherLike(Action):
        verb = "like"

    monkeypatch.setattr(registry.get(Project), "actions", (OtherLike,))
    with pytest.raises(ImproperlyConfigured, match="Verb 'like' is claimed by both"):
        get_actions()


def test_filters_and_counts(thoas, project):
    tag = Tag.objects.create(slug="a}b:{c")
    timeline = Timeline(thoas)
    join = timeline.save(JoinAction(actor=thoas))
    like_project = timeline.save(LikeAction(actor=thoas, target=project))
    like_tag = timeline.save(LikeAction(actor=thoas, target=tag))
    join_project = timeline.save(JoinAction(actor=thoas, target=project))
    for kind in ("private", "public"):
        get = getattr(timeline, f"get_{kind}")
        count = getattr(timeline, f"get_{kind}_count")
        assert list(get()) == [join, like_project, like_tag, join_project]
        assert list(get(desc=True)) == [join_project, like_tag, like_project, join]
        assert list(get(action="like")) == list(get(action=LikeAction)) == [like_project, like_tag]
        assert list(get(target=Project)) == list(get(target="project")) == [like_project, join_project]
        assert list(get(target=project)) == [like_project, join_project]
        assert list(get(target=Tag)) == [like_tag]
        assert list(get(action=JoinAction, target=Project)) == [join_project]
        assert count() == 4 and count(action="join") == 2 and count(action="like", target=Tag) == 1
        assert len(get(target="project")) == 2


def test_lazy_list_slicing_and_paginator(thoas):
    timeline = Timeline(thoas)
    saved = [timeline.save(JoinAction(actor=thoas, n=i)) for i in range(5)]
    actions = timeline.get_private()
    assert actions[0] == saved[0] and actions[-1] == saved[-1]
    assert actions[1:3] == saved[1:3]
    assert actions[-2:] == saved[-2:]
    assert actions[4:2] == []
    assert bool(actions) and not Timeline(User.objects.create(username="x")).get_private()
    with pytest.raises(IndexError):
        actions[5]
    page = Paginator(timeline.get_private(desc=True), 2).page(2)
    assert [a.n for a in page] == [2, 1]


def test_unread_count_and_mark_as_read(thoas):
    friend = User.objects.create(username="friend")
    follow(thoas, friend)
    timeline = Timeline(thoas)
    assert timeline.read_at is None
    now = timezone.now()
    Timeline(friend).save(JoinAction(actor=friend, date=now - timedelta(minutes=3)))
    Timeline(friend).save(LikeAction(actor=friend, date=now - timedelta(minutes=2)))
    assert timeline.get_unread_count() == 2
    read = timeline.mark_as_read(now - timedelta(minutes=2, seconds=30))
    assert timeline.read_at == read
    assert timeline.get_unread_count() == 1
    assert timeline.get_unread_count(action="join") == 0
    Timeline(friend).save(JoinAction(actor=friend, date=now + timedelta(seconds=1)))
    assert timeline.get_unread_count() == 2
    timeline.mark_as_read()
    assert timeline.get_unread_count() == 1  # the action dated in the future
    assert isinstance(timeline.read_at, datetime) and timeline.read_at.tzinfo is not None


def test_own_actions_are_never_unread(thoas):
    friend = User.objects.create(username="friend")
    follow(thoas, friend)
    timeline = Timeline(thoas)
    timeline.save(JoinAction(actor=thoas))
    timeline.save(LikeAction(actor=thoas))
    assert timeline.get_private_count() == 2
    assert timeline.get_unread_count() == 0
    Timeline(friend).save(LikeAction(actor=friend))
    assert timeline.get_unread_count() == 1
    assert timeline.get_unread_count(action="like") == 1
    assert timeline.get_unread_count(action="join") == 0
    timeline.mark_as_read()
    timeline.save(LikeAction(actor=thoas, date=timezone.now() + timedelta(seconds=5)))
    assert timeline.get_unread_count() == 0
    assert Timeline(friend).get_unread_count() == 0  # friend does not follow thoas


def test_non_json_data_is_refused_and_nothing_stored(thoas):
    timeline = Timeline(thoas)
    with pytest.raises(InvalidActionException, match=r"amount=Decimal\('1.5'\)") as info:
        timeline.save(LikeAction(actor=thoas, amount=Decimal("1.5"), ok=1))
    assert "JSON" in str(info.value)
    with pytest.raises(InvalidActionException, match="JSON"):
        timeline.save(LikeAction(actor=thoas, when=timezone.now()))
    with pytest.raises(InvalidActionException):
        timeline.save(LikeAction(actor=thoas, ratio=float("nan")))
    assert timeline.get_private_count() == 0 and timeline.get_public_count() == 0


def test_bad_actions_are_refused(thoas, project):
    class ShareAction(Action):
        verb = "share"

    class NoVerb(Action):
        pass

    timeline = Timeline(thoas)
    with pytest.raises(InvalidActionException, match="ShareAction .*not registered for User.*actions"):
        timeline.save(ShareAction(actor=thoas))
    with pytest.raises(InvalidActionException, match="has no verb"):
        timeline.save(NoVerb(actor=thoas))
    with pytest.raises(InvalidActionException, match="takes an Action instance"):
        timeline.save("join")
    with pytest.raises(InvalidActionException, match="not registered for Project"):
        timeline.save(JoinAction(actor=project))
    with pytest.raises(InvalidInstanceException, match="not saved"):
        timeline.save(JoinAction(actor=User(username="ghost")))
    with pytest.raises(InvalidActionException, match="action= takes"):
        timeline.get_private(action=42)
    with pytest.raises(NotRegisteredException, match="nothing"):
        timeline.get_private(target="nothing")
    with pytest.raises(InvalidActionException, match="returned by save"):
        timeline.delete(JoinAction(actor=thoas))
    assert timeline.get_private_count() == 0


def test_readers_skip_gone_actors_targets_and_verbs(thoas, project, monkeypatch, caplog):
    team = Team.objects.create(name="gone soon")
    other = User.objects.create(username="other")
    timeline = Timeline(thoas)
    keep = timeline.save(JoinAction(actor=thoas))
    timeline.save(JoinAction(actor=thoas, target=team))
    timeline.save(JoinAction(actor=other))  # in thoas's private timeline only
    timeline.save(LikeAction(actor=thoas, target=project))
    team.delete()
    other.delete()
    monkeypatch.setattr(registry.get(User), "actions", (JoinAction,))
    with caplog.at_level(logging.WARNING, logger="sequere.timeline"):
        assert list(timeline.get_private()) == [keep]
    assert "target Ref(identifier='team'" in caplog.text
    assert "unregistered verb 'like'" in caplog.text
    assert "is gone" in caplog.text
    assert timeline.get_private_count() == 4  # counts are of stored entries


def test_signals_and_delete(thoas, follow_backend):
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    seen = []

    def receiver(**kwargs):
        seen.append((kwargs["signal"], kwargs["sender"], kwargs["instance"], kwargs["action"].verb))

    for signal in (
        timeline_signals.pre_save,
        timeline_signals.post_save,
        timeline_signals.pre_delete,
        timeline_signals.post_delete,
    ):
        signal.connect(receiver, weak=False)
    try:
        timeline = Timeline(thoas)
        action = timeline.save(JoinAction(actor=thoas))
        assert Timeline(newbie).get_private_count() == 1
        assert timeline.delete(action) is True
        assert timeline.delete(action) is False
    finally:
        for signal in (
            timeline_signals.pre_save,
            timeline_signals.post_save,
            timeline_signals.pre_delete,
            timeline_signals.post_delete,
        ):
            signal.disconnect(receiver)
    assert [s for s, *_ in seen[:4]] == [
        timeline_signals.pre_save,
        timeline_signals.post_save,
        timeline_signals.pre_delete,
        timeline_signals.post_delete,
    ]
    assert seen[0][1:] == (JoinAction, thoas, "join")
    assert timeline.get_private_count() == timeline.get_public_count() == 0
    assert Timeline(newbie).get_private_count() == 0  # retracted from followers


def test_pre_save_receiver_can_veto(thoas):
    def veto(**kwargs):
        raise RuntimeError("no")

    timeline_signals.pre_save.connect(veto, weak=False)
    try:
        with pytest.raises(RuntimeError):
            Timeline(thoas).save(JoinAction(actor=thoas))
    finally:
        timeline_signals.pre_save.disconnect(veto)
    assert Timeline(thoas).get_private_count() == 0


def test_nydus_setting_fails_with_the_cluster_hint(thoas, settings):
    settings.SEQUERE_TIMELINE_NYDUS_CONNECTION = {"backend": "nydus.db.backends.redis.Redis"}
    if "redis" not in settings.SEQUERE_TIMELINE_BACKEND_CLASS:
        pytest.skip("only the Redis timeline backend reads connection settings")
    with pytest.raises(ImproperlyConfigured, match=r"(?s)nydus.*Python 2.*'cluster': True"):
        Timeline(thoas).get_private_count()


@pytest.mark.django_db
def test_a_date_the_timelines_cannot_order_exactly_is_refused(settings):
    from datetime import datetime
    from datetime import timezone as tz

    from sequere.contrib.timeline.exceptions import InvalidActionException
    from tests.testapp.models import User
    from tests.testapp.sequere_registry import JoinAction

    user = User.objects.create(username="far")
    with pytest.raises(InvalidActionException, match="1685 to 2255"):
        JoinAction(actor=user, date=datetime(2300, 1, 1, tzinfo=tz.utc)).to_record()
    assert JoinAction(actor=user, date=datetime(2200, 1, 1, tzinfo=tz.utc)).to_record().date > 0
