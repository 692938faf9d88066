"""The database timeline backend beyond the contract: bulk fan-out, page costs, index use.

Counters, trimming and the collection of unreferenced actions: ``test_database_counters.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sequere.backends import get_backend
from sequere.contrib.timeline import Timeline, jobs
from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, database_sql, get_timeline_backend
from sequere.contrib.timeline.models import Entry
from sequere.contrib.timeline.records import ActionRecord, new_action_id
from sequere.refs import Ref
from sequere.timeutils import to_micros
from tests.testapp.models import Project, Tag, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

ACTOR = Ref("user", "1")


@pytest.fixture
def backend(db, settings):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    return get_timeline_backend()


def record(at: int = 0, actor: Ref = ACTOR, **fields) -> ActionRecord:
    return ActionRecord(
        id=new_action_id(), verb="like", actor=actor, date=to_micros(timezone.now()) + at, **fields
    )


def statements(queries, verb: str, table: str) -> int:
    """How many captured queries start with ``verb`` and touch ``table``."""
    pattern = re.compile(rf"^\s*{verb}\b", re.IGNORECASE)
    return sum(1 for q in queries if pattern.search(q["sql"]) and table in q["sql"])


def test_dispatch_writes_one_insert_and_one_counter_upsert_per_chunk(backend, settings):
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 100
    followers = [Ref("user", str(i)) for i in range(1000, 1250)]
    get_backend().add_many((follower, ACTOR, timezone.now()) for follower in followers)
    action = record()
    backend.store(action, ACTOR, public=True)

    with CaptureQueriesContext(connection) as queries:
        assert jobs.dispatch(action.to_dict()) == 250

    # 1 record check, the actor's pull mode and follower count (hybrid fan-out), whether the
    # actor has any block or mute (none: the chunks need no filter), then 3 chunks x
    # (followers, entries, counters, unfollow marks); below the cap nothing is trimmed, so no DELETE
    assert len(queries) == 16
    assert statements(queries, "SELECT", "sequere_follow") == 4  # the count, 3 chunks
    assert statements(queries, "SELECT", "sequere_timeline_unfollow") == 3
    assert statements(queries, "INSERT", "sequere_timeline_entry") == 3
    assert statements(queries, "INSERT", "sequere_timeline_counter") == 3
    assert statements(queries, "DELETE", "sequere_timeline_entry") == 0
    for follower in (followers[0], followers[-1]):
        assert backend.fetch(follower, PRIVATE) == [action]


def test_large_deliveries_insert_in_batches(backend):
    records = [record(at=i) for i in range(12)]
    for item in records:
        backend.store(item, ACTOR, public=True)
    owners = [Ref("team", f"t{i}") for i in range(100)]
    with CaptureQueriesContext(connection) as queries:
        assert backend.deliver(records, owners) == 1200
    # 500 rows per INSERT, or fewer where the database caps parameters (999 on SQLite)
    fields = [f for f in Entry._meta.concrete_fields if not f.primary_key]
    per_insert = min(database_sql.INSERT_BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * 1200))
    batches = -(-1200 // per_insert)
    assert statements(queries, "INSERT", "sequere_timeline_entry") == batches
    assert statements(queries, "INSERT", "sequere_timeline_counter") == 1
    assert statements(queries, "DELETE", "sequere_timeline_entry") == 0
    assert len(queries) == batches + 1
    assert backend.count(owners[-1], PRIVATE) == 12


def test_trim_covers_every_owner_of_a_delivery(backend, settings):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 5
    owners = [Ref("user", str(i)) for i in range(300)]  # more than one trim batch
    records = [record(at=i) for i in range(8)]
    for item in records:
        backend.store(item, ACTOR, public=True)
    assert backend.deliver(records, owners) == 8 * 300
    assert {backend.count(owner, PRIVATE) for owner in owners} == {5}
    assert backend.fetch(owners[-1], PRIVATE) == records[3:]


def test_delete_removes_every_copy(backend):
    action = record()
    backend.store(action, ACTOR, public=True)
    backend.deliver([action], [Ref("user", "2"), Ref("user", "3")])
    assert backend.delete(action, ACTOR) is True
    assert backend.count(Ref("user", "2"), PRIVATE) == 0
    assert backend.count(ACTOR, PUBLIC) == 0


def test_page_is_one_query_plus_one_per_model_type(backend, django_assert_num_queries):
    thoas = User.objects.create(username="thoas")
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(5)])
    tags = Tag.objects.bulk_create([Tag(slug=f"t{i}") for i in range(5)])
    timeline = Timeline(thoas)
    start = timezone.now() - timedelta(hours=1)
    for i, target in enumerate(projects + tags):
        timeline.save(LikeAction(actor=thoas, target=target, date=start + timedelta(seconds=i)))
    timeline.save(JoinAction(actor=thoas))
    # entries (joined to the action store), then users, projects, tags: one query each
    with django_assert_num_queries(4):
        page = timeline.get_private(desc=True)[:20]
    assert len(page) == 11
    assert str(page[0]) == "thoas join"
    with django_assert_num_queries(3):
        assert len(timeline.get_private(target=Project)[:3]) == 3


READS = [
    ({}, "sequere_tl_entry_unique|sqlite_autoindex_sequere_timeline_entry"),  # SQLite names it
    ({"verb": "like"}, "sequere_tl_entry_verb_idx"),
    ({"target": "project"}, "sequere_tl_entry_target_idx"),
    ({"verb": "like", "target": "project"}, "sequere_tl_entry_(verb|target)_idx"),
]


@pytest.mark.parametrize("desc", [True, False], ids=["newest-first", "oldest-first"])
@pytest.mark.parametrize(("filters", "index"), READS, ids=["all", "verb", "target", "verb+target"])
@pytest.mark.parametrize("kind", [PRIVATE, PUBLIC])
def test_reads_walk_an_index_in_order(backend, kind, filters, index, desc):
    """Every page read is an index range in the page's order: no table scan, no sort."""
    query = backend.page_queryset(ACTOR, kind, desc=desc, **filters)[20:40]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # tiny tables make a sequential scan cheaper; forbid it to see what the index can do
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = query.explain()
    assert re.search(index, plan), plan
    assert "TEMP B-TREE" not in plan and not re.search(r"\bSort\b", plan), plan
