"""FollowView / UnFollowView: status codes, JSON, CSRF, redirects and the permission hook."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sequere import signals
from sequere.models import follow, get_followers_count, is_following
from sequere.registration import registry
from tests.testapp.models import Project, Tag, Team

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
FOLLOW = "sequere_follow"
UNFOLLOW = "sequere_unfollow"


def post(client, name, data, **extra):
    return client.post(reverse(name), data, **extra)


def fields(instance):
    return {"identifier": registry.get_identifier(instance), "object_id": str(instance.pk)}


def test_urls_have_the_documented_names():
    assert reverse(FOLLOW) == "/sequere/follow/"
    assert reverse(UNFOLLOW) == "/sequere/unfollow/"


def test_the_user_model_is_registered_by_the_app():
    # tests.testapp already holds "user", so the auth model falls back to "<app>_<model>".
    assert registry.get_identifier(get_user_model()) == "auth_user"


def test_follow_answers_json_counts(logged_client, member, project):
    response = post(logged_client, FOLLOW, fields(project), **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "followers_count": 1,  # the object's
        "project_followers_count": 0,  # the object's followers that are projects
        "followings_count": 1,  # the user's
        "project_followings_count": 1,
        "following": True,
        "requested": False,  # added to the original's keys: a pending follow request
    }
    assert is_following(member, project)


@pytest.mark.parametrize("accept", [{}, {"HTTP_ACCEPT": "text/html"}, JSON])
def test_a_post_that_names_no_redirect_gets_json(logged_client, member, project, accept):
    """The original package's contract: no ``redirect_url``/``next``, a JSON answer."""
    other = Project.objects.create(name="other")
    follow(member, other)
    response = post(logged_client, FOLLOW, fields(project), **accept)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["followers_count"] == 1
    assert response.json()["followings_count"] == 2
    response = post(logged_client, UNFOLLOW, fields(project), **accept)
    assert response.json()["followers_count"] == 0 and response.json()["following"] is False


def test_following_twice_is_idempotent(logged_client, member, project):
    sent = []
    signals.followed.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t-views")
    try:
        first = post(logged_client, FOLLOW, fields(project), **JSON)
        second = post(logged_client, FOLLOW, fields(project), **JSON)
    finally:
        signals.followed.disconnect(dispatch_uid="t-views")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(sent) == 1
    assert get_followers_count(project) == 1


def test_unfollow_and_unfollow_again(logged_client, member, project):
    follow(member, project)
    first = post(logged_client, UNFOLLOW, fields(project), **JSON)
    second = post(logged_client, UNFOLLOW, fields(project), **JSON)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["following"] is False
    assert first.json()["followings_count"] == 0
    assert not is_following(member, project)


def test_counts_by_identifier(logged_client, member, project):
    follow(member, Tag.objects.create(slug="django"))
    data = post(logged_client, FOLLOW, fields(project), **JSON).json()
    assert data["followings_count"] == 2
    assert data["project_followings_count"] == 1


@pytest.mark.parametrize("name", [FOLLOW, UNFOLLOW])
def test_get_is_not_allowed(logged_client, project, name):
    response = logged_client.get(reverse(name), fields(project))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tag.objects.create(slug="django/redis {x}:1"),
        lambda: Team.objects.create(name="Core"),
        lambda: Project.objects.create(name="p"),
    ],
    ids=["string-pk", "uuid-pk", "int-pk"],
)
def test_any_primary_key_type(logged_client, member, make):
    instance = make()
    assert post(logged_client, FOLLOW, fields(instance), **JSON).status_code == 200
    assert is_following(member, instance)
    assert post(logged_client, UNFOLLOW, fields(instance), **JSON).status_code == 200
    assert not is_following(member, instance)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"identifier": "project"},
        {"object_id": "1"},
        {"identifier": "", "object_id": "1"},
        {"identifier": "ghost", "object_id": "1"},
        {"identifier": "project", "object_id": "abc"},
        {"identifier": "project", "object_id": "1.5"},
        {"identifier": "team", "object_id": "not-a-uuid"},
    ],
    ids=["nothing", "no-id", "no-identifier", "empty-identifier", "unknown", "int-abc", "int-float", "uuid"],
)
def test_bad_fields_answer_400(logged_client, data):
    response = post(logged_client, FOLLOW, data, **JSON)
    assert response.status_code == 400
    assert response.json()["error"]


def test_bad_fields_answer_plain_text_to_forms(logged_client):
    response = post(logged_client, FOLLOW, {"identifier": "ghost", "object_id": "1"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert b"ghost" in response.content


@pytest.mark.parametrize(
    "data",
    [
        {"identifier": "project", "object_id": "424242"},
        {"identifier": "project", "object_id": "9" * 30},
        {"identifier": "team", "object_id": str(uuid.uuid4())},
        {"identifier": "tag", "object_id": "nope"},
    ],
    ids=["int", "int-out-of-range", "uuid", "string"],
)
def test_missing_object_answers_404(logged_client, data):
    response = post(logged_client, FOLLOW, data, **JSON)
    assert response.status_code == 404
    assert "error" in response.json()


def test_self_follow_answers_400(logged_client, member):
    response = post(logged_client, FOLLOW, fields(member), **JSON)
    assert response.status_code == 400
    assert "itself" in response.json()["error"]
    assert response.json()["error"].startswith(f"<User: {member}>")  # not the lazy request.user


def test_anonymous_form_is_sent_to_login(client, project):
    response = post(client, FOLLOW, {**fields(project), "next": "/projects/1/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/projects/1/"
    assert get_followers_count(project) == 0


def test_anonymous_json_gets_401(client, project):
    response = post(client, FOLLOW, fields(project), **JSON)
    assert response.status_code == 401
    assert get_followers_count(project) == 0


def test_csrf_is_enforced(member, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(client, FOLLOW, fields(project), **JSON)
    assert response.status_code == 403
    assert get_followers_count(project) == 0

    token = "a" * 32
    client.cookies["csrftoken"] = token
    response = post(client, FOLLOW, {**fields(project), "csrfmiddlewaretoken": token}, **JSON)
    assert response.status_code == 200
    assert get_followers_count(project) == 1


@pytest.mark.parametrize("field", ["redirect_url", "next"])
def test_form_redirects_to_a_same_site_url(logged_client, project, field):
    response = post(logged_client, FOLLOW, {**fields(project), field: "/projects/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/projects/?page=2"


def test_redirect_url_wins_over_next(logged_client, project):
    data = {**fields(project), "redirect_url": "/a/", "next": "/b/"}
    assert post(logged_client, FOLLOW, data)["Location"] == "/a/"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "https:///evil.example",
    ],
)
def test_no_open_redirect(logged_client, project, url):
    response = post(logged_client, FOLLOW, {**fields(project), "next": url, "redirect_url": url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert get_followers_count(project) == 1


def test_an_unsafe_redirect_goes_to_the_objects_page(logged_client, member, monkeypatch):
    monkeypatch.setattr(Project, "get_absolute_url", lambda self: f"/projects/{self.pk}/", raising=False)
    project = Project.objects.create(name="with a page")
    response = post(logged_client, FOLLOW, {**fields(project), "next": "https://evil.example/"})
    assert response["Location"] == f"/projects/{project.pk}/"


def test_permission_hook_is_enforced(logged_client, member, monkeypatch):
    options = registry.get(Project)
    calls = []

    def can_follow(self, user, instance):
        calls.append((user, instance))
        return instance.name != "private"

    monkeypatch.setattr(type(options), "can_follow", can_follow)
    private = Project.objects.create(name="private")
    public = Project.objects.create(name="public")

    assert post(logged_client, FOLLOW, fields(private), **JSON).status_code == 403
    assert post(logged_client, FOLLOW, fields(private)).status_code == 403
    assert post(logged_client, FOLLOW, fields(public), **JSON).status_code == 200
    # the view asks (403 without a write), then follow() itself asks again before it writes
    assert calls == [(member, private), (member, private), (member, public), (member, public)]
    assert not is_following(member, private)
    assert is_following(member, public)


def test_permission_hook_guards_unfollow_too(logged_client, member, project, monkeypatch):
    follow(member, project)
    monkeypatch.setattr(type(registry.get(Project)), "can_follow", lambda self, user, instance: False)
    assert post(logged_client, UNFOLLOW, fields(project), **JSON).status_code == 403
    assert is_following(member, project)


def test_follow_view_query_count(logged_client, member, project, django_assert_num_queries):
    # session + user, the object, the insert, the timeline job's part of hybrid fan-out (the
    # object's pull mode: pushed, and no import, so nothing more), then the four counts of the
    # JSON body
    with django_assert_num_queries(9):
        response = post(logged_client, FOLLOW, fields(project), **JSON)
    assert response.status_code == 200


def test_object_followers_count_respects_can_view_followers(logged_client, member, project, monkeypatch):
    monkeypatch.setattr(type(registry.get(Project)), "can_view_followers", lambda self, user, instance: False)
    data = post(logged_client, FOLLOW, fields(project), **JSON).json()
    assert "followers_count" not in data and "project_followers_count" not in data
    assert data["following"] is True and data["followings_count"] == 1


def test_a_block_either_way_answers_403(logged_client, member, project):
    """The view asks can_follow, then follow() refuses the block: 403, nothing stored."""
    from sequere.models import block

    block(project, member)
    response = post(logged_client, FOLLOW, fields(project), **JSON)
    assert response.status_code == 403
    assert not is_following(member, project)
