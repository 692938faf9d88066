"""The follow views and the follow button for an object that requires approval: "Requested"."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from sequere.models import approve, follow, get_follow_requests_count, has_requested, is_following
from tests.testapp.models import User

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def private():
    return User.objects.create(username="private", is_private=True)


def fields(instance):
    return {"identifier": "user", "object_id": str(instance.pk)}


def test_follow_view_makes_a_request_and_unfollow_withdraws_it(logged_client, member, private):
    response = logged_client.post(reverse("sequere_follow"), fields(private), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["following"] is False and body["requested"] is True
    assert body["followers_count"] == 0  # pending requests are not followers
    assert has_requested(member, private) and not is_following(member, private)
    # posting again: still requested, nothing changes
    again = logged_client.post(reverse("sequere_follow"), fields(private), **JSON).json()
    assert again["requested"] is True and get_follow_requests_count(private) == 1
    # the "Requested" button posts to the unfollow view: it withdraws the request
    gone = logged_client.post(reverse("sequere_unfollow"), fields(private), **JSON).json()
    assert gone["following"] is False and gone["requested"] is False
    assert not has_requested(member, private)
    # unfollowing with neither a follow nor a request is still fine
    assert logged_client.post(reverse("sequere_unfollow"), fields(private), **JSON).status_code == 200


def test_follow_view_after_approval_says_following(logged_client, member, private):
    logged_client.post(reverse("sequere_follow"), fields(private), **JSON)
    approve(private, member)
    body = logged_client.post(reverse("sequere_follow"), fields(private), **JSON).json()
    assert body["following"] is True and body["requested"] is False


BUTTON = Template("{% load sequere_tags %}{% sequere_follow_button account %}")
FILTER = Template("{% load sequere_tags %}{{ request.user|has_requested:account|yesno:'yes,no' }}")


def render(template, member, account):
    request = RequestFactory().get("/")
    request.user = member
    return template.render(Context({"request": request, "account": account}))


def test_button_shows_requested(member, private, django_assert_num_queries):
    html = render(BUTTON, member, private)
    assert ">Follow</button>" in html and 'data-requested="false"' in html
    follow(member, private)
    html = render(BUTTON, member, private)
    assert ">Requested</button>" in html and 'data-requested="true"' in html
    assert f'action="{reverse("sequere_unfollow")}"' in html  # a click withdraws it
    assert render(FILTER, member, private) == "yes"
    approve(private, member)
    html = render(BUTTON, member, private)
    assert ">Unfollow</button>" in html and 'data-requested="false"' in html
    assert render(FILTER, member, private) == "no"


def test_button_of_a_public_object_spends_no_request_read(member, project, django_assert_num_queries):
    render(BUTTON, member, project)  # warm
    with django_assert_num_queries(1):  # is_following only (database backend)
        render(BUTTON, member, project)
