"""Reading a page costs constant round trips and one SQL query per model type on it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.contrib.timeline.records import ActionRecord, new_action_id
from sequere.registration import registry
from tests.contrib.timeline.conftest import SQLRoundTrips
from tests.testapp.models import Project, Tag, Team, User

pytestmark = pytest.mark.usefixtures("timeline")

T0 = 1_700_000_000_000_000


@pytest.fixture
def busy_owner(timeline):
    """A user whose private timeline holds 300 actions by users and teams on projects and tags."""
    owner = User.objects.create(username="owner")
    users = User.objects.bulk_create([User(username=f"u{i}") for i in range(6)])
    teams = [Team.objects.create(name=f"t{i}") for i in range(4)]
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(4)])
    tags = Tag.objects.bulk_create([Tag(slug=f"tag:{{{i}}}") for i in range(4)])
    actors = [registry.get_ref(x) for x in users + teams]
    targets = [registry.get_ref(x) for x in projects + tags] + [None]
    backend = get_timeline_backend()
    records = [
        ActionRecord(
            id=new_action_id(),
            verb="like" if i % 3 else "join",
            actor=actors[i % len(actors)],
            target=targets[i % len(targets)],
            date=T0 + i,
            data={"n": i},
        )
        for i in range(300)
    ]
    for record in records:
        backend.store(record, record.actor, public=True)
    backend.deliver(records, [registry.get_ref(owner)])
    return owner


def store_trips(harness, trips, model_queries) -> int:
    """Round trips to the timeline store (a SQL harness also counted the model queries)."""
    return trips.value - (len(model_queries) if isinstance(harness, SQLRoundTrips) else 0)


@pytest.mark.parametrize("size", [20, 200])
def test_page_costs(busy_owner, timeline, size):
    actions = Timeline(busy_owner).get_private(desc=True)
    actions[:1]  # connect, and warm the content-type-free registry path
    with timeline.round_trips() as trips, CaptureQueriesContext(connection) as sql:
        page = actions[:size]
    assert len(page) == size
    assert [a.n for a in page] == list(range(299, 299 - size, -1))
    assert {type(a.actor) for a in page} == {User, Team}
    assert {type(a.target) for a in page if a.target is not None} == {Project, Tag}
    model_queries = [q["sql"] for q in sql if "sequere_timeline" not in q["sql"]]
    assert len(model_queries) == 4  # users, teams, projects, tags: whatever the page size
    assert 0 < store_trips(timeline, trips, model_queries) <= timeline.page_round_trips


@pytest.mark.parametrize("size", [20, 200])
def test_filtered_page_costs(busy_owner, timeline, size):
    actions = Timeline(busy_owner).get_private(action="like", target=Project)
    actions[:1]
    with timeline.round_trips() as trips, CaptureQueriesContext(connection) as sql:
        page = actions[: size // 4]
    assert len(page) == size // 4
    assert all(a.verb == "like" and isinstance(a.target, Project) for a in page)
    model_queries = [q["sql"] for q in sql if "sequere_timeline" not in q["sql"]]
    assert len(model_queries) == 3  # users, teams, projects
    assert 0 < store_trips(timeline, trips, model_queries) <= timeline.page_round_trips


def test_iteration_reads_in_chunks(busy_owner, timeline):
    with timeline.round_trips() as trips, CaptureQueriesContext(connection) as sql:
        everything = [action for action in Timeline(busy_owner).get_private()]  # list() would count()
    assert [a.n for a in everything] == list(range(300))
    model_queries = [q["sql"] for q in sql if "sequere_timeline" not in q["sql"]]
    assert len(model_queries) == 3 * 4  # chunks of 100
    assert store_trips(timeline, trips, model_queries) <= 4 * timeline.page_round_trips  # 4th: the end


def test_unread_count_cost_and_value(busy_owner, timeline):
    from datetime import timedelta

    from django.utils import timezone

    tl = Timeline(busy_owner)
    total = tl.get_private_count()
    assert tl.get_unread_count() == total  # never read: everything is unread
    tl.get_unread_count()  # scripts cached from here on
    with timeline.round_trips() as trips:
        assert tl.get_unread_count() == total
    assert 0 < trips.value <= timeline.unread_round_trips
    tl.mark_as_read(timezone.now() + timedelta(seconds=1))
    with timeline.round_trips() as trips:
        assert tl.get_unread_count() == 0
        assert tl.get_unread_count(action="like") == 0
    assert 0 < trips.value <= 2 * timeline.unread_round_trips
