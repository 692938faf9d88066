"""Consistency audit of the Redis follow store (``manage.py sequere_check`` calls it).

Each edge is stored twice (in the follower's followings and the followed's followers) and each
mutual pair once more per side (friends). On a single Redis one script writes all of it, so the
copies cannot disagree; on Redis Cluster the two halves live on two nodes and a node lost in the
middle of a write can leave one half alone. The audit finds and (with ``fix``) repairs, the
follower's half deciding as it does for the result of ``follow()`` and ``unfollow()``:

* a half edge in the follower's followings only: the followed's half is added, same date;
* a half edge in the followed's followers only: it is removed;
* two halves with different dates. Repair: the follower's date wins;
* a friends set that is not the intersection of the resource's followers and followings (with
  the later date of the two). Repair: ``ZINTERSTORE ... AGGREGATE MAX`` on the resource's slot;
* on Redis Cluster, tombstones older than ``SEQUERE_REDIS_TOMBSTONE_LIFETIME``
  (:mod:`sequere.backends.redis.cluster`). Repair: they are swept;
* blocks and mutes whose two sides disagree, and follows across a block
  (:mod:`sequere.backends.redis.audit_relations`).

Every repair of an edge's halves is one ``lua/mirror.lua`` call on the followed's slot, and on
a cluster also copies the follower's tombstone of that edge to the followed's half, so later
calls are decided alike on both.

The audit reads the store through the backend's public surface only (:class:`Store`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from ...redis.link import Link
from ...redis.scripts import ScriptCall
from ...refs import Ref
from . import scripts
from .cluster import ClusterWrites
from .keys import FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE, TOMBSTONE_CODES, KeyBuilder
from .single import SingleRedisWrites

#: Problems listed in full in the report; beyond it only their number is added.
MAX_LISTED = 1000
BATCH = 500
TWIN = {FOLLOWINGS_CODE: FOLLOWERS_CODE, FOLLOWERS_CODE: FOLLOWINGS_CODE}


class Store(Protocol):
    """What the audit needs of the Redis follow backend (:class:`~.backend.RedisBackend`)."""

    @property
    def link(self) -> Link: ...

    @property
    def keys(self) -> KeyBuilder: ...

    @property
    def writes(self) -> SingleRedisWrites | ClusterWrites: ...

    def scan_keys(self, code: str) -> Iterator[str]: ...


class Report:
    """Problems found and repairs made, as :meth:`BaseBackend.audit` returns them."""

    def __init__(self) -> None:
        self.checked = 0
        self.fixed = 0
        self.problems: list[str] = []
        self.unlisted = 0

    def problem(self, text: str) -> None:
        """Note one problem (listed up to :data:`MAX_LISTED`, counted beyond)."""
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)
        else:
            self.unlisted += 1

    def as_dict(self) -> dict[str, Any]:
        """``{"checked": ..., "problems": [...], "fixed": ...}``."""
        problems = list(self.problems)
        if self.unlisted:
            problems.append(f"... and {self.unlisted} more problems not listed")
        return {"checked": self.checked, "problems": problems, "fixed": self.fixed}


def label(ref: Ref) -> str:
    """``identifier:object_id``, as problems name a resource."""
    return f"{ref.identifier}:{ref.object_id}"


def mirror_call(keys: KeyBuilder, follower: Ref, followed: Ref, score: int | None) -> ScriptCall:
    """The repair setting the followed's half of the edge to ``score`` (None: absent)."""
    list_key = keys.key(followed, FOLLOWERS_CODE, follower.identifier)
    call_keys = {
        "list": list_key,
        "reverse": keys.key(followed, FOLLOWINGS_CODE, follower.identifier),
        "friends": keys.key(followed, FRIENDS_CODE, follower.identifier),
    }
    return ScriptCall(
        scripts.MIRROR, call_keys, {"score": "" if score is None else score, "member": follower.object_id}
    )


def check_halves(store: Store, code: str, fix: bool, report: Report) -> None:
    """Every entry of every ``code`` set has its twin entry, same date, on the other resource."""
    link, keys = store.link, store.keys
    twin = TWIN[code]
    for key in store.scan_keys(code):
        ref, _, identifier = keys.parse(key)
        start = 0
        while True:
            with link.errors:
                rows = link.client.zrange(key, start, start + BATCH - 1, withscores=True)
            if not rows:
                break
            pipe = link.pipeline()
            others = [Ref(identifier, member) for member, _ in rows]
            for other in others:
                pipe.pipe.zscore(keys.key(other, twin, ref.identifier), ref.object_id)
            twins = pipe.execute()
            repairs: list[ScriptCall] = []
            pairs: list[tuple[Ref, Ref]] = []
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
                        f"half edge: {label(follower)} -> {label(followed)} is missing from "
                        f"{label(other)}'s {where}"
                    )
                    if fix:
                        kept = int(score) if code == FOLLOWINGS_CODE else None
                        repairs.append(mirror_call(keys, follower, followed, kept))
                        pairs.append((follower, followed))
                        removed += kept is None
                elif code == FOLLOWINGS_CODE and int(twin_score) != int(score):
                    report.problem(
                        f"dates differ: {label(follower)} -> {label(followed)} is dated {int(score)} "
                        f"in the followings and {int(twin_score)} in the followers (microseconds)"
                    )
                    if fix:
                        repairs.append(mirror_call(keys, follower, followed, int(score)))
                        pairs.append((follower, followed))
            if repairs:
                link.run_many(repairs)
                report.fixed += len(repairs)
                store.writes.copy_tombstones(link, pairs)
            if len(rows) < BATCH:
                break
            start += BATCH - removed


def check_friends(store: Store, fix: bool, report: Report) -> None:
    """Every friends set equals followers ∩ followings of its resource and type (later date)."""
    link, keys = store.link, store.keys
    seen: set[tuple[Ref, str]] = set()
    for code in (FOLLOWINGS_CODE, FRIENDS_CODE):
        for key in store.scan_keys(code):
            ref, _, identifier = keys.parse(key)
            seen.add((ref, identifier))
    for ref, identifier in seen:
        out_key = keys.key(ref, FOLLOWINGS_CODE, identifier)
        in_key = keys.key(ref, FOLLOWERS_CODE, identifier)
        friends_key = keys.key(ref, FRIENDS_CODE, identifier)
        pipe = link.pipeline()
        pipe.pipe.zinter([out_key, in_key], aggregate="MAX", withscores=True)
        pipe.pipe.zrange(friends_key, 0, -1, withscores=True)
        expected, actual = pipe.execute()
        if dict(expected) != dict(actual):
            wrong = sorted(set(dict(expected).items()) ^ set(dict(actual).items()))
            report.problem(
                f"friends of {label(ref)} of type {identifier!r} are out of step "
                f"({len(wrong)} entries differ, e.g. {wrong[0][0]!r})"
            )
            if fix:
                with link.errors:
                    link.client.zinterstore(friends_key, [out_key, in_key], aggregate="MAX")
                report.fixed += 1


def check_tombstones(store: Store, fix: bool, report: Report) -> None:
    """Tombstones past their lifetime (Redis Cluster only): reported, and swept with ``fix``."""
    tombstone_keys = (key for code in TOMBSTONE_CODES for key in store.scan_keys(code))
    expired, swept = store.writes.sweep(store.link, tombstone_keys, fix=fix)
    if expired:
        report.problem(
            f"{expired} tombstones are older than SEQUERE_REDIS_TOMBSTONE_LIFETIME; "
            "sequere_check --fix sweeps them"
        )
        report.fixed += int(swept > 0)


def audit_store(store: Store, *, fix: bool = False) -> dict[str, Any]:
    """``{"checked": edges examined, "problems": [text, ...], "fixed": repairs made}``."""
    report = Report()
    check_halves(store, FOLLOWINGS_CODE, fix, report)
    check_halves(store, FOLLOWERS_CODE, fix, report)
    check_friends(store, fix, report)
    check_tombstones(store, fix, report)
    from .audit_relations import check_relations  # it builds on this module

    check_relations(store, fix, report)
    return report.as_dict()
