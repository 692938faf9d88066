"""Redis Cluster: the two halves of an edge converge whatever order racing calls reach them in.

On a cluster the follower's half and the followed's half of an edge are written by two scripts on
two nodes, with no ordering between concurrent callers. Each half is a last-writer-wins register
per edge ordered by the operation's time (``lua/follow_half.lua``), so both halves must end in the
same state for every arrival order. These tests apply the halves one by one, in every order on
each node independently, and compare both halves with the model: the edge exists iff its latest
follow is strictly later than its latest unfollow (an unfollow wins a tie).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from sequere.backends import FOLLOWERS, FOLLOWINGS, FRIENDS, get_backend
from sequere.backends.redis import scripts
from sequere.refs import Ref
from sequere.timeutils import to_micros

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.parametrize("follow_backend", ["redis_cluster"], indirect=True),
]

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
FOLLOWER_HALF, FOLLOWED_HALF = 0, 1


@pytest.fixture(autouse=True)
def tombstones_outlive_the_test_dates(settings):
    """The tests date their calls in 2024: keep their tombstones from counting as expired."""
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = timedelta(days=365 * 100)


def at(seconds: int) -> int:
    return to_micros(T0 + timedelta(seconds=seconds))


class Pair:
    """A fresh follower/followed pair (new keys, no tombstones) for one arrival order."""

    counter = itertools.count()

    def __init__(self, backend) -> None:
        n = next(self.counter)
        self.backend = backend
        self.fan, self.star = Ref("user", f"fan{n}"), Ref("project", f"star{n}")

    def apply(self, op: str, stamp: int, side: int) -> int:
        call = self.backend.writes.half(op == "add", self.fan, self.star, side, stamp)
        return self.backend.link.run(call)["applied"]

    def state(self) -> tuple[dict, dict, bool]:
        """(followings of fan, followers of star) as {ref: micros}, and whether they are friends."""
        backend = self.backend
        followings = {e.ref: to_micros(e.created_at) for e in backend.fetch(FOLLOWINGS, self.fan)}
        followers = {e.ref: to_micros(e.created_at) for e in backend.fetch(FOLLOWERS, self.star)}
        friends_fan = [e.ref for e in backend.fetch(FRIENDS, self.fan)]
        friends_star = [e.ref for e in backend.fetch(FRIENDS, self.star)]
        assert (friends_fan == [self.star]) == (friends_star == [self.fan]), "friends sets disagree"
        return followings, followers, friends_fan == [self.star]

    def cleanup(self) -> None:
        self.backend.remove_all(self.star)
        self.backend.remove_all(self.fan)


def expected_presence(ops: list[tuple[str, int]], initial: int | None) -> bool:
    """The register's value: the latest follow strictly later than the latest unfollow."""
    follows = [t for op, t in ops if op == "add"] + ([initial] if initial is not None else [])
    unfollows = [t for op, t in ops if op == "remove"]
    return bool(follows) and max(follows) > max(unfollows, default=float("-inf"))


def run_every_order(ops: list[tuple[str, int]], initial: int | None, mutual: bool) -> int:
    """Apply ``ops``' halves in every order on each node; check both halves agree. Returns runs."""
    backend = get_backend()
    assert backend.link.cluster
    runs = 0
    for first in itertools.permutations(ops):
        for second in itertools.permutations(ops):
            pair = Pair(backend)
            try:
                if initial is not None:
                    backend.add(pair.fan, pair.star, T0 + timedelta(microseconds=initial - at(0)))
                if mutual:
                    backend.add(pair.star, pair.fan, T0)
                applied = [pair.apply(op, stamp, FOLLOWER_HALF) for op, stamp in first]
                for op, stamp in second:
                    pair.apply(op, stamp, FOLLOWED_HALF)
                followings, followers, friends = pair.state()
                present = expected_presence(ops, initial)
                assert set(followings) == ({pair.star} if present else set()), (first, second)
                assert set(followers) == ({pair.fan} if present else set()), (first, second)
                assert backend.exists(pair.fan, pair.star) is present
                assert friends is (present and mutual)
                # the follower's half decides the results: its applied calls alternate follow and
                # unfollow from the initial state and end in the final one
                changes = [op for (op, _), done in zip(first, applied, strict=True) if done]
                state = initial is not None
                for op in changes:
                    assert (op == "add") is (not state), (first, changes)
                    state = not state
                assert state is present
                one_follow = len([op for op, _ in ops if op == "add"]) <= 1
                if present:
                    assert followings[pair.star] in [t for op, t in ops if op == "add"] + [initial]
                    if one_follow:
                        assert followers[pair.fan] == followings[pair.star], "dates differ"
                problems = backend.audit()["problems"]
                if not one_follow:  # two racing follows may date the halves apart (docs/redis.rst)
                    problems = [p for p in problems if not p.startswith("dates differ")]
                assert problems == []
                runs += 1
            finally:
                pair.cleanup()
    return runs


@pytest.mark.parametrize("unfollow_offset", [-1, 0, 1], ids=["unfollow-first", "tie", "follow-first"])
@pytest.mark.parametrize("mutual", [False, True], ids=["one-way", "mutual"])
def test_a_follow_racing_an_unfollow_converges_in_every_order(follow_backend, unfollow_offset, mutual):
    """A follow at T and an unfollow at T + offset, never followed before."""
    ops = [("add", at(10)), ("remove", at(10 + unfollow_offset))]
    assert run_every_order(ops, None, mutual) == 4


@pytest.mark.parametrize("unfollow_offset", [-1, 0, 1], ids=["unfollow-first", "tie", "follow-first"])
def test_a_refollow_racing_an_unfollow_converges_in_every_order(follow_backend, unfollow_offset):
    """The edge exists (followed at 0); an unfollow and a follow race (the replay of test_load)."""
    ops = [("remove", at(10)), ("add", at(10 - unfollow_offset))]
    assert run_every_order(ops, at(0), mutual=True) == 4


def test_two_follows_and_an_unfollow_agree_on_the_edge_in_every_order(follow_backend):
    """Two callers follow (at 1 and 3) while a third unfollows at 2: the follow at 3 is last."""
    ops = [("add", at(1)), ("add", at(3)), ("remove", at(2))]
    assert run_every_order(ops, None, mutual=False) == 36


def test_two_follows_after_an_unfollow_agree_on_the_edge_in_every_order(follow_backend):
    """An unfollow at 1 races follows at 2 and 3: the edge exists on both halves."""
    ops = [("add", at(2)), ("add", at(3)), ("remove", at(1))]
    assert run_every_order(ops, at(0), mutual=True) == 36


def test_the_replayed_load_interleaving_keeps_no_stale_follower(follow_backend):
    """The interleaving 8 processes x 2,000 calls produced before the halves were registers."""
    backend = get_backend()
    pair = Pair(backend)
    try:
        follow_at, unfollow_at = at(1), at(2)
        assert pair.apply("add", follow_at, FOLLOWER_HALF) == 1  # caller A follows: its first half lands
        assert pair.apply("remove", unfollow_at, FOLLOWER_HALF) == 1  # caller B unfollows: both halves
        pair.apply("remove", unfollow_at, FOLLOWED_HALF)
        pair.apply("add", follow_at, FOLLOWED_HALF)  # caller A's second half lands last: refused
        assert pair.state() == ({}, {}, False)
        assert not backend.exists(pair.fan, pair.star)
    finally:
        pair.cleanup()


def test_unfollow_time_orders_calls_made_through_the_backend(follow_backend):
    """``remove`` is stamped now (or ``removed_at``): an older follow arriving later is refused."""
    backend = get_backend()
    pair = Pair(backend)
    try:
        assert backend.add(pair.fan, pair.star, T0) is True
        assert backend.remove(pair.fan, pair.star, removed_at=T0 + timedelta(seconds=5)) is True
        assert backend.add(pair.fan, pair.star, T0 + timedelta(seconds=5)) is False  # a tie: refused
        assert backend.add(pair.fan, pair.star, T0 + timedelta(seconds=6)) is True
        assert backend.remove(pair.fan, pair.star) is True  # stamped now, later than any date above
        assert backend.add(pair.fan, pair.star, T0 + timedelta(seconds=7)) is False
        assert pair.state() == ({}, {}, False)
    finally:
        pair.cleanup()


def test_tombstones_stay_on_the_resources_slot_and_remove_all_drops_them(follow_backend):
    """One hash field per unfollowed member and side; remove_all deletes the resource's own."""
    backend = get_backend()
    pair = Pair(backend)
    client, keys = backend.client, backend.keys
    backend.add(pair.fan, pair.star, T0)
    backend.remove(pair.fan, pair.star)
    fan_tombs = keys.tombstones(pair.fan, "o", "project")
    star_tombs = keys.tombstones(pair.star, "i", "user")
    assert client.hlen(fan_tombs) == client.hlen(star_tombs) == 1
    assert client.hget(fan_tombs, pair.star.object_id) == client.hget(star_tombs, pair.fan.object_id)
    backend.add(pair.fan, pair.star, datetime.now(timezone.utc) + timedelta(seconds=1))
    assert client.exists(fan_tombs, star_tombs) == 0  # a follow that applies drops the tombstone
    pair.cleanup()
    assert client.exists(fan_tombs, star_tombs) == 0


def test_script_calls_stay_one_per_slot(follow_backend):
    """Still two script calls in one pipeline: the tombstones share each resource's hash tag."""
    backend = get_backend()
    pair = Pair(backend)
    assert backend.link.cluster
    calls = backend.writes.unfollow(pair.fan, pair.star)
    assert [call.script for call in calls] == [scripts.UNFOLLOW_HALF, scripts.UNFOLLOW_HALF]
    for call, ref in zip(calls, (pair.fan, pair.star), strict=True):
        assert {key.partition("}")[0] for key in call.keys} == {backend.keys.tag(ref).partition("}")[0]}
