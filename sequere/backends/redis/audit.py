"""Consistency audit of the Redis follow store (``manage.py sequere_check`` calls it).

Each edge is stored twice (in the follower's followings and the followed's followers) and each
mutual pair once more per side (friends). On a single Redis one script writes all of it, so the
copies cannot disagree; on Redis Cluster the two halves live on two nodes and a node lost in the
middle of a write, or a follow and an unfollow of one edge racing across the two nodes, can leave
one half alone. The audit finds and (with ``fix``) repairs, the follower's half deciding as it does
for the result of ``follow()`` and ``unfollow()``:

* a half edge in the follower's followings only: the followed's half is added, same date;
* a half edge in the followed's followers only: it is removed;
* two halves with different dates. Repair: the follower's date wins;
* a friends set that is not the intersection of the resource's followers and followings (with
  the later date of the two). Repair: ``ZINTERSTORE ... AGGREGATE MAX`` on the resource's slot.

On Redis Cluster each half also keeps tombstones (``lua/follow_half.lua``). Racing calls no longer
leave halves apart (both halves apply the same last-writer-wins rule), so what the audit finds
there comes from a node lost mid-write. Every repair of an edge's halves also copies the
follower's tombstone of that edge to the followed's half, so later calls are decided alike on both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...refs import Ref
from . import scripts
from .keys import FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE

if TYPE_CHECKING:
    from .backend import RedisBackend

#: Problems listed in full in the report; beyond it only their number is added.
MAX_LISTED = 1000
_BATCH = 500
_TWIN = {FOLLOWINGS_CODE: FOLLOWERS_CODE, FOLLOWERS_CODE: FOLLOWINGS_CODE}


class _Report:
    def __init__(self) -> None:
        self.checked = 0
        self.fixed = 0
        self.problems: list[str] = []
        self.unlisted = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)
        else:
            self.unlisted += 1

    def as_dict(self) -> dict:
        problems = list(self.problems)
        if self.unlisted:
            problems.append(f"... and {self.unlisted} more problems not listed")
        return {"checked": self.checked, "problems": problems, "fixed": self.fixed}


def _label(ref: Ref) -> str:
    return f"{ref.identifier}:{ref.object_id}"


def _check_halves(backend: RedisBackend, code: str, fix: bool, report: _Report) -> None:
    """Every entry of every ``code`` set has its twin entry on the other resource."""
    client, keys = backend.client, backend.keys
    twin = _TWIN[code]
    for key in backend._scan_keys(code):
        ref, _, identifier = keys.parse(key)
        start = 0
        while True:
            rows = client.zrange(key, start, start + _BATCH - 1, withscores=True)
            if not rows:
                break
            pipe = client.pipeline(transaction=False)
            others = [Ref(identifier, member) for member, _ in rows]
            for other in others:
                pipe.zscore(keys.key(other, twin, ref.identifier), ref.object_id)
            twins = pipe.execute()
            repairs: list[scripts.Call] = []
            repaired: list[tuple[Ref, Ref]] = []
            removed = 0  # entries of this set removed by the repairs: the next range starts earlier
            for other, (_, score), twin_score in zip(others, rows, twins, strict=True):
                follower, followed = (ref, other) if code == FOLLOWINGS_CODE else (other, ref)
                if code == FOLLOWINGS_CODE:
                    report.checked += 1
                if twin_score is None:
                    if code == FOLLOWERS_CODE:
                        report.checked += 1  # an edge only its followers half knows about
                    where = "followers" if twin == FOLLOWERS_CODE else "followings"
                    report.problem(
                        f"half edge: {_label(follower)} -> {_label(followed)} is missing from "
                        f"{_label(other)}'s {where}"
                    )
                    if fix and code == FOLLOWINGS_CODE:
                        side_keys, members = backend._side_calls("add", follower, followed)[1]
                        repairs.append((scripts.FOLLOW, side_keys, [str(int(score)), *members]))
                        repaired.append((follower, followed))
                    elif fix:
                        side_keys, members = backend._side_calls("remove", follower, followed)[1]
                        repairs.append((scripts.UNFOLLOW, side_keys, members))
                        repaired.append((follower, followed))
                        removed += 1
                elif code == FOLLOWINGS_CODE and int(twin_score) != int(score):
                    report.problem(
                        f"dates differ: {_label(follower)} -> {_label(followed)} is dated {int(score)} "
                        f"in the followings and {int(twin_score)} in the followers (microseconds)"
                    )
                    if fix:
                        client.zadd(keys.key(other, twin, ref.identifier), {ref.object_id: score}, xx=True)
                        repaired.append((follower, followed))
                        report.fixed += 1
            if repairs:
                scripts.run_many(client, repairs)
                report.fixed += len(repairs)
            if repaired and backend._cluster:
                _copy_tombstones(backend, repaired)
            if len(rows) < _BATCH:
                break
            start += _BATCH - removed


def _copy_tombstones(backend: RedisBackend, pairs: list[tuple[Ref, Ref]]) -> None:
    """Give each (follower, followed) edge's followed half the follower's tombstone (or none)."""
    client, keys = backend.client, backend.keys
    pipe = client.pipeline(transaction=False)
    for follower, followed in pairs:
        pipe.hget(keys.tombstones(follower, FOLLOWINGS_CODE, followed.identifier), followed.object_id)
    stamps = pipe.execute()
    pipe = client.pipeline(transaction=False)
    for (follower, followed), stamp in zip(pairs, stamps, strict=True):
        key = keys.tombstones(followed, FOLLOWERS_CODE, follower.identifier)
        if stamp is None:
            pipe.hdel(key, follower.object_id)
        else:
            pipe.hset(key, follower.object_id, stamp)
    pipe.execute()


def _check_friends(backend: RedisBackend, fix: bool, report: _Report) -> None:
    """Every friends set equals followers ∩ followings of its resource and type (later date)."""
    client, keys = backend.client, backend.keys
    seen: set[tuple[Ref, str]] = set()
    for code in (FOLLOWINGS_CODE, FRIENDS_CODE):
        for key in backend._scan_keys(code):
            ref, _, identifier = keys.parse(key)
            seen.add((ref, identifier))
    for ref, identifier in seen:
        out_key = keys.key(ref, FOLLOWINGS_CODE, identifier)
        in_key = keys.key(ref, FOLLOWERS_CODE, identifier)
        friends_key = keys.key(ref, FRIENDS_CODE, identifier)
        pipe = client.pipeline(transaction=False)
        pipe.zinter([out_key, in_key], aggregate="MAX", withscores=True)
        pipe.zrange(friends_key, 0, -1, withscores=True)
        expected, actual = pipe.execute()
        if dict(expected) != dict(actual):
            wrong = sorted(set(dict(expected).items()) ^ set(dict(actual).items()))
            report.problem(
                f"friends of {_label(ref)} of type {identifier!r} are out of step "
                f"({len(wrong)} entries differ, e.g. {wrong[0][0]!r})"
            )
            if fix:
                client.zinterstore(friends_key, [out_key, in_key], aggregate="MAX")
                report.fixed += 1


def audit(backend: RedisBackend, *, fix: bool = False) -> dict[str, Any]:
    """``{"checked": edges examined, "problems": [text, ...], "fixed": repairs made}``."""
    report = _Report()
    with backend._guard():
        _check_halves(backend, FOLLOWINGS_CODE, fix, report)
        _check_halves(backend, FOLLOWERS_CODE, fix, report)
        _check_friends(backend, fix, report)
    return report.as_dict()
