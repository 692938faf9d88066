"""The REST endpoints of blocks and mutes, on every follow backend."""

from __future__ import annotations

import pytest

from sequere.models import follow, is_blocked, is_following, is_muted
from sequere.registration import registry
from tests.contrib.rest_framework.conftest import url
from tests.testapp.models import User

pytestmark = pytest.mark.django_db


def test_block_and_unblock(follow_backend, api, member, project):
    follow(member, project)
    target = url("objects", "project", project.pk, "block")
    assert api.get(target).json() == {"blocked": False}
    answer = api.post(target)
    assert answer.status_code == 201 and answer.json() == {"blocked": True}
    assert is_blocked(member, project) and not is_following(member, project)
    assert api.post(target).status_code == 200
    assert api.post(url("objects", "project", project.pk, "follow")).status_code == 403
    listed = api.get(url("blocks")).json()
    assert [item["object"]["id"] for item in listed["results"]] == [str(project.pk)]
    assert api.get(url("blocks") + "?identifier=user").json()["results"] == []
    gone = api.delete(target)
    assert gone.status_code == 200 and gone.json() == {"blocked": False}
    assert api.delete(target).status_code == 200
    assert not is_blocked(member, project)


def test_mute_and_unmute(follow_backend, api, member, project):
    target = url("objects", "project", project.pk, "mute")
    assert api.post(target).status_code == 201
    assert api.get(target).json() == {"muted": True} and is_muted(member, project)
    assert [i["object"]["display"] for i in api.get(url("mutes")).json()["results"]] == [str(project)]
    assert api.delete(target).json() == {"muted": False}
    assert not is_muted(member, project)


def test_bad_requests(follow_backend, api, client_of, member, anonymous):
    own = url("objects", registry.get_identifier(member), member.pk, "block")
    answer = api.post(own)
    assert answer.status_code == 400 and "itself" in answer.json()["detail"]
    assert answer.json()["detail"].startswith(f"<User: {member}>")  # not the session's lazy proxy
    assert api.post(url("objects", "project", 999999, "mute")).status_code == 404
    assert api.post(url("objects", "nothing", 1, "block")).status_code == 404
    other = User.objects.create(username="other")
    for path in (url("objects", "user", other.pk, "block"), url("blocks")):
        assert anonymous.post(path).status_code in (401, 403)
        assert anonymous.get(path).status_code in (401, 403)


def test_a_blocked_user_may_not_read_the_blockers_public_timeline(timeline, api, client_of, member, stranger):
    from sequere.contrib.timeline import Timeline
    from sequere.models import block
    from tests.testapp.sequere_registry import LikeAction

    blocker = User.objects.create(username="blocker")
    Timeline(blocker).save(LikeAction(actor=blocker))
    public = url("objects", registry.get_identifier(blocker), blocker.pk, "timeline")
    assert len(api.get(public).json()["results"]) == 1
    block(blocker, member)
    refused = api.get(public)
    assert refused.status_code == 403 and "blocks you" in refused.json()["detail"]
    # only the blocked one is refused: anyone else still reads it
    assert len(client_of(stranger).get(public).json()["results"]) == 1
