"""The database timeline's counters, trimming by count and collection of unreferenced actions.

Every test compares the stored counters with the entries themselves (``actual``): the counts of
each timeline and the unread count as :meth:`BaseTimelineBackend.count_unread` defines it.
"""

from __future__ import annotations

import random
import re
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, get_timeline_backend
from sequere.contrib.timeline.models import Counter, Entry, StoredAction
from sequere.contrib.timeline.records import ActionRecord
from sequere.refs import Ref

T0 = 1_700_000_000_000_000
ALICE, BOB, CAROL, DAVE = (Ref("user", str(i)) for i in range(1, 5))
PROJECT = Ref("project", "1")


@pytest.fixture
def backend(db, settings):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 4
    return get_timeline_backend()


def rec(actor: Ref, at: int, verb: str = "like") -> ActionRecord:
    return ActionRecord(id=uuid.uuid4().hex, verb=verb, actor=actor, target=PROJECT, date=T0 + at)


def actual(owner: Ref) -> tuple[int, int, int]:
    """``(private, public, unread)`` counted from the entries and the read mark."""
    entries = Entry.objects.filter(owner_identifier=owner.identifier, owner_object_id=owner.object_id)
    mark = (
        Counter.objects.filter(owner_identifier=owner.identifier, owner_object_id=owner.object_id)
        .values_list("read_at", flat=True)
        .first()
    )
    after = entries if mark is None else entries.filter(date__gt=mark)
    unread = after.filter(kind=0).count() - after.filter(kind=1).count()
    return entries.filter(kind=0).count(), entries.filter(kind=1).count(), max(unread, 0)


def counted(backend, owner: Ref) -> tuple[int, int, int]:
    return backend.count(owner, PRIVATE), backend.count(owner, PUBLIC), backend.count_unread(owner)


def assert_exact(backend, *owners: Ref) -> None:
    for owner in owners:
        assert counted(backend, owner) == actual(owner), owner
    assert backend.audit()["problems"] == []


def referenced_only() -> bool:
    """The action store holds exactly the actions some entry lists."""
    stored = set(StoredAction.objects.values_list("id", flat=True))
    return stored == set(Entry.objects.values_list("action_id", flat=True))


def test_counts_stay_exact_through_every_write(backend):
    mine = [rec(ALICE, at=i) for i in range(3)]
    for record in mine:
        backend.store(record, ALICE, public=True)
    assert counted(backend, ALICE) == (3, 3, 0)  # own actions are never unread
    bobs = [rec(BOB, at=10 + i) for i in range(6)]
    for record in bobs:
        backend.store(record, BOB, public=True)
        backend.deliver([record], [ALICE, CAROL])
    # the cap (4) trimmed Alice's own actions out of her private timeline, not her public one
    assert counted(backend, ALICE) == (4, 3, 1)
    assert counted(backend, CAROL) == (4, 0, 4)
    assert backend.fetch(CAROL, PRIVATE) == bobs[2:]
    assert_exact(backend, ALICE, BOB, CAROL)

    backend.set_read_at(CAROL, T0 + 13)
    assert counted(backend, CAROL) == (4, 0, 2)
    late = rec(BOB, at=20)
    backend.store(late, BOB, public=True)
    backend.deliver([late], [CAROL])
    assert counted(backend, CAROL) == (4, 0, 3)
    old = rec(DAVE, at=12)  # dated before Carol's mark: read already, and the oldest kept
    backend.store(old, DAVE, public=True)
    backend.deliver([old], [CAROL])
    assert counted(backend, CAROL) == (4, 0, 3) and old not in backend.fetch(CAROL, PRIVATE)
    assert_exact(backend, ALICE, BOB, CAROL, DAVE)

    assert backend.retract([late], [CAROL, ALICE]) == 1
    assert counted(backend, CAROL) == (3, 0, 2)
    assert backend.remove_actor(CAROL, BOB, at=T0 + 30) == 3
    assert counted(backend, CAROL) == (0, 0, 0)
    assert backend.delete(bobs[-1], BOB) is True
    assert_exact(backend, ALICE, BOB, CAROL, DAVE)
    assert backend.forget_owner(BOB) == 3  # what Bob's public timeline still lists: 13, 14 and `late`
    assert counted(backend, BOB) == (0, 0, 0)
    assert_exact(backend, ALICE, BOB, CAROL, DAVE)
    assert backend.get_read_at(CAROL) == T0 + 13
    assert referenced_only()


def test_retries_change_no_count(backend):
    record = rec(BOB, at=1)
    for _ in range(3):
        backend.store(record, BOB, public=True)
        backend.deliver([record], [ALICE, CAROL])
    assert counted(backend, ALICE) == (1, 0, 1) and counted(backend, BOB) == (1, 1, 0)
    assert_exact(backend, ALICE, BOB, CAROL)


def test_unfollow_racing_a_delivery_is_taken_off_the_counts(backend):
    record = rec(BOB, at=1)
    backend.store(record, BOB, public=True)
    backend.remove_actor(ALICE, BOB, at=T0 + 10)
    assert backend.deliver([record], [ALICE, CAROL], since=T0 + 5) == 1
    assert counted(backend, ALICE) == (0, 0, 0) and counted(backend, CAROL) == (1, 0, 1)
    assert_exact(backend, ALICE, CAROL)


def sql(queries) -> list[str]:
    return [re.sub(r"\s+", " ", q["sql"]) for q in queries]


def test_query_counts(backend, settings, django_assert_num_queries):
    owners = [Ref("user", str(i)) for i in range(100, 200)]
    first = rec(BOB, at=1)
    with django_assert_num_queries(3):  # action, entries, counters
        backend.store(first, BOB, public=True)
    with django_assert_num_queries(2):  # entries, counters
        assert backend.deliver([first], owners) == 100
    with django_assert_num_queries(1):  # a retry inserts nothing: nothing more to count
        assert backend.deliver([first], owners) == 100
    for kind in (PRIVATE, PUBLIC):
        with django_assert_num_queries(1):
            assert backend.count(BOB, kind) == 1
    with django_assert_num_queries(1):
        assert backend.count_unread(owners[0]) == 1
    with django_assert_num_queries(1):
        assert backend.count(DAVE, PRIVATE) == 0
    with django_assert_num_queries(1):
        assert backend.count_unread(DAVE) == 0
    with django_assert_num_queries(2):  # the mark (taking the counter's lock), the recount
        backend.set_read_at(owners[0], T0 + 1)
    for at in range(2, 5):
        backend.store(later := rec(BOB, at=at), BOB, public=True)
        backend.deliver([later], owners)
    last = rec(BOB, at=5)
    backend.store(last, BOB, public=True)
    # every timeline is full: entries, counters, one trim for all 100, collection, correction
    with CaptureQueriesContext(connection) as queries:
        assert backend.deliver([last], owners) == 100
    statements = sql(queries)
    assert len(statements) == 5, statements
    [trim] = [s for s in statements if s.startswith("DELETE") and "sequere_timeline_entry" in s[:40]]
    assert " OR " not in trim and "OFFSET" not in trim
    # one arm per timeline: a LATERAL subquery over a VALUES list on PostgreSQL, UNION ALL on SQLite
    if connection.vendor == "postgresql":
        assert "CROSS JOIN LATERAL" in trim and trim.count("::bigint)") == 100
    else:
        assert trim.count("UNION ALL") == 99
    [collect] = [s for s in statements if s.startswith("DELETE") and "sequere_timeline_action" in s[:40]]
    assert "NOT EXISTS" in collect
    assert {backend.count(owner, PRIVATE) for owner in owners} == {4}
    assert not StoredAction.objects.filter(id=first.id).exists()  # trimmed everywhere: collected
    with django_assert_num_queries(4):  # lock, delete, counters, collection
        assert backend.retract([last], owners) == 100
    with django_assert_num_queries(6):  # mark, lock, delete, counters, collection, pulled followings
        assert backend.remove_actor(owners[0], BOB, at=T0 + 99) == 3
    assert_exact(backend, BOB, *owners)


def test_trimmed_and_removed_actions_leave_the_store(backend):
    followers = [ALICE, CAROL]
    records = [rec(BOB, at=i) for i in range(10)]
    for record in records:
        backend.store(record, BOB, public=True)
        backend.deliver([record], followers)
    # 10 actions, every timeline keeps 4: the other 6 are gone from the store
    assert set(StoredAction.objects.values_list("id", flat=True)) == {r.id for r in records[6:]}
    assert referenced_only()
    backend.retract([records[6]], followers)
    assert StoredAction.objects.filter(id=records[6].id).exists()  # Bob's timelines still list it
    for follower in followers:
        backend.remove_actor(follower, BOB, at=T0 + 100)
    assert StoredAction.objects.count() == 4 and referenced_only()
    carols = rec(CAROL, at=50)
    backend.store(carols, CAROL, public=True)
    backend.deliver([carols], [ALICE])
    backend.forget_owner(ALICE)  # her private copy goes; Carol's timelines still list it
    assert StoredAction.objects.filter(id=carols.id).exists()
    backend.forget_owner(CAROL)
    assert not StoredAction.objects.filter(id=carols.id).exists() and referenced_only()
    assert_exact(backend, ALICE, BOB, CAROL)


def test_a_record_being_written_is_never_collected_by_its_own_write(backend):
    for at in range(10, 14):
        backend.store(rec(BOB, at=at), BOB, public=True)
    old = rec(BOB, at=1)  # older than Bob's full timelines: trimmed at once
    backend.store(old, BOB, public=True)
    assert backend.get_records([old.id]) == {old.id: old}  # the fan-out still to come reads it
    assert backend.deliver([old], [ALICE]) == 1
    assert backend.fetch(ALICE, PRIVATE) == [old]
    report = backend.audit()
    assert report["problems"] == []
    backend.retract([old], [ALICE])
    assert backend.get_records([old.id]) == {}


def test_audit_finds_and_repairs_wrong_counters_and_unreferenced_actions(backend):
    records = [rec(BOB, at=i) for i in range(3)]
    for record in records:
        backend.store(record, BOB, public=True)
    backend.deliver(records, [ALICE])
    Counter.objects.filter(owner_identifier="user", owner_object_id="1").update(private=7, unread=-2)
    Counter.objects.filter(owner_identifier="user", owner_object_id="2").delete()
    Counter.objects.create(owner_identifier="user", owner_object_id="9", private=3)
    loose = rec(DAVE, at=5)
    StoredAction.objects.create(
        id=loose.id, verb="like", actor_identifier="user", actor_object_id="4", date=loose.date, payload="{}"
    )
    report = backend.audit()
    assert report["fixed"] == 0
    assert sorted(report["problems"]) == sorted(
        [
            "the counter of user:1 says 7 private, 0 public, -2 unread; its timelines hold "
            "3 private, 0 public, 3 unread",
            "the counter of user:2 says 0 private, 0 public, 0 unread; its timelines hold "
            "3 private, 3 public, 0 unread",
            "the counter of user:9 says 3 private, 0 public, 0 unread; its timelines hold "
            "0 private, 0 public, 0 unread",
            "1 stored actions are listed by no timeline entry",
        ]
    )
    fixed = backend.audit(fix=True)
    assert fixed["fixed"] == len(fixed["problems"]) == 4
    assert backend.audit()["problems"] == []
    assert counted(backend, ALICE) == (3, 0, 3) and counted(backend, BOB) == (3, 3, 0)
    assert not StoredAction.objects.filter(id=loose.id).exists()


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_counters_from_existing_rows():
    from django.db.migrations.executor import MigrationExecutor

    app = "sequere_timeline"
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes(app)
    try:
        executor.migrate([(app, "0001_initial")])
        old = MigrationExecutor(connection).loader.project_state([(app, "0001_initial")]).apps
        OldEntry, ReadMark = old.get_model(app, "Entry"), old.get_model(app, "ReadMark")

        def entry(owner: str, kind: int, date: int) -> None:
            OldEntry.objects.create(
                owner_identifier="user",
                owner_object_id=owner,
                kind=kind,
                date=date,
                action_id=uuid.uuid4().hex,
                verb="like",
                actor_identifier="user",
                actor_object_id="1",
            )

        for date in (1, 2, 3):
            entry("1", 0, date)
        entry("1", 1, 2)
        entry("2", 0, 5)
        entry("2", 0, 6)
        ReadMark.objects.create(owner_identifier="user", owner_object_id="1", at=1)
        ReadMark.objects.create(owner_identifier="user", owner_object_id="3", at=7)
        MigrationExecutor(connection).migrate([(app, "0002_counter")])
        rows = {
            c.owner_object_id: (c.private, c.public, c.unread, c.read_at)
            for c in Counter.objects.order_by("owner_object_id")
        }
        # user 1: private after the mark (2, 3) less public after it (2); user 2: never read
        assert rows == {"1": (3, 1, 1, 1), "2": (2, 0, 2, None), "3": (0, 0, 0, 7)}
        MigrationExecutor(connection).migrate([(app, "0001_initial")])
        back = MigrationExecutor(connection).loader.project_state([(app, "0001_initial")]).apps
        marks = back.get_model(app, "ReadMark").objects.values_list("owner_object_id", "at")
        assert sorted(marks) == [("1", 1), ("3", 7)]
    finally:
        MigrationExecutor(connection).migrate(leaf)


def _threads(work, count: int) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads started together; the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_counts_exact(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time (and its test database is in memory)")
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 15
    backend = get_timeline_backend()
    owners = [Ref("user", str(i)) for i in range(1000, 1030)]
    # one actor per record, so that its own timeline always lists it
    records = [rec(Ref("user", str(i)), at=random.randrange(10_000)) for i in range(60)]
    for record in records:
        backend.store(record, record.actor, public=True)
    doomed = records[::10]

    def work(i: int) -> None:
        backend = get_timeline_backend()
        if i == 6:  # a reader marking, and retracting a few records from everyone meanwhile
            for step, record in enumerate(doomed):
                backend.set_read_at(owners[step % len(owners)], T0 + 5_000)
                backend.retract([record], owners)
            return
        mine = records[i::6]
        for record in mine + mine[:3]:  # the last three are retries
            shuffled = owners[:]
            random.shuffle(shuffled)
            backend.deliver([record], shuffled)
        backend.remove_actor(owners[i], mine[0].actor, at=T0)

    errors = _threads(work, 7)
    assert errors == []
    report = backend.audit()
    assert [p for p in report["problems"] if "counter" in p] == []
    for owner in owners:
        assert counted(backend, owner) == actual(owner)
        assert backend.count(owner, PRIVATE) <= 15


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_to_one_owner_count_every_entry(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time (and its test database is in memory)")
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    backend = get_timeline_backend()
    records = [rec(Ref("user", str(100 + i)), at=i) for i in range(80)]
    for record in records:
        backend.store(record, record.actor, public=True)

    def work(i: int) -> None:
        for record in records[i::4]:
            get_timeline_backend().deliver([record], [ALICE])

    assert _threads(work, 4) == []
    assert counted(backend, ALICE) == (80, 0, 80) == actual(ALICE)
