"""Attacks on the follow views: no login, no CSRF token, hostile redirects, crafted fields, hidden objects.

Every refused request must leave the store untouched and say nothing about the object's followers.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequere.models import follow, get_followers_count, get_followings, get_followings_count, is_following
from sequere.registration import registry
from tests.testapp.models import Project, Tag

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
VIEWS = ["sequere_follow", "sequere_unfollow"]
EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def member():
    return get_user_model().objects.create_user(username="member")  # no password: no slow hashing


@pytest.fixture
def logged(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def project():
    return Project.objects.create(name="target")


def fields(instance) -> dict[str, str]:
    return {"identifier": registry.get_identifier(instance), "object_id": str(instance.pk)}


@pytest.mark.parametrize("name", VIEWS)
def test_anonymous_requests_change_nothing(client, member, project, name):
    follow(member, project)
    json = client.post(reverse(name), fields(project), **JSON)
    assert json.status_code == 401 and json.json() == {"error": "Log in to follow."}
    form = client.post(reverse(name), {**fields(project), "next": "https://evil.example/"})
    assert form.status_code == 302
    login = urlsplit(form["Location"])
    assert login.netloc == "" and login.path.startswith("/")
    assert parse_qs(login.query).get("next") == ["/"]  # the hostile next is not carried to login
    assert get_followers_count(project) == 1 and is_following(member, project)


@pytest.mark.parametrize("name", VIEWS)
def test_csrf_token_is_required(member, project, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    if name == "sequere_unfollow":
        follow(member, project)
    before = get_followers_count(project)
    assert client.post(reverse(name), fields(project), **JSON).status_code == 403
    forged = {**fields(project), "csrfmiddlewaretoken": "x" * 64}
    assert client.post(reverse(name), forged, **JSON).status_code == 403
    assert get_followers_count(project) == before
    # the same request with the session's own token goes through (the refusals were the token's)
    client.get("/admin/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    answer = client.post(reverse(name), {**fields(project), "csrfmiddlewaretoken": token}, **JSON)
    assert answer.status_code == 200


HOSTILE = [
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "\n//evil.example",
    "https://evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    "http://evil.example#@testserver/",
    "http://testserver.evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.example",
    "//evil.example%2F..",
    "http://[::1]/",
    "//ｅｖｉｌ.example",
]


def assert_same_site(location: str) -> None:
    """``location`` cannot leave the site, even as a browser reads it (tabs and newlines dropped)."""
    as_read = "".join(ch for ch in location if ch not in "\t\r\n").strip().replace("\\", "/")
    parts = urlsplit(as_read)
    assert parts.scheme in ("", "http"), location
    assert parts.netloc in ("", "testserver"), location
    assert not as_read.startswith("//"), location


@EXAMPLES
@given(
    url=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)),
    field=st.sampled_from(["next", "redirect_url"]),
)
def test_no_open_redirect(logged, project, url, field):
    response = logged.post(reverse("sequere_follow"), {**fields(project), field: url})
    if not url:  # names no redirect: the JSON answer
        assert response.status_code == 200 and response.json()["following"] is True
        return
    assert response.status_code == 302
    assert_same_site(response["Location"])


@pytest.mark.parametrize("name", VIEWS)
def test_refused_by_the_permission_hook_nothing_changes_or_leaks(logged, member, project, name, monkeypatch):
    fans = get_user_model().objects.bulk_create([get_user_model()(username=f"fan{i}") for i in range(3)])
    for fan in fans:
        follow(fan, project)
    if name == "sequere_unfollow":
        follow(member, project)
    before = get_followers_count(project)
    monkeypatch.setattr(type(registry.get(Project)), "can_follow", lambda self, user, instance: False)
    answer = logged.post(reverse(name), fields(project), **JSON)
    assert answer.status_code == 403
    assert set(answer.json()) == {"error"}  # no count of any kind
    form = logged.post(reverse(name), fields(project))
    assert form.status_code == 403 and str(before) not in form.content.decode()
    assert get_followers_count(project) == before


def test_hidden_followers_are_not_counted_in_the_answer(logged, member, project, monkeypatch):
    """May follow, may not see who follows: the JSON answer leaves the object's count out."""
    fans = get_user_model().objects.bulk_create([get_user_model()(username=f"fan{i}") for i in range(4)])
    for fan in fans:
        follow(fan, project)
    seen = []

    def can_view_followers(self, user, instance):
        seen.append((user, instance))
        return False

    monkeypatch.setattr(type(registry.get(Project)), "can_view_followers", can_view_followers)
    body = logged.post(reverse("sequere_follow"), fields(project), **JSON).json()
    assert "followers_count" not in body and "project_followers_count" not in body
    assert body["following"] is True and body["followings_count"] == 1
    assert seen == [(member, project)]
    request = RequestFactory().get("/")
    request.user = member
    html = Template("{% load sequere_tags %}{% sequere_follow_button project show_count=True %}").render(
        Context({"request": request, "project": project})
    )
    assert "follower" not in html and "data-sequere-followers-count" not in html


def test_visible_followers_are_counted(logged, project):
    body = logged.post(reverse("sequere_follow"), fields(project), **JSON).json()
    assert body["followers_count"] == 1


CRAFTED_IDENTIFIERS = ["project", "tag", "team", "user", "auth_user", "project:1", "{tag}", "tag "]
CRAFTED_IDS = ["1", "1:2", "{1}", "a b", "a\nb", "-1", "9" * 40, "1e3", " 1", "00000000-0000"]


@EXAMPLES
@given(
    identifier=st.one_of(st.sampled_from(CRAFTED_IDENTIFIERS), st.text(max_size=20)),
    object_id=st.one_of(st.sampled_from(CRAFTED_IDS), st.text(max_size=30)),
)
def test_crafted_fields_get_a_clear_answer_and_change_nothing_else(logged, member, identifier, object_id):
    before = get_followings_count(member)
    response = logged.post(
        reverse("sequere_follow"), {"identifier": identifier, "object_id": object_id}, **JSON
    )
    assert response.status_code in (200, 400, 404), (identifier, object_id, response.status_code)
    if response.status_code != 200:
        assert set(response.json()) == {"error"} and response.json()["error"]
        assert get_followings_count(member) == before


def test_crafted_string_pks_follow_exactly_the_named_object(logged, member):
    slugs = ["a:b", "a", "b", "{a}", "a b", "a\nb", "a%3Ab", "tag:a:b"]
    tags = {slug: Tag.objects.create(slug=slug) for slug in slugs}
    for slug in ["a:b", "{a}", "a\nb"]:
        assert logged.post(reverse("sequere_follow"), fields(tags[slug]), **JSON).status_code == 200
    followed = {tag.slug for tag, _ in get_followings(member)}
    assert followed == {"a:b", "{a}", "a\nb"}
    for slug, tag in tags.items():
        assert get_followers_count(tag) == (1 if slug in followed else 0), slug
