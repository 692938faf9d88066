"""Blocks racing follows, and what follows, blocks and the fan-out filter cost, on every backend.

Three layers of races:

* every order of a block, follows both ways, an unfollow and a mute, run one after the other
  (each call is atomic on every backend: one script on a single Redis, one statement or one
  transaction on the database), checked against a model of the rules;
* real threads following while another blocks (every backend; the database one on PostgreSQL,
  where block() locks the follow table; SQLite runs one writing transaction at a time);
* on Redis Cluster, the halves of a follow, a block and an unblock applied in every order on
  each node independently (as ``tests/reliability/test_cluster_halves.py`` does for follows).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sequere.backends import FOLLOWERS, FOLLOWINGS, get_backend
from sequere.exceptions import BlockedException
from sequere.models import (
    block,
    follow,
    get_followers_count,
    get_friends_count,
    is_blocked,
    is_following,
    is_muted,
    mute,
    unfollow,
)
from sequere.refs import Ref
from sequere.registration import registry
from sequere.timeutils import to_micros
from tests.testapp.models import Project, User

pytestmark = [pytest.mark.usefixtures("follow_backend")]

#: the cluster-only tests' backend, marked as tests/conftest.py marks it (skipped without redis-py)
CLUSTER = pytest.param("redis_cluster", id="redis_cluster", marks=[pytest.mark.redis, pytest.mark.cluster])

OPS = ("follow_ab", "follow_ba", "block_ab", "unfollow_ab", "mute_ab")


@contextmanager
def round_trips(follow_backend: str) -> Iterator[list[int]]:
    """Redis round trips inside the block; the database backend sends none (and the no-extras
    run, where only it is tested, has no redis-py to count with)."""
    if follow_backend == "database":
        yield [0]
        return
    from tests.backends.redis_helpers import round_trips as counting

    with counting() as sent:
        yield sent


def run(op: str, a, b) -> None:
    try:
        if op == "follow_ab":
            follow(a, b)
        elif op == "follow_ba":
            follow(b, a)
        elif op == "block_ab":
            block(a, b)
        elif op == "unfollow_ab":
            unfollow(a, b)
        else:
            mute(a, b)
    except BlockedException:
        pass


def model(order: tuple[str, ...]) -> tuple[bool, bool, bool, bool]:
    """(a follows b, b follows a, a blocks b, a mutes b) after ``order``, by the rules."""
    ab = ba = blocked = muted = False
    for op in order:
        if op == "follow_ab" and not blocked:
            ab = True
        elif op == "follow_ba" and not blocked:
            ba = True
        elif op == "block_ab":
            blocked, ab, ba = True, False, False
        elif op == "unfollow_ab":
            ab = False
        elif op == "mute_ab":
            muted = True
    return ab, ba, blocked, muted


@pytest.mark.django_db
def test_every_order_of_block_follow_unfollow_mute(settings):
    settings.SEQUERE_FAIL_SILENTLY = True
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    orders = list(itertools.permutations(OPS))
    people = User.objects.bulk_create([User(username=f"p{i}") for i in range(2 * len(orders))])
    for n, order in enumerate(orders):
        a, b = people[2 * n], people[2 * n + 1]
        for op in order:
            run(op, a, b)
        ab, ba, blocked, muted = model(order)
        state = (is_following(a, b), is_following(b, a), is_blocked(a, b), is_muted(a, b))
        assert state == (ab, ba, blocked, muted), order
        assert not is_blocked(b, a)
        assert get_friends_count(a) == get_friends_count(b) == int(ab and ba), order
        assert get_followers_count(b) == int(ab) and get_followers_count(a) == int(ba), order


@pytest.mark.django_db(transaction=True)
def test_threads_following_while_another_blocks_leave_no_edge(follow_backend, settings):
    if follow_backend == "database" and connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    settings.SEQUERE_FAIL_SILENTLY = True
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    rounds = 15
    pairs = [
        (User.objects.create(username=f"a{i}"), User.objects.create(username=f"b{i}")) for i in range(rounds)
    ]
    errors: list[BaseException] = []

    def worker(call, a, b, start: threading.Barrier) -> None:
        try:
            start.wait()
            try:
                call(a, b)
            except BlockedException:
                pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    for a, b in pairs:
        start = threading.Barrier(3)
        threads = [
            threading.Thread(target=worker, args=(follow, a, b, start)),
            threading.Thread(target=worker, args=(lambda x, y: follow(y, x), a, b, start)),
            threading.Thread(target=worker, args=(block, a, b, start)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    for a, b in pairs:
        assert is_blocked(a, b)
        assert (is_following(a, b), is_following(b, a)) == (False, False)
        assert get_followers_count(a) == get_followers_count(b) == 0
        assert get_friends_count(a) == get_friends_count(b) == 0


# -- costs -----------------------------------------------------------------------------------------


def hops(follow_backend: str, *refs: Ref) -> int:
    """Round trips one write over ``refs`` may take: one, or one per node on a cluster."""
    if follow_backend != "redis_cluster":
        return 1
    from tests.backends.test_redis_backend import nodes_for

    return nodes_for(get_backend(), *refs)


@pytest.fixture
def crowd(db):
    """thoas blocks two, mutes one, is blocked by one; the project is blocked by one."""
    thoas = User.objects.create(username="thoas")
    project = Project.objects.create(name="Le grand détournement")
    others = User.objects.bulk_create([User(username=f"o{i}") for i in range(5)])
    block(thoas, others[0])
    block(thoas, others[1])
    mute(thoas, others[2])
    block(others[3], thoas)
    block(others[4], project)
    return thoas, project


@pytest.mark.django_db
def test_follow_with_blocks_in_force_costs_one_statement_or_one_round_trip(
    follow_backend, crowd, django_assert_num_queries, settings
):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    thoas, project = crowd
    refs = registry.get_ref(thoas), registry.get_ref(project)
    sql = 1 if follow_backend == "database" else 0
    trips = 0 if follow_backend == "database" else hops(follow_backend, *refs)
    follow(thoas, project)  # warm: scripts known, cluster slots known
    unfollow(thoas, project)
    with django_assert_num_queries(sql), round_trips(follow_backend) as sent:
        follow(thoas, project)  # one INSERT ... SELECT ... WHERE NOT EXISTS (block) on the database
    assert sent[0] == trips
    other = User.objects.get(username="o3")  # blocks thoas
    with pytest.raises(BlockedException):
        follow(thoas, other)  # warm: connections to the nodes of this pair made
    # a refused follow: the same statement, then one query telling a block from a repeat (on
    # Redis: the same script, then one ZSCORE telling who blocks whom)
    with (
        django_assert_num_queries(2 * sql),
        round_trips(follow_backend) as sent,
        pytest.raises(BlockedException),
    ):
        follow(thoas, other)
    assert sent[0] == (
        0 if follow_backend == "database" else hops(follow_backend, refs[0], registry.get_ref(other)) + 1
    )


@pytest.mark.django_db
def test_block_is_one_round_trip_per_node(follow_backend, crowd, settings):
    if follow_backend == "database":
        pytest.skip("the database block is one transaction: the lock, an INSERT and two DELETEs")
    thoas, project = crowd
    follow(thoas, project)
    refs = registry.get_ref(thoas), registry.get_ref(project)
    with round_trips(follow_backend) as sent:
        get_backend().block(*refs, timezone.now())
    assert sent[0] == hops(follow_backend, *refs)


@pytest.mark.django_db
def test_the_fanout_filter_is_one_call_per_chunk(follow_backend, crowd):
    thoas, _ = crowd
    actor = registry.get_ref(thoas)
    owners = [Ref("user", str(i)) for i in range(1, 200)] + [Ref("project", "1"), Ref("tag", "x")]
    backend = get_backend()
    backend.hidden_among(actor, owners)  # warm
    with CaptureQueriesContext(connection) as queries, round_trips(follow_backend) as sent:
        hidden = backend.hidden_among(actor, owners)
    if follow_backend == "database":
        assert len(queries.captured_queries) == 1 and sent[0] == 0
    else:
        assert sent[0] == 1 and not queries.captured_queries
    expected = {Ref("user", str(u.pk)) for u in User.objects.filter(username__in=["o0", "o1", "o3"])}
    assert hidden == {ref for ref in expected if ref in owners}
    assert backend.hidden_among(actor, []) == set()


# -- Redis Cluster: the halves in every order ----------------------------------------------------

T0 = timezone.now() - timedelta(minutes=1)


def at(seconds: int) -> int:
    return to_micros(T0 + timedelta(seconds=seconds))


class Pair:
    """A fresh (fan, star) pair whose halves the test applies one by one."""

    counter = itertools.count()

    def __init__(self) -> None:
        n = next(self.counter)
        self.backend = get_backend()
        self.fan, self.star = Ref("user", f"hfan{n}"), Ref("project", f"hstar{n}")

    def halves(self, op: str, stamp: int) -> list:
        """The two script calls of ``op`` (follower's or blocker's half first)."""
        backend = self.backend
        if op == "follow":
            return backend.writes.follow(self.fan, self.star, stamp)
        if op == "unfollow":
            return backend.writes.unfollow(self.fan, self.star, stamp)
        if op == "block":
            return backend._block_calls(self.fan, self.star, stamp)
        raise AssertionError(op)

    def state(self) -> tuple[bool, bool]:
        followings = [e.ref for e in self.backend.fetch(FOLLOWINGS, self.fan)]
        followers = [e.ref for e in self.backend.fetch(FOLLOWERS, self.star)]
        return followings == [self.star], followers == [self.fan]


@pytest.mark.django_db
@pytest.mark.parametrize("follow_backend", [CLUSTER], indirect=True)
@pytest.mark.parametrize("follow_first", [True, False], ids=["follow-older", "follow-newer"])
def test_cluster_block_and_follow_halves_in_every_order(follow_first):
    """Whatever order the halves of a follow and of a block reach each node in: no edge."""
    runs = 0
    follow_at, block_at = (at(1), at(2)) if follow_first else (at(2), at(1))
    for side_orders in itertools.product(itertools.permutations(("follow", "block")), repeat=2):
        pair = Pair()
        calls = {"follow": pair.halves("follow", follow_at), "block": pair.halves("block", block_at)}
        for side, order in enumerate(side_orders):
            for op in order:
                pair.backend.link.run(calls[op][side])
        assert pair.state() == (False, False), side_orders
        assert pair.backend.is_blocked(pair.fan, pair.star)
        runs += 1
    assert runs == 4


@pytest.mark.django_db
@pytest.mark.parametrize("follow_backend", [CLUSTER], indirect=True)
def test_cluster_unfollow_block_follow_halves_in_every_order():
    """Three racing writes (follow, unfollow, block), every order on each node: no edge."""
    ops = ("follow", "unfollow", "block")
    runs = 0
    for side_orders in itertools.product(itertools.permutations(ops), repeat=2):
        pair = Pair()
        calls = {op: pair.halves(op, at(i + 1)) for i, op in enumerate(ops)}
        for side, order in enumerate(side_orders):
            for op in order:
                pair.backend.link.run(calls[op][side])
        assert pair.state() == (False, False), side_orders
        runs += 1
    assert runs == 36


@pytest.mark.django_db
@pytest.mark.parametrize("follow_backend", [CLUSTER], indirect=True)
def test_cluster_a_follow_older_than_an_unblock_is_refused_on_both_halves():
    """The follower's half meets the block, the followed's half arrives after the unblock."""
    pair = Pair()
    backend = pair.backend
    block_calls = pair.halves("block", at(1))
    backend.link.run_many(block_calls)
    follow_calls = pair.halves("follow", at(2))
    assert backend.link.run(follow_calls[0])["blocked"]
    backend.unblock(pair.fan, pair.star)  # dated now: later than the follow
    assert not backend.link.run(follow_calls[1])["applied"]
    assert pair.state() == (False, False)
    assert backend.add(pair.fan, pair.star, timezone.now()) is True  # a new follow goes through
    assert pair.state() == (True, True)


@pytest.mark.django_db
def test_the_audience_read_filters_in_the_chunk_read_itself(follow_backend, crowd):
    """iter_audience costs what iter_refs costs: one query or one round trip per chunk."""
    thoas, _ = crowd
    actor = registry.get_ref(thoas)
    backend = get_backend()
    fans = [Ref("user", f"fan{i:03}") for i in range(25)] + [Ref("project", f"p{i}") for i in range(5)]
    now = timezone.now()
    backend.add_many((fan, actor, now + timedelta(microseconds=i)) for i, fan in enumerate(fans))
    backend.mute(fans[3], actor, now)
    backend.mute(fans[27], actor, now)
    backend.block(fans[4], actor, now)  # removes the follow too
    backend.block(actor, fans[5], now)
    backend.add(fans[0], Ref("user", "someone"), now)  # other edges change nothing
    expected = [fan for i, fan in enumerate(fans) if i not in (3, 4, 5, 27)]
    list(backend.iter_audience(actor, chunk_size=10))  # warm: the script known to the server
    with CaptureQueriesContext(connection) as queries, round_trips(follow_backend) as sent:
        chunks = list(backend.iter_audience(actor, chunk_size=10))
    assert [ref for chunk in chunks for ref in chunk] == expected
    assert all(0 < len(chunk) <= 10 for chunk in chunks)
    reads = 3  # 29 followers (27 kept) read 10 at a time: the third read is short, the end
    if follow_backend == "database":
        # and one query first: does the actor have blocks or mutes at all (else no filter)
        assert len(queries.captured_queries) == 1 + reads and sent[0] == 0
    else:
        assert sent[0] == reads and not queries.captured_queries
    backend.remove_all(actor)
