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


# -- timeline tables (database timeline backend) ---------------------------------------------


@pytest.fixture
def timeline_db(settings, django_capture_on_commit_callbacks):
    """The database timeline backend with fan-out run inline at commit."""
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    return django_capture_on_commit_callbacks


def save_actions(timeline_db, n):
    """``n`` users who each join and like a project; one follower of each gets the fan-out."""
    from sequere.contrib.timeline import Timeline
    from tests.testapp.sequere_registry import JoinAction, LikeAction

    project = Project.objects.create(name="p")
    users = User.objects.bulk_create([User(username=f"a{n}-{i}") for i in range(n)])
    fan = User.objects.create(username=f"fan{n}")
    with timeline_db(execute=True):
        for user in users:
            follow(fan, user)
            Timeline(user).save(JoinAction(actor=user))
            Timeline(user).save(LikeAction(actor=user, target=project))
    return users, project, fan


def queries_of(admin_client, name, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_timeline_actions_changelist(admin_client, timeline_db):
    users, project, fan = save_actions(timeline_db, 2)
    response, small = queries_of(admin_client, "admin:sequere_timeline_storedaction_changelist")
    html = response.content.decode()
    assert response.context["cl"].result_count == 4
    assert f"a2-0 <small>(user:{users[0].pk})</small>" in html
    assert f"p <small>(project:{project.pk})</small>" in html
    save_actions(timeline_db, 20)
    response, large = queries_of(admin_client, "admin:sequere_timeline_storedaction_changelist")
    assert response.context["cl"].result_count == 44
    # session, user, count, full count, page, then one load per identifier (user, project)
    assert small == large == 7


def test_timeline_actions_filters_and_search(admin_client, timeline_db):
    users, project, fan = save_actions(timeline_db, 2)
    name = "admin:sequere_timeline_storedaction_changelist"
    rows = admin_client.get(reverse(name), {"verb": "like"}).context["cl"].result_list
    assert {row.verb for row in rows} == {"like"} and len(rows) == 2
    html = admin_client.get(reverse(name)).content.decode()
    assert "?verb=join" in html and "?verb=like" in html
    rows = admin_client.get(reverse(name), {"q": str(users[1].pk), "actor": "user"}).context["cl"].result_list
    assert {row.actor_object_id for row in rows} == {str(users[1].pk)}


def test_timeline_entries_changelist(admin_client, timeline_db):
    users, project, fan = save_actions(timeline_db, 2)
    name = "admin:sequere_timeline_entry_changelist"
    response, small = queries_of(admin_client, name)
    # each action in its actor's private and public timelines, and in the fan's private one
    assert response.context["cl"].result_count == 12
    save_actions(timeline_db, 10)
    response, large = queries_of(admin_client, name)
    assert small == large == 6  # session, user, count, full count, page, one load (user)
    rows = (
        admin_client.get(reverse(name), {"owner": "user", "q": str(fan.pk), "kind": "0"})
        .context["cl"]
        .result_list
    )
    assert len(rows) == 4
    assert admin_client.get(reverse("admin:sequere_timeline_entry_add")).status_code == 403
