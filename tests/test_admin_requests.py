"""The ``FollowRequest`` admin: pending requests listed without N+1, approved or denied in bulk."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sequere.backends.database.models import FollowRequest
from sequere.models import follow, get_follow_requests_count, is_following
from tests.testapp.models import Project, User

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:sequere_database_followrequest_changelist"


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "secret")
    client.force_login(admin)
    return client


def asking(n):
    account = User.objects.create(username=f"private{n}", is_private=True)
    people = User.objects.bulk_create([User(username=f"r{n}-{i}") for i in range(n)])
    project = Project.objects.create(name="p")
    for person in people:
        follow(person, account)
    follow(project, account)
    return account, people, project


def test_changelist_lists_requests_without_n_plus_one(admin_client):
    asking(3)
    admin_client.get(reverse(CHANGELIST))  # warm
    with CaptureQueriesContext(connection) as small:
        response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "private3" in response.content.decode() and "r3-0" in response.content.decode()
    asking(30)
    with CaptureQueriesContext(connection) as large:
        assert admin_client.get(reverse(CHANGELIST)).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("action", ["approve_requests", "deny_requests"])
def test_bulk_answers_go_through_the_api(admin_client, action):
    account, people, project = asking(2)
    ids = list(FollowRequest.objects.values_list("pk", flat=True))
    response = admin_client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    assert get_follow_requests_count(account) == 0
    assert is_following(people[0], account) is (action == "approve_requests")
    assert is_following(project, account) is (action == "approve_requests")


def test_a_refused_approval_is_reported_not_a_500(admin_client, monkeypatch):
    """can_follow says no for one requester: the others are approved, it stays pending."""
    from sequere.registration import registry

    account, people, project = asking(2)
    options = type(registry.get(account))
    allowed = options.can_follow
    monkeypatch.setattr(
        options, "can_follow", lambda self, who, obj: who != people[0] and allowed(self, who, obj)
    )
    ids = list(FollowRequest.objects.values_list("pk", flat=True))
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "approve_requests", "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    assert "1 follow request(s) not approved" in response.content.decode()
    assert not is_following(people[0], account) and is_following(people[1], account)
    assert get_follow_requests_count(account) == 1
