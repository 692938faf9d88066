"""Follow edges in Redis sorted sets (key layout in :mod:`sequere.backends.redis.keys`)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ...conf import sequere_settings
from ...redis.clients import check_connection, import_redis
from ...redis.link import Link
from ...redis.scripts import ScriptCall
from ...refs import Edge, Ref
from ...registration import registry
from ...timeutils import from_micros, to_micros
from ..base import BaseBackend
from . import scripts
from .asynchronous import AsyncRedisMethods
from .bulk import SCAN_BATCH, WRITE_BATCH, BulkMethods
from .cluster import ClusterWrites, tombstone_lifetime
from .keys import (
    CODE,
    FOLLOWINGS_CODE,
    KeyBuilder,
)
from .relations import RedisRelations
from .requests import RequestMethods
from .single import MARKER_LIFETIME, SingleRedisWrites, new_operation_id

__all__ = ["CODE", "SCAN_BATCH", "WRITE_BATCH", "RedisBackend"]


class RedisBackend(BulkMethods, RequestMethods, RedisRelations, AsyncRedisMethods, BaseBackend):
    """Stores each edge twice, in the follower's followings and the followed's followers.

    Every list is split by the other side's identifier (one sorted set per type), so a filtered
    list or count reads one set and an unfiltered one merges a few inside one Lua call. Friends
    sets are kept by the same scripts that write the edges, each on its own resource's slot, so
    they stay right whatever order two opposite follows arrive in.

    Writes go through :attr:`writes`: on a single Redis :class:`~.single.SingleRedisWrites` (one
    script over both halves, one round trip, atomic), on Redis Cluster
    :class:`~.cluster.ClusterWrites` (one last-writer-wins script per half, both in one
    pipeline). The client, its errors and the scripts come from the one Redis layer,
    :mod:`sequere.redis`. The async twins are native ``redis.asyncio`` calls sending the same
    scripts (:mod:`.asynchronous`).
    """

    def __init__(self) -> None:
        self._keys: KeyBuilder | None = None
        self._link: Link | None = None
        self._writes: SingleRedisWrites | ClusterWrites | None = None

    @classmethod
    def check(cls) -> list[checks.CheckMessage]:
        """sequere.E002 without redis-py, E004 a bad prefix, E005 a bad tombstone lifetime. No I/O."""
        errors: list[checks.CheckMessage] = []
        try:
            import_redis()
        except ImproperlyConfigured as exc:
            errors.append(
                checks.Error(
                    f"SEQUERE_BACKEND_CLASS is the Redis backend, but {exc}",
                    hint="pip install 'django-sequere[redis]'",
                    id="sequere.E002",
                )
            )
        for check_id, setting, read in (
            ("sequere.E004", "REDIS_PREFIX", lambda: KeyBuilder(sequere_settings.REDIS_PREFIX)),
            ("sequere.E005", "REDIS_TOMBSTONE_LIFETIME", tombstone_lifetime),
            ("sequere.E006", "REDIS_CONNECTION", lambda: check_connection("follow")),
        ):
            try:
                read()
            except ImproperlyConfigured as exc:
                errors.append(checks.Error(str(exc), hint=f"Fix SEQUERE_{setting}.", id=check_id))
        return errors

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def keys(self) -> KeyBuilder:
        """The key builder for ``SEQUERE_REDIS_PREFIX`` (built on first use)."""
        if self._keys is None:
            self._keys = KeyBuilder(sequere_settings.REDIS_PREFIX)
        return self._keys

    @property
    def link(self) -> Link:
        """The ``"follow"`` group's :class:`~sequere.redis.link.Link` (client built on first use)."""
        if self._link is None:
            self._link = Link("follow")
        return self._link

    @property
    def client(self) -> Any:
        """The configured client (``SEQUERE_REDIS_CONNECTION``, ``SEQUERE_REDIS_CONNECTION_CLASS``)."""
        return self.link.client

    @property
    def writes(self) -> SingleRedisWrites | ClusterWrites:
        """The write protocol for the configured Redis: single or cluster."""
        if self._writes is None:
            layout = ClusterWrites if self.link.cluster else SingleRedisWrites
            self._writes = layout(self.keys)
        return self._writes

    @staticmethod
    def _identifiers(identifier: str | None) -> list[str]:
        if identifier is not None:
            return [identifier]
        return sorted(registry.get(model).identifier for model in registry.models)

    def _write(self, operation: str, from_ref: Ref, to_ref: Ref, calls: list[ScriptCall], token: str) -> bool:
        edge = f"{from_ref.identifier}:{from_ref.object_id} -> {to_ref.identifier}:{to_ref.object_id}"
        results = self.link.write(
            calls,
            f"this {operation} ({edge})",
            operation=operation,
            follower=from_ref,
            followed=to_ref,
            token=token,
        )
        outcome = self.writes.outcome(results)
        if outcome.blocked and not outcome.reported:
            self.refuse_blocked(from_ref, to_ref)
        return outcome.reported

    # -- the contract --------------------------------------------------------------------------
    def add(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """One script (one per half on a cluster); ``ZADD NX`` keeps the first date when it exists.

        On Redis Cluster a follow dated at or before the edge's last unfollow is refused (False).
        An edge found at exactly ``created_at`` is this call's own write, resent after a lost
        reply: True. A reply lost twice raises
        :class:`~sequere.exceptions.OutcomeUnknownException` (see :meth:`.Link.write`).
        """
        stamp = to_micros(created_at)
        return self._write(
            "follow", from_ref, to_ref, self.writes.follow(from_ref, to_ref, stamp), str(stamp)
        )

    def remove(self, from_ref: Ref, to_ref: Ref, removed_at: datetime | None = None) -> bool:
        """One script (one per half on a cluster) removing both halves and the friendship.

        On Redis Cluster the unfollow is ordered against follows of the same edge by its time,
        ``removed_at`` (default: now): it removes no follow dated after it, and a follow dated at
        or before it that arrives later is refused. A single Redis ignores ``removed_at``.
        The call carries an operation id, so a resend after a lost reply reports what the first
        try did; a reply lost twice raises :class:`~sequere.exceptions.OutcomeUnknownException`.
        """
        stamp = None if removed_at is None else to_micros(removed_at)
        op = new_operation_id()
        calls = self.writes.unfollow(from_ref, to_ref, stamp, op)
        sent_at = to_micros(timezone.now())
        return self._write("unfollow", from_ref, to_ref, calls, f"{op}@{sent_at}")

    def made(self, operation: str, from_ref: Ref, to_ref: Ref, token: str) -> bool:
        """Whether the write ``token`` names was made.

        A follow: the edge is there, dated ``token``. An unfollow: the follower's outcome marker
        holds its operation id; once the marker's lifetime (:data:`.single.MARKER_LIFETIME`)
        since the call is over, whether the edge is gone (the timeline then agrees with the
        follows, though a signal may be sent for an unfollow that found nothing to remove).
        """
        link = self.link
        with link.errors:
            if operation == "follow":
                key = self.keys.key(from_ref, FOLLOWINGS_CODE, to_ref.identifier)
                score = link.client.zscore(key, to_ref.object_id)
                return score is not None and int(score) == int(token)
            marker = link.client.get(self.keys.marker(from_ref, FOLLOWINGS_CODE, to_ref))
        op, _, sent_at = token.partition("@")
        if marker == op:
            return True
        expired = to_micros(timezone.now()) - int(sent_at or 0) > MARKER_LIFETIME * 1_000_000
        return expired and not self.exists(from_ref, to_ref)

    def exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``ZSCORE`` on the follower's followings."""
        link = self.link
        key = self.keys.key(from_ref, FOLLOWINGS_CODE, to_ref.identifier)
        with link.errors:
            return link.client.zscore(key, to_ref.object_id) is not None

    def fetch(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        """One ``EVALSHA`` of ``fetch.lua`` over the ref's sets of ``kind`` (one per type)."""
        identifiers, call = self._fetch_call(kind, ref, identifier, desc, offset, limit)
        return self._edges(identifiers, self.link.run(call))

    def _fetch_call(
        self, kind: str, ref: Ref, identifier: str | None, desc: bool, offset: int, limit: int | None
    ) -> tuple[list[str], ScriptCall]:
        identifiers = self._identifiers(identifier)
        keys = {"sets": self.keys.keys(ref, CODE[kind], identifiers)}
        args = {"desc": "1" if desc else "0", "offset": offset, "limit": -1 if limit is None else limit}
        return identifiers, ScriptCall(scripts.FETCH, keys, args)

    @staticmethod
    def _edges(identifiers: list[str], rows: list) -> list[Edge]:
        return [Edge(Ref(identifiers[row.set - 1], row.member), from_micros(row.score)) for row in rows]

    def fetch_keyset(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """One ``EVALSHA`` of ``seek.lua``; keys are ``(score, identifier, pk)``.

        The script enters each set by rank next to the cursor, so a page 100,000 edges deep
        costs one round trip, as the first page does (one slot: every set of ``ref`` shares its
        hash tag).
        """
        identifiers, call = self._seek_call(kind, ref, identifier, desc, after, before, limit)
        return self._keyed(identifiers, self.link.run(call), before)

    def _seek_call(
        self,
        kind: str,
        ref: Ref,
        identifier: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
    ) -> tuple[list[str], ScriptCall]:
        identifiers = self._identifiers(identifier)
        key = after if after is not None else before
        up = (after is not None) != desc if key is not None else not desc
        cursor = {"cursor_score": "", "cursor_set": 0, "cursor_member": ""}
        if key is not None:
            score, other, member = key
            position = bisect.bisect_left(identifiers, other)
            exact = position < len(identifiers) and identifiers[position] == other
            cursor = {
                "cursor_score": int(score),
                # an identifier no longer listed sorts between its neighbours
                "cursor_set": position + 1 if exact else position + 0.5,
                "cursor_member": member,
            }
        keys = {"sets": self.keys.keys(ref, CODE[kind], identifiers)}
        args = {"up": "1" if up else "0", "limit": limit, **cursor}
        return identifiers, ScriptCall(scripts.SEEK, keys, args)

    @staticmethod
    def _keyed(identifiers: list[str], rows: list, before: tuple | None) -> list[tuple[tuple, Edge]]:
        out = []
        for row in rows:
            other = identifiers[row.set - 1]
            score = int(float(row.score))
            out.append(((score, other, row.member), Edge(Ref(other, row.member), from_micros(score))))
        if before is not None:
            out.reverse()
        return out

    def is_key(self, key: tuple) -> bool:
        """``(score, identifier, pk)``: an integer and two strings."""
        return len(key) == 3 and type(key[0]) is int and isinstance(key[1], str) and isinstance(key[2], str)

    def count(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """``ZCARD`` of the set (one call; a script summing the per-type sets when unfiltered)."""
        link = self.link
        if identifier is not None:
            with link.errors:
                return link.client.zcard(self.keys.key(ref, CODE[kind], identifier))
        keys = {"sets": self.keys.keys(ref, CODE[kind], self._identifiers(None))}
        return link.run(ScriptCall(scripts.COUNT, keys, {}))["total"]

    def iter_refs(self, kind: str, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """Keyset pages through ``chunk.lua``: one round trip per chunk, stable under writes."""
        identifiers = self._identifiers(None)
        keys = {"sets": self.keys.keys(ref, CODE[kind], identifiers)}
        cursor = {"cursor_score": "", "cursor_set": 0, "cursor_member": ""}
        while True:
            reply = self.link.run(ScriptCall(scripts.CHUNK, keys, {"limit": chunk_size, **cursor}))
            members = reply["members"]
            if not members:
                return
            chunk = []
            for entry in members:
                position, _, member = entry.partition(":")
                chunk.append(Ref(identifiers[int(position) - 1], member))
            yield chunk
            if len(members) < chunk_size:
                return
            score, position, member = reply["cursor"]
            cursor = {"cursor_score": score, "cursor_set": position, "cursor_member": member}
