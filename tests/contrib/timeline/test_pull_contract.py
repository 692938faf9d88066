"""Hybrid fan-out in the timeline backend contract: a private timeline merged with pulled actors
reads exactly as the same timeline with those actors' actions delivered.

Every test runs against every backend of ``TIMELINE_BACKENDS``. Two owners follow the same actors:
``PUSHED`` gets their actions delivered, ``PULLED`` pulls them (some of it also delivered, as
after a switch from push to pull, which the merge must not show twice).
"""

from __future__ import annotations

import itertools
import random

import pytest

from sequere.contrib.timeline.backends import PRIVATE, PUBLIC
from sequere.contrib.timeline.jobs import EVERYTHING
from sequere.refs import Ref
from tests.contrib.timeline.test_timeline_contract import PROJECT, T0, TAG, ids, rec, stored

PUSHED = Ref("user", "10")
PULLED = Ref("user", "11")
ACTORS = [Ref("user", str(n)) for n in range(20, 25)]


def scenario(backend, seed: int, n: int = 40):
    """Store ``n`` actions of ``ACTORS`` (ties in dates, verbs, targets); deliver them to
    ``PUSHED``; ``PULLED`` pulls the actors and has some copies delivered too. Returns the records."""
    rng = random.Random(seed)
    records = [
        rec(
            actor=rng.choice(ACTORS),
            verb=rng.choice(["like", "join", "comment"]),
            target=rng.choice([None, PROJECT, TAG]),
            at=rng.randint(0, n // 3),
        )
        for _ in range(n)
    ]
    stored(backend, *records)
    backend.deliver(records, [PUSHED])
    backend.pull([PULLED], ACTORS[0], cutoff=EVERYTHING)
    backend.pull([PULLED], ACTORS[1], cutoff=EVERYTHING)
    backend.pull([PULLED], ACTORS[2], cutoff=EVERYTHING)
    pushed = [r for r in records if r.actor not in ACTORS[:3]]
    pushed += rng.sample([r for r in records if r.actor in ACTORS[:3]], n // 5)  # copies before a switch
    backend.deliver(pushed, [PULLED])
    # an action saved into both timelines by someone else
    other = rec(actor=Ref("user", "99"), at=3)
    backend.store(other, PUSHED, public=False)
    backend.store(other, PULLED, public=False)
    return records


FILTERS = [(None, None), ("like", None), (None, "project"), ("join", "tag"), ("comment", None)]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("cap", [1000, 9])
def test_merged_reads_equal_pushed_reads(timeline_backend, settings, seed, cap):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = cap
    scenario(timeline_backend, seed)
    assert set(timeline_backend.get_pulled(PULLED)) == set(ACTORS[:3])
    b = timeline_backend
    for (verb, target), desc in itertools.product(FILTERS, (False, True)):
        kw = {"verb": verb, "target": target}
        whole = ids(b.fetch(PUSHED, PRIVATE, desc=desc, **kw))
        assert ids(b.fetch(PULLED, PRIVATE, desc=desc, **kw)) == whole
        for offset, limit in ((0, 3), (2, 5), (4, None), (0, 1), (50, 5)):
            page = dict(desc=desc, offset=offset, limit=limit, **kw)
            assert ids(b.fetch(PULLED, PRIVATE, **page)) == ids(b.fetch(PUSHED, PRIVATE, **page)), page
        assert b.count(PULLED, PRIVATE, **kw) == b.count(PUSHED, PRIVATE, **kw)
        after = T0 + 5_000_000
        assert b.count(PULLED, PRIVATE, after=after, **kw) == b.count(PUSHED, PRIVATE, after=after, **kw)
        assert b.count_unread(PULLED, **kw) == b.count_unread(PUSHED, **kw)
    for owner in (PUSHED, PULLED):
        b.set_read_at(owner, T0 + 7_000_000)
    for verb, target in FILTERS:
        assert b.count_unread(PULLED, verb=verb, target=target) == b.count_unread(
            PUSHED, verb=verb, target=target
        )
    assert len(ids(b.fetch(PULLED, PRIVATE))) == len(set(ids(b.fetch(PULLED, PRIVATE))))  # no duplicates


def test_own_actions_are_never_unread_when_merged(timeline_backend):
    mine = rec(actor=PULLED, at=1)
    theirs = rec(actor=ACTORS[0], at=2)
    stored(timeline_backend, mine, theirs)
    timeline_backend.pull([PULLED], ACTORS[0], cutoff=EVERYTHING)
    assert ids(timeline_backend.fetch(PULLED, PRIVATE)) == [mine.id, theirs.id]
    assert timeline_backend.count(PULLED, PRIVATE) == 2
    assert timeline_backend.count_unread(PULLED) == 1
    timeline_backend.set_read_at(PULLED, theirs.date)
    assert timeline_backend.count_unread(PULLED) == 0


def test_cutoff_and_unpull(timeline_backend):
    old, new = rec(actor=ACTORS[0], at=1), rec(actor=ACTORS[0], at=5)
    stored(timeline_backend, old, new)
    assert timeline_backend.pull([PULLED, PUSHED], ACTORS[0], cutoff=new.date) == 2
    assert timeline_backend.pull([PULLED], ACTORS[0], cutoff=EVERYTHING) == 1  # the first cut-off stays
    assert timeline_backend.get_pulled(PULLED) == {ACTORS[0]: new.date}
    assert ids(timeline_backend.fetch(PULLED, PRIVATE)) == [new.id]
    assert timeline_backend.fetch(PULLED, PUBLIC) == []
    assert timeline_backend.get_cutoffs([PULLED, DAVE := Ref("user", "4")], ACTORS[0]) == {PULLED: new.date}
    assert timeline_backend.unpull([PULLED, DAVE], ACTORS[0]) == 1
    assert timeline_backend.fetch(PULLED, PRIVATE) == [] and timeline_backend.count(PULLED, PRIVATE) == 0


def test_pull_skips_owners_who_unfollowed_since(timeline_backend):
    timeline_backend.remove_actor(PULLED, ACTORS[0], at=T0 + 10)
    assert timeline_backend.pull([PULLED, PUSHED], ACTORS[0], cutoff=EVERYTHING, since=T0 + 5) == 1
    assert timeline_backend.get_pulled(PULLED) == {}
    assert timeline_backend.get_pulled(PUSHED) == {ACTORS[0]: EVERYTHING}


def test_remove_actor_stops_the_pull(timeline_backend):
    action = rec(actor=ACTORS[0], at=1)
    stored(timeline_backend, action)
    timeline_backend.pull([PULLED], ACTORS[0], cutoff=EVERYTHING)
    timeline_backend.deliver([action], [PULLED])  # a copy pushed before the switch
    assert ids(timeline_backend.fetch(PULLED, PRIVATE)) == [action.id]
    timeline_backend.remove_actor(PULLED, ACTORS[0], at=T0 + 1)
    assert timeline_backend.get_pulled(PULLED) == {}
    assert timeline_backend.fetch(PULLED, PRIVATE) == []


def test_materialize_keeps_what_was_read(timeline_backend):
    records = stored(timeline_backend, *(rec(actor=ACTORS[0], at=i) for i in range(4)))
    timeline_backend.pull([PULLED], ACTORS[0], cutoff=records[1].date)
    timeline_backend.deliver(records[2:3], [PULLED])
    before = ids(timeline_backend.fetch(PULLED, PRIVATE))
    assert before == ids(records[1:])
    assert timeline_backend.materialize([PULLED, PUSHED], ACTORS[0]) == 3
    assert timeline_backend.get_pulled(PULLED) == {}
    assert ids(timeline_backend.fetch(PULLED, PRIVATE)) == before


def test_pull_mode(timeline_backend):
    assert timeline_backend.get_pull_mode(ACTORS[0]) is None
    timeline_backend.set_pull_mode(ACTORS[0], T0)
    assert timeline_backend.get_pull_mode(ACTORS[0]) == T0
    timeline_backend.set_pull_mode(ACTORS[0], None)
    assert timeline_backend.get_pull_mode(ACTORS[0]) is None


def test_find_targeted(timeline_backend):
    other = Ref("project", "2")
    hit, miss = rec(actor=ACTORS[0], target=PROJECT, at=1), rec(actor=ACTORS[0], target=other, at=2)
    stored(timeline_backend, hit, miss)
    timeline_backend.deliver([hit, miss], [PUSHED], via=PROJECT)
    assert ids(timeline_backend.find_targeted(PUSHED, PROJECT)) == [hit.id]
    assert timeline_backend.retract([hit], [PUSHED]) == 1
    assert ids(timeline_backend.fetch(PUSHED, PRIVATE)) == [miss.id]


def test_deliver_via_checks_the_target_unfollow(timeline_backend):
    action = rec(actor=ACTORS[0], target=PROJECT, at=1)
    stored(timeline_backend, action)
    timeline_backend.remove_actor(PUSHED, PROJECT, at=T0 + 10)
    assert timeline_backend.deliver([action], [PUSHED, PULLED], since=T0 + 5, via=PROJECT) == 1
    assert timeline_backend.fetch(PUSHED, PRIVATE) == []


@pytest.mark.parametrize("k", [1, 5])
def test_merged_read_costs_one_more_round_trip_per_node_whatever_k(timeline_harness, k):
    backend = timeline_harness_backend()
    actors = [Ref("user", str(100 + i)) for i in range(k)]
    stored(backend, *(rec(actor=actor, at=i) for i, actor in enumerate(actors)))
    stored(backend, *(rec(actor=PUSHED, at=i) for i in range(3)))
    with timeline_harness.round_trips() as plain:
        backend.fetch(PUSHED, PRIVATE, desc=True, limit=20)
    assert plain.value <= timeline_harness.page_round_trips
    backend.pull([PUSHED], actors[0], cutoff=EVERYTHING)
    backend.pull([PUSHED], actors[-1], cutoff=EVERYTHING)
    for actor in actors[1:-1]:
        backend.pull([PUSHED], actor, cutoff=EVERYTHING)
    with timeline_harness.round_trips() as merged:
        page = backend.fetch(PUSHED, PRIVATE, desc=True, limit=20)
    assert len(page) == 3 + k
    assert merged.value <= timeline_harness.page_round_trips + timeline_harness.pull_round_trips
    with timeline_harness.round_trips() as counted:
        assert backend.count(PUSHED, PRIVATE) == 3 + k
        assert backend.count_unread(PUSHED) == k
    # the counter (or plain count) with the pulled followings, then the merged count
    assert counted.value <= 2 * (1 + max(timeline_harness.pull_round_trips, 1))


def timeline_harness_backend():
    from sequere.contrib.timeline.backends import get_timeline_backend

    return get_timeline_backend()


@pytest.mark.parametrize("filters", [{}, {"verb": "like"}])
@pytest.mark.parametrize("desc", [False, True])
def test_cursor_pages_of_a_merged_timeline_equal_the_pushed_ones(
    timeline_backend, timeline_harness, desc, filters
):
    scenario(timeline_backend, seed=7)
    b = timeline_backend

    def walk(owner):
        seen, after = [], None
        while True:
            rows = b.fetch_keyset(owner, PRIVATE, desc=desc, after=after, limit=4, **filters)
            if not rows:
                return seen
            seen += [key[1] for key, record in rows if record is not None]
            after = rows[-1][0]

    assert walk(PULLED) == walk(PUSHED) == ids(b.fetch(PUSHED, PRIVATE, desc=desc, **filters))
    last = b.fetch_keyset(PUSHED, PRIVATE, desc=desc, limit=9, **filters)[-1][0]
    before = [key for key, _ in b.fetch_keyset(PULLED, PRIVATE, desc=desc, before=last, limit=3, **filters)]
    assert before == [
        key for key, _ in b.fetch_keyset(PUSHED, PRIVATE, desc=desc, before=last, limit=3, **filters)
    ]
    # a merged cursor page costs a page and the pulled read, whatever its depth
    with timeline_harness.round_trips() as trips:
        assert b.fetch_keyset(PULLED, PRIVATE, desc=desc, after=last, limit=3, **filters)
    assert trips.value <= timeline_harness.page_round_trips + max(timeline_harness.pull_round_trips, 1)


@pytest.mark.parametrize("desc", [False, True])
def test_a_reader_known_to_pull_reads_a_page_in_the_cost_of_a_plain_one(
    timeline_backend, timeline_harness, desc
):
    """The pulled followings read with a page are remembered by the process and checked by the
    server when the next page uses them (single Redis: one script call then the records): a
    change in between is seen, and the page is always the merged one."""
    scenario(timeline_backend, seed=3)
    b = timeline_backend
    expected = ids(b.fetch(PUSHED, PRIVATE, desc=desc, offset=2, limit=5))
    for _ in range(2):  # the second read: the server knows the script (EVALSHA, no EVAL)
        assert ids(b.fetch(PULLED, PRIVATE, desc=desc, offset=2, limit=5)) == expected
    with timeline_harness.round_trips() as trips:
        assert ids(b.fetch(PULLED, PRIVATE, desc=desc, offset=2, limit=5)) == expected
    assert trips.value <= timeline_harness.page_round_trips + timeline_harness.pull_round_trips
    if timeline_harness.remembers_pulled:
        assert trips.value == timeline_harness.page_round_trips
    key = b.fetch_keyset(PUSHED, PRIVATE, desc=desc, limit=4)[-1][0]
    pushed = b.fetch_keyset(PUSHED, PRIVATE, desc=desc, after=key, limit=4, verb="like")
    for _ in range(2):
        assert b.fetch_keyset(PULLED, PRIVATE, desc=desc, after=key, limit=4, verb="like") == pushed
    with timeline_harness.round_trips() as trips:
        assert b.fetch_keyset(PULLED, PRIVATE, desc=desc, after=key, limit=4, verb="like") == pushed
    if timeline_harness.remembers_pulled:
        assert trips.value == timeline_harness.page_round_trips
    # the owner stops pulling one actor and gets its entries instead: the next page sees it
    b.materialize([PULLED], ACTORS[0])
    assert ids(b.fetch(PULLED, PRIVATE, desc=desc, offset=2, limit=5)) == expected
    for actor in ACTORS[1:3]:
        b.materialize([PULLED], actor)
    assert b.get_pulled(PULLED) == {}
    assert ids(b.fetch(PULLED, PRIVATE, desc=desc, offset=2, limit=5)) == expected
    assert b.fetch_keyset(PULLED, PRIVATE, desc=desc, after=key, limit=4, verb="like") == pushed
    b.pull([PULLED], ACTORS[4], cutoff=EVERYTHING)  # pulls again: also seen
    assert ids(b.fetch(PULLED, PRIVATE, desc=desc, offset=2, limit=5)) == expected
    assert b.fetch_keyset(PULLED, PRIVATE, desc=desc, after=key, limit=4, verb="like") == pushed
