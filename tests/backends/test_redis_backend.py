"""Behaviour of the Redis follow backend beyond the shared contract: round trips, atomic halves,
friends under every interleaving, ordering across types, cursors, pruning, bulk paths, audit."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.crc import key_slot

from sequere.backends import FOLLOWERS, FOLLOWINGS, FRIENDS, get_backend
from sequere.backends.redis.cluster import ClusterWrites
from sequere.models import follow, get_followers, unfollow
from sequere.refs import Ref
from sequere.timeutils import to_micros
from tests.backends.redis_helpers import round_trips
from tests.testapp.models import Project, User

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=dt_timezone.utc)
A, B, C = Ref("user", "a"), Ref("user", "b"), Ref("project", "c")


@pytest.fixture(autouse=True)
def tombstones_outlive_the_test_dates(settings):
    """The tests date their calls in 2024: keep their tombstones from counting as expired."""
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = timedelta(days=365 * 100)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def nodes_for(backend, *refs) -> int:
    """How many servers the keys of ``refs`` live on (1 on a single Redis)."""
    client = backend.client
    if not backend.link.cluster:
        return 1
    slots = {key_slot(backend.keys.tag(ref).encode()) for ref in refs}
    return len({client.nodes_manager.get_node_from_slot(slot).name for slot in slots})


def test_building_the_backend_does_no_io(settings):
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_CONNECTION = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.SEQUERE_REDIS_CONNECTION_CLASS = "tests.backends.redis_helpers.CountingRedis"
    with round_trips() as sent:
        backend = get_backend()
        backend.keys  # noqa: B018 - reading the settings opens nothing either
    assert sent[0] == 0


def test_round_trips_per_operation(redis_backend):
    backend = redis_backend
    backend.add(A, B, at(0))  # warm: scripts cached on both nodes, cluster slots known
    backend.remove(A, B, removed_at=at(0))  # dated: on a cluster a later follow must be later
    for ref in (A, B):
        backend.fetch(FOLLOWERS, ref)
        backend.count(FOLLOWERS, ref)
    hops = nodes_for(backend, A, B)
    assert hops <= 2
    with round_trips() as sent:
        assert backend.add(A, B, at(1)) is True
    assert sent[0] == hops
    with round_trips() as sent:
        assert backend.add(A, B, at(2)) is False
    assert sent[0] == hops
    for call, expected in [
        (lambda: backend.exists(A, B), True),
        (lambda: backend.count(FOLLOWERS, B), 1),
        (lambda: backend.count(FOLLOWERS, B, identifier="user"), 1),
        (lambda: [e.ref for e in backend.fetch(FOLLOWERS, B)], [A]),
        (lambda: [e.ref for e in backend.fetch(FOLLOWINGS, A, identifier="user", limit=5)], [B]),
    ]:
        with round_trips() as sent:
            assert call() == expected
        assert sent[0] == 1
    with round_trips() as sent:
        assert backend.remove(A, B) is True
    assert sent[0] == hops
    with round_trips() as sent:
        assert backend.remove(A, B) is False
    assert sent[0] == hops


def test_unknown_script_falls_back_to_eval_once(single_redis_backend):
    backend = single_redis_backend
    backend.add(A, B, at(0))
    backend.client.script_flush()
    with round_trips() as sent:
        assert backend.add(B, A, at(1)) is True
    assert sent[0] == 2  # EVALSHA answered NOSCRIPT, then EVAL (which caches it)
    with round_trips() as sent:
        assert backend.remove(B, A) is True
    assert sent[0] == 2  # the unfollow script was unknown too
    with round_trips() as sent:
        assert backend.add(B, A, at(2)) is True
    assert sent[0] == 1


def test_pipelined_calls_fall_back_to_eval(redis_backend):
    backend = redis_backend
    backend.add(A, B, at(0))
    backend.client.script_flush()
    assert backend.add_many([(B, A, at(1)), (C, A, at(2))]) == 2
    assert backend.count(FRIENDS, A) == 1


@pytest.mark.parametrize("size", [20, 200])
def test_followers_page_is_one_round_trip_and_one_query_per_type(redis_backend, size):
    target = User.objects.create(username="target")
    people = User.objects.bulk_create([User(username=f"u{i}") for i in range(size)])
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(size)])
    for user, project in zip(people, projects, strict=True):
        follow(user, target)
        follow(project, target)
    get_followers(target)[:1]  # warm
    with round_trips() as sent, CaptureQueriesContext(connection) as queries:
        page = get_followers(target)[:size]
    assert len(page) == size
    assert sent[0] == 1
    assert len(queries) == len({type(obj) for obj, _ in page}) == 2


def _apply(backend, op, from_ref, to_ref, side, score=None):
    """Run one half of a follow or unfollow alone, as a cluster node does (0: the follower's half);
    ``score`` is the follow's date or the unfollow's time (default now). Returns 1 if it applied.

    The half scripts are the cluster's (:mod:`sequere.backends.redis.cluster`); on a single Redis
    they stand for a write that only half happened.
    """
    stamp = score if score is not None else to_micros(timezone.now())
    call = ClusterWrites(backend.keys).half(op == "add", from_ref, to_ref, side, stamp)
    return backend.link.run(call)["applied"]


def test_friends_are_right_in_every_interleaving_of_two_opposite_follows(redis_backend):
    """On a cluster each half of a follow runs on its own node, in any order: try them all."""
    backend = redis_backend
    steps = [("add", A, B, 0, 10), ("add", A, B, 1, 10), ("add", B, A, 0, 20), ("add", B, A, 1, 20)]
    for n, order in enumerate(itertools.permutations(steps)):
        base = 100 * n  # each round later than the last one's unfollows (ordered on a cluster)
        for op, from_ref, to_ref, side, seconds in order:
            _apply(backend, op, from_ref, to_ref, side, to_micros(at(base + seconds)))
        for ref, other in ((A, B), (B, A)):
            [edge] = backend.fetch(FRIENDS, ref)
            assert edge.ref == other and edge.created_at == at(base + 20)
        backend.remove(A, B, removed_at=at(base + 50))
        assert backend.count(FRIENDS, A) == backend.count(FRIENDS, B) == 0
        backend.remove(B, A, removed_at=at(base + 50))


def test_unfollow_racing_a_follow_leaves_no_stale_friend(redis_backend):
    backend = redis_backend
    backend.add(A, B, at(0))
    steps = [("add", B, A, 0), ("add", B, A, 1), ("remove", A, B, 0), ("remove", A, B, 1)]
    for n, order in enumerate(itertools.permutations(steps)):
        base = 100 * n  # each round later than the last one's unfollows (ordered on a cluster)
        backend.add(A, B, at(base))
        for op, from_ref, to_ref, side in order:
            _apply(backend, op, from_ref, to_ref, side, to_micros(at(base + (5 if op == "add" else 6))))
        assert backend.count(FRIENDS, A) == backend.count(FRIENDS, B) == 0
        assert backend.exists(B, A) and not backend.exists(A, B)
        backend.remove(B, A, removed_at=at(base + 50))


def test_retried_writes_change_nothing(redis_backend):
    backend = redis_backend
    assert backend.add(A, B, at(1)) is True
    assert backend.add(A, B, at(9)) is False
    assert _apply(backend, "add", A, B, 0, to_micros(at(9))) == 0
    assert _apply(backend, "add", A, B, 1, to_micros(at(9))) == 0
    assert [e.created_at for e in backend.fetch(FOLLOWERS, B)] == [at(1)]
    assert [e.created_at for e in backend.fetch(FOLLOWINGS, A)] == [at(1)]
    assert backend.count(FOLLOWERS, B) == backend.count(FOLLOWINGS, A) == 1
    assert backend.remove(A, B) is True
    assert _apply(backend, "remove", A, B, 1) == 0
    assert backend.count(FOLLOWERS, B) == 0


def test_a_retry_completes_a_half_written_follow(redis_backend):
    backend = redis_backend
    _apply(backend, "add", A, B, 0, to_micros(at(1)))  # the followed's node was lost
    assert backend.count(FOLLOWERS, B) == 0
    # the follower's half already holds the edge, so the retry reports no new change (a call
    # racing the first one must not report one either: tests/reliability/test_load.py)
    assert backend.add(A, B, at(2)) is False
    assert [e.ref for e in backend.fetch(FOLLOWERS, B)] == [A]


def test_lists_merge_types_by_date_then_ref(redis_backend):
    backend = redis_backend
    target = Ref("team", "t")
    dates = [0, 5, 5, 5, 1, 9, 3, 3, 7, 5]
    edges = []
    for i, seconds in enumerate(dates):
        edges.append((Ref("user" if i % 2 else "project", f"m{i % 3}{i}"), target, at(seconds)))
    assert backend.add_many(edges) == len(edges)
    expected = sorted((e[2], e[0].identifier, e[0].object_id) for e in edges)
    for desc in (False, True):
        want = list(reversed(expected)) if desc else expected
        for offset in range(len(edges) + 1):
            for limit in (None, 1, 3, 20):
                got = backend.fetch(FOLLOWERS, target, desc=desc, offset=offset, limit=limit)
                end = None if limit is None else offset + limit
                assert [(e.created_at, *e.ref) for e in got] == want[offset:end]
    assert backend.count(FOLLOWERS, target) == 10
    assert backend.count(FOLLOWERS, target, identifier="user") == 5


def test_iter_refs_walks_oldest_first_in_chunks(redis_backend):
    backend = redis_backend
    target = Ref("user", "target")
    # 250 followers of two types, many sharing a date (as a bulk import would)
    edges = [(Ref("user" if i % 3 else "project", f"{i:04d}"), target, at(i // 7)) for i in range(250)]
    backend.add_many(edges)
    expected = [ref for ref, _, _ in sorted(edges, key=lambda e: (e[2], e[0].identifier, e[0].object_id))]
    next(backend.iter_refs(FOLLOWERS, target))  # the script is cached from here on
    with round_trips() as sent:
        chunks = list(backend.iter_refs(FOLLOWERS, target, chunk_size=100))
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert [ref for chunk in chunks for ref in chunk] == expected
    assert sent[0] == 3


def test_iter_refs_cursor_survives_removals(redis_backend):
    backend = redis_backend
    target = Ref("user", "target")
    edges = [(Ref("user", f"{i:03d}"), target, at(i // 10)) for i in range(100)]
    backend.add_many(edges)
    seen = []
    for chunk in backend.iter_refs(FOLLOWERS, target, chunk_size=15):
        seen.extend(chunk)
        backend.remove(chunk[-1], target)  # the cursor's own member disappears
        backend.remove(chunk[0], target)
    assert seen == [ref for ref, _, _ in edges]


def test_remove_all_unlinks_both_directions(redis_backend):
    backend = redis_backend
    backend.add_many([(A, B, at(1)), (B, A, at(2)), (C, A, at(3)), (A, C, at(4)), (B, C, at(5))])
    assert backend.remove_all(A) == 4
    assert backend.count(FOLLOWINGS, B) == 1 and backend.count(FOLLOWERS, B) == 0
    assert backend.count(FRIENDS, B) == backend.count(FRIENDS, C) == 0
    assert backend.count(FOLLOWERS, C) == 1
    client = backend.client
    assert list(client.scan_iter(match=backend.keys.tag(A).replace("{", "\\{") + "*")) == []
    assert backend.remove_all(A) == 0


def test_rows_gone_for_long_are_pruned_from_redis(redis_backend):
    target = User.objects.create(username="target")
    ghost = User.objects.create(username="ghost")
    alive = User.objects.create(username="alive")
    backend = redis_backend
    backend.add(Ref("user", str(ghost.pk)), Ref("user", str(target.pk)), timezone.now() - timedelta(hours=1))
    follow(alive, target)
    User.objects.filter(pk=ghost.pk)._raw_delete(using="default")
    assert [u for u, _ in get_followers(target)] == [alive]
    assert backend.count(FOLLOWERS, Ref("user", str(target.pk))) == 1
    unfollow(alive, target)


def test_iter_edges_and_total_edges(redis_backend):
    backend = redis_backend
    edges = {(Ref("user", str(i)), Ref("project", str(i % 17)), at(i)) for i in range(1200)}
    assert backend.add_many(sorted(edges)) == 1200
    assert backend.add_many(sorted(edges)) == 0
    chunks = list(backend.iter_edges(chunk_size=500))
    assert [len(c) for c in chunks] == [500, 500, 200]
    assert {edge for chunk in chunks for edge in chunk} == edges
    assert backend.total_edges() == 1200


def test_audit_finds_and_repairs_drift(redis_backend):
    backend = redis_backend
    D = Ref("team", "d")
    backend.add_many([(A, B, at(1)), (B, A, at(2)), (C, A, at(3)), (A, D, at(4))])
    assert backend.audit() == {"checked": 4, "problems": [], "fixed": 0}
    client, keys = backend.client, backend.keys
    client.zrem(keys.key(A, "i", "project"), "c")  # half edge c -> a
    client.zadd(keys.key(D, "i", "user"), {"a": to_micros(at(8))})  # dates differ for a -> d
    client.zrem(keys.key(B, "m", "user"), "a")  # a friend lost
    E = Ref("team", "e")
    _apply(backend, "add", E, D, 1, to_micros(at(5)))  # only the followed's half of e -> d
    report = backend.audit()
    assert report["fixed"] == 0 and len(report["problems"]) == 4, report
    assert any("half edge: project:c -> user:a" in p for p in report["problems"])
    assert any(
        "half edge: team:e -> team:d is missing from team:e's followings" in p for p in report["problems"]
    )
    assert any("dates differ: user:a -> team:d" in p for p in report["problems"])
    assert any("friends of user:b" in p for p in report["problems"])
    fixed = backend.audit(fix=True)
    assert fixed["fixed"] == 4
    assert backend.audit() == {"checked": 4, "problems": [], "fixed": 0}
    assert not backend.exists(E, D) and backend.count(FOLLOWERS, D, identifier="team") == 0
    assert [e.ref for e in backend.fetch(FRIENDS, B)] == [A]
    assert backend.count(FOLLOWERS, A) == 2
    assert [e.created_at for e in backend.fetch(FOLLOWERS, D)] == [at(4)]


def test_audit_settles_halves_left_apart_by_a_lost_node(redis_backend):
    """The follower's half decides: the followed's leftover half goes, however long the list.

    Racing calls no longer leave the halves of a cluster apart (tests/reliability/
    test_cluster_halves.py); a node lost in the middle of an unfollow still can.
    """
    backend = redis_backend
    star = Ref("project", "star")
    fans = [Ref("user", f"fan{i}") for i in range(620)]  # more than one audit batch
    backend.add_many([(fan, star, at(1)) for fan in fans])
    for fan in fans:  # the unfollow's first half lands, the followed's node is lost
        _apply(backend, "remove", fan, star, 0, to_micros(at(1.5)))
    assert backend.add(fans[0], star, at(2)) is True  # one real edge that must survive
    assert backend.count(FOLLOWERS, star) == 620
    report = backend.audit(fix=True)
    # 619 leftover halves removed, and the surviving edge's followers half (kept at its first
    # date) takes the follower's date
    assert report["fixed"] == 620 and report["checked"] == 620
    assert [(e.ref, e.created_at) for e in backend.fetch(FOLLOWERS, star)] == [(fans[0], at(2))]
    assert backend.audit()["problems"] == []


def test_single_redis_writes_no_tombstones(single_redis_backend):
    """Tombstones are for Redis Cluster only: one script writes both halves on a single Redis."""
    backend = single_redis_backend
    assert backend.add(A, B, at(1)) is True
    assert backend.add(B, A, at(2)) is True
    assert backend.remove(A, B) is True
    assert backend.add(A, B, at(3)) is True  # no ordering by time here: an older date still applies
    assert backend.remove(A, B, removed_at=at(0)) is True
    assert backend.add_many([(C, A, at(5)), (A, C, at(6))]) == 2
    assert backend.remove(C, A) is True
    assert backend.remove_all(C) == 1
    client, keys = backend.client, backend.keys
    assert list(client.scan_iter(match=keys.pattern("ti"))) == []
    assert list(client.scan_iter(match=keys.pattern("to"))) == []
    assert list(client.scan_iter(match=keys.pattern("o"))) != []  # the scan sees this store's keys


def test_audit_repairs_blocks_and_mutes(redis_backend):
    from sequere.backends.redis.keys import BLOCKED_BY_CODE, FOLLOWINGS_CODE, MUTES_CODE

    backend, now = redis_backend, at(0)
    a, b, c = Ref("user", "ra"), Ref("user", "rb"), Ref("project", "rc")
    backend.block(a, b, now)
    backend.mute(a, c, now)
    assert backend.audit()["problems"] == []
    client, keys = backend.client, backend.keys
    client.zrem(keys.key(b, BLOCKED_BY_CODE, "user"), "ra")  # one side of the block lost
    client.zadd(keys.key(c, BLOCKED_BY_CODE, "user"), {"rb": 1})  # a stray "rb blocks rc"
    client.zrem(keys.key(a, MUTES_CODE, "project"), "rc")  # the muter's side lost: a stray too
    client.zadd(keys.key(a, FOLLOWINGS_CODE, "user"), {"rb": 1})  # a follow (half) across the block
    problems = backend.audit()["problems"]
    assert len(problems) == 5, problems  # the four, and the follow's missing half
    assert any("follow across a block" in problem for problem in problems)
    assert backend.audit(fix=True)["fixed"] == 5
    assert backend.audit()["problems"] == []
    assert backend.is_blocked(a, b) and not backend.is_muted(a, c)
    assert backend.hidden_among(b, [a]) == {a}
    assert not backend.exists(a, b)
    for ref in (a, b, c):
        backend.remove_all(ref)
