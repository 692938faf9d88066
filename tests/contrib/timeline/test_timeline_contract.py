"""The timeline backend contract: every backend in ``TIMELINE_BACKENDS`` passes every test here.

Tests speak to the backend in refs and records only (see ``backends/base.py``), so they need no
model rows; a database backend's harness requests the ``db`` fixture itself.
"""

from __future__ import annotations

import logging
import uuid

import pytest

from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, BaseTimelineBackend, get_timeline_backend
from sequere.contrib.timeline.records import ActionRecord
from sequere.refs import Ref

T0 = 1_700_000_000_000_000  # microseconds since the epoch

ALICE = Ref("user", "1")
BOB = Ref("user", "2")
CAROL = Ref("user", "3")
DAVE = Ref("user", "4")
PROJECT = Ref("project", "1")
TAG = Ref("tag", "a}b:{c}")  # characters that matter in Redis keys


def rec(actor=ALICE, verb="like", target=None, at=0, **data) -> ActionRecord:
    """A record dated ``at`` seconds after ``T0``."""
    return ActionRecord(
        id=uuid.uuid4().hex, verb=verb, actor=actor, target=target, date=T0 + at * 1_000_000, data=data
    )


def stored(backend, *records):
    """Store each record in its actor's timelines (as a save does) and return them as a list."""
    for record in records:
        backend.store(record, record.actor, public=True)
    return list(records)


def ids(records):
    return [r.id for r in records]


def test_is_a_timeline_backend(timeline_backend):
    assert isinstance(timeline_backend, BaseTimelineBackend)


def test_constructor_does_no_io(timeline_harness, settings):
    backend_class = type(get_timeline_backend())
    with timeline_harness.round_trips() as trips:
        backend_class()
    assert trips.value == 0


def test_store_owner_public_and_private(timeline_backend):
    action = rec(target=PROJECT, rating=5, tags=["a", "b"])
    timeline_backend.store(action, ALICE, public=True)
    assert timeline_backend.fetch(ALICE, PRIVATE) == [action]
    assert timeline_backend.fetch(ALICE, PUBLIC) == [action]
    [back] = timeline_backend.fetch(ALICE, PUBLIC)
    assert (
        back.data == {"rating": 5, "tags": ["a", "b"]} and back.target == PROJECT and back.date == action.date
    )
    assert timeline_backend.get_records([action.id]) == {action.id: action}


def test_store_private_only(timeline_backend):
    action = rec(actor=BOB)
    timeline_backend.store(action, ALICE, public=False)
    assert timeline_backend.fetch(ALICE, PRIVATE) == [action]
    assert timeline_backend.fetch(ALICE, PUBLIC) == []
    assert timeline_backend.count(ALICE, PUBLIC) == 0


def test_store_is_idempotent(timeline_backend):
    action = rec()
    for _ in range(3):
        timeline_backend.store(action, ALICE, public=True)
    assert timeline_backend.count(ALICE, PRIVATE) == 1
    assert timeline_backend.count(ALICE, PUBLIC) == 1
    assert timeline_backend.count(ALICE, PRIVATE, verb="like") == 1


def test_empty_timeline(timeline_backend):
    assert timeline_backend.fetch(CAROL, PRIVATE) == []
    assert timeline_backend.count(CAROL, PRIVATE) == 0
    assert timeline_backend.count(CAROL, PUBLIC, verb="like", target="project") == 0
    assert timeline_backend.get_records(["nope"]) == {}
    assert timeline_backend.get_read_at(CAROL) is None


def test_order_offset_limit(timeline_backend):
    records = [rec(at=i) for i in (3, 1, 2, 0)]
    same_time = [rec(at=5), rec(at=5)]
    for record in records + same_time:
        timeline_backend.store(record, ALICE, public=True)
    expected = sorted(records + same_time, key=lambda r: (r.date, r.id))
    assert ids(timeline_backend.fetch(ALICE, PRIVATE)) == ids(expected)
    assert ids(timeline_backend.fetch(ALICE, PRIVATE, desc=True)) == ids(expected[::-1])
    assert ids(timeline_backend.fetch(ALICE, PRIVATE, offset=1, limit=2)) == ids(expected[1:3])
    assert ids(timeline_backend.fetch(ALICE, PUBLIC, desc=True, offset=4, limit=10)) == ids(
        expected[::-1][4:]
    )
    assert timeline_backend.fetch(ALICE, PRIVATE, offset=6, limit=5) == []
    assert timeline_backend.fetch(ALICE, PRIVATE, limit=0) == []


def test_filters(timeline_backend):
    join = rec(verb="join", at=1)
    like_project = rec(verb="like", target=PROJECT, at=2)
    like_tag = rec(verb="like", target=TAG, at=3)
    join_project = rec(verb="join", target=PROJECT, at=4)
    for record in (join, like_project, like_tag, join_project):
        timeline_backend.store(record, ALICE, public=True)
    for kind in (PRIVATE, PUBLIC):
        fetch = timeline_backend.fetch
        assert fetch(ALICE, kind, verb="like") == [like_project, like_tag]
        assert fetch(ALICE, kind, target="project") == [like_project, join_project]
        assert fetch(ALICE, kind, target="tag") == [like_tag]
        assert fetch(ALICE, kind, verb="join", target="project") == [join_project]
        assert fetch(ALICE, kind, verb="join", target="tag") == []
        assert fetch(ALICE, kind, verb="follow") == []
        assert timeline_backend.count(ALICE, kind, verb="join") == 2
        assert timeline_backend.count(ALICE, kind, target="project") == 2
        assert timeline_backend.count(ALICE, kind, verb="like", target="tag") == 1


def test_count_after(timeline_backend):
    for at in range(5):
        timeline_backend.store(rec(at=at, verb="join" if at % 2 else "like"), ALICE, public=True)
    assert timeline_backend.count(ALICE, PRIVATE, after=T0 + 2_000_000) == 2
    assert timeline_backend.count(ALICE, PRIVATE, after=T0 + 1_999_999) == 3
    assert timeline_backend.count(ALICE, PRIVATE, verb="like", after=T0 + 1_000_000) == 2
    assert timeline_backend.count(ALICE, PRIVATE, after=None) == 5


def test_read_at(timeline_backend):
    timeline_backend.set_read_at(ALICE, T0 + 7)
    assert timeline_backend.get_read_at(ALICE) == T0 + 7
    timeline_backend.set_read_at(ALICE, T0 + 9)
    assert timeline_backend.get_read_at(ALICE) == T0 + 9
    assert timeline_backend.get_read_at(BOB) is None


def test_capped_on_every_write(timeline_backend, settings):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 3
    backend = get_timeline_backend()
    records = [rec(at=i, target=PROJECT) for i in range(5)]
    for record in records:
        backend.store(record, ALICE, public=True)
        assert backend.count(ALICE, PRIVATE) <= 3
    newest = records[2:]
    for kind in (PRIVATE, PUBLIC):
        assert backend.fetch(kind=kind, owner=ALICE) == newest
        assert backend.fetch(ALICE, kind, verb="like") == newest
        assert backend.fetch(ALICE, kind, target="project") == newest
        assert backend.fetch(ALICE, kind, verb="like", target="project") == newest
    delivered = stored(backend, *(rec(actor=BOB, at=i) for i in range(10, 15)))
    backend.deliver(delivered, [CAROL])
    assert backend.fetch(CAROL, PRIVATE) == delivered[2:]
    [old] = stored(backend, rec(actor=DAVE, at=-100))
    backend.deliver([old], [CAROL])
    assert backend.fetch(CAROL, PRIVATE) == delivered[2:]


def test_deliver_to_many(timeline_backend):
    action = rec(actor=BOB, target=PROJECT)
    timeline_backend.store(action, BOB, public=True)
    owners = [Ref("user", str(i)) for i in range(100, 150)] + [TAG]
    assert timeline_backend.deliver([action], owners) == len(owners)
    for owner in owners:
        assert timeline_backend.fetch(owner, PRIVATE, verb="like", target="project") == [action]
        assert timeline_backend.fetch(owner, PUBLIC) == []
    # a retry changes nothing
    assert timeline_backend.deliver([action], owners) == len(owners)
    assert timeline_backend.count(owners[0], PRIVATE) == 1
    assert timeline_backend.deliver([], owners) == 0
    assert timeline_backend.deliver([action], []) == 0


def test_remove_actor(timeline_backend):
    mine = rec(actor=ALICE, at=1)
    bobs = stored(timeline_backend, rec(actor=BOB, at=2, target=PROJECT), rec(actor=BOB, at=3, verb="join"))
    [carols] = stored(timeline_backend, rec(actor=CAROL, at=4, target=PROJECT))
    timeline_backend.store(mine, ALICE, public=True)
    timeline_backend.deliver(bobs + [carols], [ALICE])
    assert timeline_backend.remove_actor(ALICE, BOB, at=T0) == 2
    assert timeline_backend.fetch(ALICE, PRIVATE) == [mine, carols]
    assert timeline_backend.fetch(ALICE, PRIVATE, target="project") == [carols]
    assert timeline_backend.fetch(ALICE, PRIVATE, verb="join") == []
    assert timeline_backend.count(ALICE, PRIVATE, verb="like") == 2
    assert timeline_backend.remove_actor(ALICE, BOB, at=T0) == 0
    assert timeline_backend.remove_actor(ALICE, DAVE, at=T0) == 0
    # records stay stored: other timelines may hold them
    assert set(timeline_backend.get_records(ids(bobs))) == set(ids(bobs))


def test_deliver_counts_says_what_was_new(timeline_backend):
    """``(written, new)``: a retry writes the same pairs, none of them new; one new owner in it is."""
    action = rec(actor=BOB)
    timeline_backend.store(action, BOB, public=True)
    owners = [Ref("user", str(i)) for i in range(200, 210)]
    assert timeline_backend.deliver_counts([action], owners) == (10, 10)
    assert timeline_backend.deliver_counts([action], owners) == (10, 0)
    assert timeline_backend.deliver_counts([action], [*owners, CAROL]) == (11, 1)
    # the actor's own timeline already holds it (store): delivering there again is not new
    assert timeline_backend.deliver_counts([action], [BOB]) == (1, 0)
    assert timeline_backend.deliver_counts([], owners) == (0, 0)


def test_deliver_skips_owners_who_unfollowed_since(timeline_backend):
    action = rec(actor=BOB)
    timeline_backend.store(action, BOB, public=True)
    timeline_backend.remove_actor(ALICE, BOB, at=T0 + 10)
    assert timeline_backend.deliver([action], [ALICE, CAROL], since=T0 + 5) == 1
    assert timeline_backend.fetch(ALICE, PRIVATE) == []
    assert timeline_backend.fetch(CAROL, PRIVATE) == [action]
    assert timeline_backend.deliver([action], [ALICE], since=T0 + 10) == 0
    # the follow was read after the unfollow: deliver
    assert timeline_backend.deliver([action], [ALICE], since=T0 + 11) == 1
    assert timeline_backend.fetch(ALICE, PRIVATE) == [action]
    # no since: always deliver
    [other] = stored(timeline_backend, rec(actor=BOB, at=1))
    assert timeline_backend.deliver([other], [ALICE]) == 1


def test_retract(timeline_backend):
    action, keep = stored(timeline_backend, rec(actor=BOB, target=PROJECT), rec(actor=BOB, at=1))
    timeline_backend.deliver([action, keep], [ALICE, CAROL])
    assert timeline_backend.retract([action], [ALICE, CAROL, DAVE]) == 2
    for owner in (ALICE, CAROL):
        assert timeline_backend.fetch(owner, PRIVATE) == [keep]
        assert timeline_backend.count(owner, PRIVATE, target="project") == 0
    assert timeline_backend.retract([action], [ALICE]) == 0


def test_delete(timeline_backend):
    action = rec(target=PROJECT)
    other = rec(at=1)
    timeline_backend.store(action, ALICE, public=True)
    timeline_backend.store(other, ALICE, public=True)
    timeline_backend.deliver([action], [BOB])
    assert timeline_backend.delete(action, ALICE) is True
    assert timeline_backend.fetch(ALICE, PRIVATE) == [other]
    assert timeline_backend.fetch(ALICE, PUBLIC) == [other]
    assert timeline_backend.count(ALICE, PUBLIC, target="project") == 0
    assert timeline_backend.get_records([action.id]) == {}
    # Bob's copy is skipped by readers until retracted
    assert timeline_backend.fetch(BOB, PRIVATE) == []
    assert timeline_backend.delete(action, ALICE) is False


def test_corrupt_record_is_skipped_and_logged(timeline_harness, caplog):
    backend = get_timeline_backend()
    good, bad = rec(at=1), rec(at=2)
    backend.store(good, ALICE, public=True)
    backend.store(bad, ALICE, public=True)
    timeline_harness.corrupt(bad.id)
    with caplog.at_level(logging.WARNING, logger="sequere.timeline"):
        assert backend.fetch(ALICE, PRIVATE) == [good]
    assert bad.id in caplog.text
    assert backend.get_records([good.id, bad.id]) == {good.id: good}


def test_import_actions(timeline_backend):
    bobs = [rec(actor=BOB, at=i, verb="join" if i % 2 else "like") for i in range(6)]
    for record in bobs:
        timeline_backend.store(record, BOB, public=True)
    private_only = rec(actor=CAROL, at=10)
    timeline_backend.store(private_only, BOB, public=False)
    assert timeline_backend.import_actions(ALICE, BOB, limit=4) == 4
    assert timeline_backend.fetch(ALICE, PRIVATE) == bobs[2:]
    assert timeline_backend.fetch(ALICE, PRIVATE, verb="join") == [bobs[3], bobs[5]]
    assert timeline_backend.import_actions(ALICE, BOB, limit=4) == 4
    assert timeline_backend.count(ALICE, PRIVATE) == 4
    timeline_backend.remove_actor(ALICE, BOB, at=T0 + 50)
    assert timeline_backend.import_actions(ALICE, BOB, limit=4, since=T0 + 40) == 0
    assert timeline_backend.count(ALICE, PRIVATE) == 0


@pytest.mark.parametrize("size", [20, 200])
def test_page_costs_constant_round_trips(timeline_harness, size):
    backend = get_timeline_backend()
    records = [
        rec(actor=Ref("user", str(i % 7)), at=i, target=PROJECT if i % 2 else None) for i in range(300)
    ]
    stored(backend, *records)
    backend.deliver(records, [ALICE])
    with timeline_harness.round_trips() as trips:
        page = backend.fetch(ALICE, PRIVATE, desc=True, limit=size)
    assert len(page) == size
    assert 0 < trips.value <= timeline_harness.page_round_trips
    with timeline_harness.round_trips() as filtered:
        page = backend.fetch(ALICE, PRIVATE, target="project", offset=10, limit=size // 2)
    assert len(page) == size // 2
    assert filtered.value <= timeline_harness.page_round_trips


def test_write_round_trips(timeline_harness):
    backend = get_timeline_backend()
    followers = [Ref("user", str(i)) for i in range(1000, 1100)]
    # connect to every node and load scripts first
    backend.deliver(stored(backend, rec(actor=DAVE)), followers)
    action = rec(actor=BOB, target=PROJECT)
    with timeline_harness.round_trips() as store:
        backend.store(action, BOB, public=True)
    with timeline_harness.round_trips() as deliver:
        backend.deliver([action], followers)
    assert 0 < store.value <= timeline_harness.write_round_trips
    assert 0 < deliver.value <= timeline_harness.write_round_trips
