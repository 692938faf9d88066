"""The ``Follow`` admin: list, search, identifier filters, no N+1, deletes that unfollow."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sequere import signals
from sequere.backends.database.models import Follow
from sequere.models import follow, get_followers_count, is_following
from tests.testapp.models import Project, Tag, Team, User

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:sequere_database_follow_changelist"


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "secret")
    client.force_login(admin)
    return client


def make_edges(n):
    """``n`` users, each following a project, a tag and a team: three identifiers per side."""
    users = User.objects.bulk_create([User(username=f"u{n}-{i}") for i in range(n)])
    project = Project.objects.create(name="p")
    tag = Tag.objects.create(slug=f"t{n}")
    team = Team.objects.create(name="core")
    for user in users:
        follow(user, project)
        follow(user, tag)
        follow(user, team)
    return users, project, tag, team


def changelist_queries(admin_client):
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_changelist_lists_both_sides(admin_client):
    users, project, tag, team = make_edges(2)
    response = admin_client.get(reverse(CHANGELIST))
    html = response.content.decode()
    assert response.status_code == 200
    assert "u2-0" in html
    assert f"(project:{project.pk})" in html
    assert f"(team:{team.pk})" in html
    assert response.context["cl"].result_count == 6


def test_changelist_query_count_does_not_grow_with_the_page(admin_client):
    make_edges(2)
    _, small = changelist_queries(admin_client)
    make_edges(30)  # 96 rows in all, one page of 100
    response, large = changelist_queries(admin_client)
    assert len(response.context["cl"].result_list) == 96
    assert small == large
    # session, user, count, full count, page rows, then one load per identifier (user, project,
    # tag, team)
    assert large == 9


def test_filter_by_identifier(admin_client):
    users, project, tag, team = make_edges(2)
    response = admin_client.get(reverse(CHANGELIST), {"to": "tag"})
    rows = response.context["cl"].result_list
    assert {row.to_identifier for row in rows} == {"tag"}
    assert len(rows) == 2
    response = admin_client.get(reverse(CHANGELIST), {"from": "project"})
    assert response.context["cl"].result_list == []


def test_filter_choices_come_from_the_registry(admin_client):
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    for identifier in ("project", "tag", "team", "user", "auth_user"):
        assert f"?to={identifier}" in html


def test_search_by_object_id_and_identifier(admin_client):
    users, project, tag, team = make_edges(2)
    rows = admin_client.get(reverse(CHANGELIST), {"q": tag.pk}).context["cl"].result_list
    assert [row.to_object_id for row in rows] == [tag.pk, tag.pk]
    rows = admin_client.get(reverse(CHANGELIST), {"q": "team"}).context["cl"].result_list
    assert {row.to_identifier for row in rows} == {"team"}


def test_rows_whose_object_is_gone_are_marked(admin_client):
    users, project, tag, team = make_edges(1)
    Project.objects.filter(pk=project.pk)._raw_delete("default")
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert f"project:{project.pk} <em>(missing)</em>" in html


def test_no_add_and_no_edit(admin_client):
    make_edges(1)
    row = Follow.objects.first()
    assert admin_client.get(reverse("admin:sequere_database_follow_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:sequere_database_follow_change", args=[row.pk]), {"to_object_id": "999"}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.to_object_id != "999"


def test_delete_selected_unfollows_and_sends_signals(admin_client):
    users, project, tag, team = make_edges(2)
    received = []
    signals.unfollowed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-admin")
    try:
        ids = list(Follow.objects.filter(to_identifier="project").values_list("pk", flat=True))
        response = admin_client.post(
            reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        )
    finally:
        signals.unfollowed.disconnect(dispatch_uid="t-admin")
    assert response.status_code == 302
    assert get_followers_count(project) == 0
    assert {kw["from_instance"] for kw in received} == set(users)
    assert is_following(users[0], tag)


def test_deleting_a_row_whose_object_is_gone(admin_client):
    users, project, tag, team = make_edges(1)
    row = Follow.objects.get(to_identifier="project")
    Project.objects.filter(pk=project.pk)._raw_delete("default")
    response = admin_client.post(
        reverse("admin:sequere_database_follow_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Follow.objects.filter(pk=row.pk).exists()
    assert Follow.objects.count() == 2
