"""The audit of blocks and mutes in the Redis follow store (part of ``sequere_check``).

Each block or mute is stored on both resources (``b``/``bb``, ``s``/``sb``, see :mod:`.keys`); on
Redis Cluster a node lost in the middle of a write can leave one side alone. The side of the one
who blocks or mutes decides, as the follower's half decides for edges:

* an entry in ``I:K``'s ``b`` (or ``s``) set missing from the other's ``bb`` (``sb``) set: it is
  added there, same date;
* an entry in a ``bb`` (``sb``) set that the other's ``b`` (``s``) set does not hold: removed;
* a follow, either way, between two resources one of which blocks the other: removed (both
  halves, through the unfollow scripts).
"""

from __future__ import annotations

from ...refs import Ref
from .audit import BATCH, Report, Store, label
from .keys import BLOCKED_BY_CODE, BLOCKS_CODE, FOLLOWINGS_CODE, MUTED_BY_CODE, MUTES_CODE

#: (the deciding side's code, the other side's code, what the relation is called)
PAIRS = ((BLOCKS_CODE, BLOCKED_BY_CODE, "block"), (MUTES_CODE, MUTED_BY_CODE, "mute"))


def _entries(store: Store, key: str):
    link, start = store.link, 0
    while True:
        with link.errors:
            rows = link.client.zrange(key, start, start + BATCH - 1, withscores=True)
        yield from rows
        if len(rows) < BATCH:
            return
        start += BATCH


def check_relations(store: Store, fix: bool, report: Report) -> None:
    """Both sides of every block and mute agree, and no follow crosses a block."""
    link, keys = store.link, store.keys
    for code, twin, name in PAIRS:
        for key in store.scan_keys(code):
            ref, _, identifier = keys.parse(key)
            for member, score in _entries(store, key):
                report.checked += 1
                other = Ref(identifier, member)
                twin_key = keys.key(other, twin, ref.identifier)
                with link.errors:
                    present = link.client.zscore(twin_key, ref.object_id) is not None
                if not present:
                    report.problem(
                        f"half {name}: {label(ref)} -> {label(other)} is missing on {label(other)}"
                    )
                    if fix:
                        with link.errors:
                            link.client.zadd(twin_key, {ref.object_id: int(score)})
                        report.fixed += 1
                if code == BLOCKS_CODE:
                    _check_no_follow(store, ref, other, fix, report)
        for key in store.scan_keys(twin):
            ref, _, identifier = keys.parse(key)
            for member, _ in _entries(store, key):
                other = Ref(identifier, member)
                with link.errors:
                    present = link.client.zscore(keys.key(other, code, ref.identifier), ref.object_id)
                if present is None:
                    report.problem(f"stray {name}: {label(other)} -> {label(ref)} is only on {label(ref)}")
                    if fix:
                        with link.errors:
                            link.client.zrem(key, member)
                        report.fixed += 1


def _check_no_follow(store: Store, a: Ref, b: Ref, fix: bool, report: Report) -> None:
    link, keys = store.link, store.keys
    for follower, followed in ((a, b), (b, a)):
        with link.errors:
            score = link.client.zscore(
                keys.key(follower, FOLLOWINGS_CODE, followed.identifier), followed.object_id
            )
        if score is None:
            continue
        report.problem(f"follow across a block: {label(follower)} -> {label(followed)}")
        if fix:
            link.run_many(store.writes.unfollow(follower, followed, op=""))
            report.fixed += 1
