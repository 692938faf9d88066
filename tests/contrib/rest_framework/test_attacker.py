"""The REST API as an attacker sees it: no login, no CSRF token, other users' data, forged
cursors, huge pages, bad ids. Every answer is a 4xx that changes nothing, never a 500."""

from __future__ import annotations

import pytest

from sequere.contrib.timeline import Timeline
from sequere.models import follow, get_followers_count, get_followings_count, is_following
from tests.contrib.rest_framework.conftest import url
from tests.testapp.models import Project, Team, User
from tests.testapp.sequere_registry import LikeAction, ProjectSequere

pytestmark = pytest.mark.django_db

TOKEN = "a" * 32


def ident(user) -> str:
    from sequere.registration import registry

    return registry.get_identifier(user)


def test_anonymous_may_read_public_lists_only(follow_backend, anonymous, project, member):
    follow(member, project)
    assert anonymous.get(url("objects", "project", project.pk, "followers")).status_code == 200
    assert anonymous.get(url("objects", "project", project.pk, "timeline")).status_code == 200
    for method, target in (
        ("post", url("objects", "project", project.pk, "follow")),
        ("delete", url("objects", "project", project.pk, "follow")),
        ("get", url("objects", "project", project.pk, "follow")),
        ("get", url("timeline")),
        ("get", url("timeline", "unread")),
        ("post", url("timeline", "read")),
    ):
        answer = getattr(anonymous, method)(target)
        assert answer.status_code in (401, 403), (method, target, answer.status_code)
    assert get_followers_count(project) == 1


def test_session_writes_need_the_csrf_token(follow_backend, client_of, member, project):
    api = client_of(member, enforce_csrf_checks=True)
    target = url("objects", "project", project.pk, "follow")
    refused = api.post(target)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert api.post(url("timeline", "read")).status_code == 403
    assert not is_following(member, project)
    api.cookies["csrftoken"] = TOKEN
    assert api.post(target, HTTP_X_CSRFTOKEN="b" * 32).status_code == 403
    assert api.post(target, HTTP_X_CSRFTOKEN=TOKEN).status_code == 201
    assert api.delete(target).status_code == 403
    assert is_following(member, project)


def test_no_way_into_another_users_private_timeline(timeline, client_of, member, stranger, project):
    thoas = User.objects.create(username="thoas")
    follow(stranger, thoas)
    secret = Timeline(thoas).save(LikeAction(actor=thoas))  # lands in the stranger's private timeline
    api = client_of(member)
    # the private timeline is the logged-in user's, whatever the query string says
    for query in ("", f"?owner={stranger.pk}", f"?user={stranger.pk}&identifier={ident(stranger)}"):
        assert api.get(url("timeline") + query).json()["results"] == []
    # the stranger's public timeline holds only what the stranger did
    public = api.get(url("objects", ident(stranger), stranger.pk, "timeline")).json()
    assert public["results"] == []
    # a cursor of the stranger's private timeline does not open the member's, nor the reverse
    stranger_cursor = client_of(stranger).get(url("timeline") + "?size=1").json()
    assert [i["id"] for i in stranger_cursor["results"]] == [secret.id]
    own = Timeline(member).get_private(desc=True).page(size=1)
    assert own.items == []
    Timeline(thoas).save(LikeAction(actor=thoas))
    cursor = client_of(stranger).get(url("timeline") + "?size=1").json()["next_cursor"]
    answer = api.get(url("timeline") + f"?after={cursor}")
    assert answer.status_code == 400 and "another list" in answer.json()["detail"]


@pytest.mark.parametrize("cursor", ["garbage", "a:b:c", "%00", "x" * 3000, "W1siYSJdXQ:1tq:abc"])
def test_forged_cursors_are_400(follow_backend, api, project, cursor):
    for name in ("after", "before"):
        answer = api.get(url("objects", "project", project.pk, "followers") + f"?{name}={cursor}")
        assert answer.status_code == 400, answer.content
        assert "cursor" in answer.json()["detail"]


def test_cursors_do_not_cross_lists(follow_backend, api, member, project):
    other = Project.objects.create(name="other")
    for person in User.objects.bulk_create([User(username=f"u{i}") for i in range(3)]):
        follow(person, project)
        follow(person, other)
    cursor = api.get(url("objects", "project", project.pk, "followers") + "?size=1").json()["next_cursor"]
    ok = api.get(url("objects", "project", project.pk, "followers") + f"?after={cursor}&size=1")
    assert ok.status_code == 200
    for target in (
        url("objects", "project", other.pk, "followers"),
        url("objects", "project", project.pk, "friends"),
        url("objects", "project", project.pk, "followers") + "?desc=0&",
        url("objects", "project", project.pk, "timeline"),
    ):
        sep = "" if target.endswith("&") else "?"
        answer = api.get(f"{target}{sep}after={cursor}")
        assert answer.status_code == 400, target
    both = api.get(url("objects", "project", project.pk, "followers") + f"?after={cursor}&before={cursor}")
    assert both.status_code == 400 and "not both" in both.json()["detail"]


def test_huge_and_bad_page_sizes(follow_backend, api, settings, project):
    settings.SEQUERE_REST_MAX_PAGE_SIZE = 5
    for person in User.objects.bulk_create([User(username=f"u{i}") for i in range(8)]):
        follow(person, project)
    target = url("objects", "project", project.pk, "followers")
    for size in ("5", "6", "100000000", "9" * 400):
        body = api.get(f"{target}?size={size}").json()
        assert len(body["results"]) == 5 and body["next_cursor"]
    assert len(api.get(target).json()["results"]) == 5  # the default, capped too
    for size in ("0", "-1", "abc", "1.5", "²", " 3"):
        answer = api.get(f"{target}?size={size}")
        assert answer.status_code == 400 and "size" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("identifier", "object_id", "status"),
    [
        ("nope", "1", 404),
        ("user", "abc", 400),
        ("user", "999999", 404),
        ("user", "9" * 40, (400, 404)),
        ("user", "%00", 400),
        ("team", "not-a-uuid", 400),
        ("team", "6f1c2d1e-0000-4000-8000-000000000000", 404),
        ("tag", "no/such/tag", 404),
    ],
)
def test_bad_ids(follow_backend, timeline, api, identifier, object_id, status):
    for part in ("followers", "followings", "friends", "follow", "timeline"):
        answer = api.get(url("objects", identifier, object_id, part))
        expected = status if isinstance(status, tuple) else (status,)
        assert answer.status_code in expected, (part, answer.status_code, answer.content)
        assert answer["Content-Type"].startswith("application/json")


def test_bad_filters_are_400(follow_backend, timeline, api, member, project):
    for target, field in (
        (url("objects", "project", project.pk, "followers") + "?identifier=nope", "nope"),
        (url("timeline") + "?action=nope", "nope"),
        (url("timeline") + "?target=nope", "nope"),
        (url("objects", "project", project.pk, "timeline") + "?action=" + "x" * 300, "x"),
    ):
        answer = api.get(target)
        assert answer.status_code == 400 and field in str(answer.json()), target


def test_permission_hooks(follow_backend, api, member, project, monkeypatch):
    monkeypatch.setattr(ProjectSequere, "can_view_followers", lambda self, user, obj: False)
    monkeypatch.setattr(ProjectSequere, "can_follow", lambda self, user, obj: obj.name != "closed")
    assert api.get(url("objects", "project", project.pk, "followers")).status_code == 403
    assert api.get(url("objects", "project", project.pk, "friends")).status_code == 403
    assert api.get(url("objects", "project", project.pk, "followings")).status_code == 200
    closed = Project.objects.create(name="closed")
    assert api.post(url("objects", "project", closed.pk, "follow")).status_code == 403
    assert api.delete(url("objects", "project", closed.pk, "follow")).status_code == 403
    assert get_followings_count(member) == 0
    followed = api.post(url("objects", "project", project.pk, "follow"))
    # the follow answer does not tell the count to who may not see the followers
    assert followed.status_code == 201 and followed.json() == {"following": True, "requested": False}
    gone = api.delete(url("objects", "project", project.pk, "follow")).json()
    assert gone == {"following": False, "requested": False}


def test_self_follow_and_wrong_methods(follow_backend, api, member):
    me = url("objects", ident(member), member.pk, "follow")
    answer = api.post(me)
    assert answer.status_code == 400 and "itself" in answer.json()["detail"]
    # the message names the user, not the session's lazy proxy of it
    assert answer.json()["detail"].startswith(f"<User: {member}>") and "Lazy" not in answer.json()["detail"]
    assert get_followings_count(member) == 0
    assert api.put(me).status_code == 405
    assert api.post(url("timeline")).status_code == 405
    assert (
        api.delete(url("objects", "team", Team.objects.create(name="t").pk, "followers")).status_code == 405
    )
