"""History past the cap and seen marks on the Redis timeline backend.

:meth:`HistoryMixin.fetch_public_keys` sends one ``seek.lua`` call per public timeline (the
cursor page primitive: a binary search for the key, then the next ``limit`` entries) in one
pipeline, one round trip per node on a cluster, and merges the replies in Python. Each call
returns at most ``limit`` entries, so a page reads at most ``limit`` entries per followed
account, whatever the depth.

Seen marks (``SEQUERE_TIMELINE_INACTIVE_AFTER``) are one string per owner, ``keys.seen``, under
the owner's hash tag; many owners are read or written in one pipeline (one round trip per node).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from ....refs import Ref
from ..records import PUBLIC


class HistoryMixin:
    """The history half of :class:`~.redis.RedisBackend` (which provides ``link`` and
    ``_seek_call``)."""

    link: Any
    keys: Any
    _seek_call: Any

    def touch(self, owners: Sequence[Ref], at: int) -> None:
        if not owners:
            return
        pipe = self.link.pipeline()
        for owner in owners:
            pipe.pipe.set(self.keys.seen(owner), int(at))
        pipe.execute()

    def get_seen(self, owners: Sequence[Ref]) -> dict[Ref, int]:
        if not owners:
            return {}
        pipe = self.link.pipeline()
        for owner in owners:
            pipe.pipe.get(self.keys.seen(owner))
        values = pipe.execute()
        return {owner: int(value) for owner, value in zip(owners, values, strict=True) if value is not None}

    def fetch_public_keys(
        self,
        owners: Sequence[Ref],
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, str]]:
        """One pipeline of ``seek.lua`` calls (one per owner; one round trip per node)."""
        if not owners or limit <= 0:
            return []
        calls = [self._seek_call(owner, PUBLIC, verb, target, desc, after, None, limit) for owner in owners]
        streams = [[((int(row.date), row.id), row.id) for row in rows] for rows in self.link.run_many(calls)]
        out: list[tuple[tuple, str]] = []
        seen: set[str] = set()
        for key, action_id in heapq.merge(*streams, reverse=desc):
            if action_id in seen:
                continue
            seen.add(action_id)
            out.append((key, action_id))
            if len(out) >= limit:
                break
        return out
