"""The Redis follow backend's async twins: the same scripts, sent through ``redis.asyncio``.

Each method builds the very :class:`~sequere.redis.scripts.ScriptCall` objects its sync twin
sends (the write protocol of :mod:`.single` or :mod:`.cluster`, the read scripts) and awaits them
on the ``"follow"`` group's :class:`~sequere.redis.alink.AsyncLink`: one round trip per follow or
unfollow on a single Redis, one per node on a cluster, the resend after a lost reply and the
error translation included. No thread is involved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from ...redis.alink import AsyncLink, get_async_link
from ...redis.scripts import ScriptCall
from ...refs import Edge, Ref
from ...timeutils import to_micros
from . import scripts
from .cluster import ClusterWrites
from .keys import CODE, FOLLOWINGS_CODE
from .single import SingleRedisWrites, new_operation_id

if TYPE_CHECKING:
    from .backend import RedisBackend


class AsyncRedisMethods:
    """``aadd``, ``aremove``, ``aexists``, ``acount``, ``afetch``, ``afetch_keyset`` of
    :class:`~sequere.backends.redis.RedisBackend`."""

    async def alink(self: RedisBackend) -> AsyncLink:
        """The ``"follow"`` group's :class:`~sequere.redis.alink.AsyncLink` for the running loop."""
        return await get_async_link("follow")

    def _writes_of(self: RedisBackend, link: AsyncLink) -> SingleRedisWrites | ClusterWrites:
        return (ClusterWrites if link.cluster else SingleRedisWrites)(self.keys)

    async def _awrite(
        self: RedisBackend,
        link: AsyncLink,
        operation: str,
        from_ref: Ref,
        to_ref: Ref,
        calls: list[ScriptCall],
        token: str,
    ) -> bool:
        edge = f"{from_ref.identifier}:{from_ref.object_id} -> {to_ref.identifier}:{to_ref.object_id}"
        results = await link.write(
            calls,
            f"this {operation} ({edge})",
            operation=operation,
            follower=from_ref,
            followed=to_ref,
            token=token,
        )
        outcome = self._writes_of(link).outcome(results)
        if outcome.blocked and not outcome.reported:
            await self.arefuse_blocked(link, from_ref, to_ref)
        return outcome.reported

    async def aadd(self: RedisBackend, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """:meth:`add <.RedisBackend.add>` on ``redis.asyncio``: one ``EVALSHA`` (per half on a cluster)."""
        link = await self.alink()
        stamp = to_micros(created_at)
        calls = self._writes_of(link).follow(from_ref, to_ref, stamp)
        return await self._awrite(link, "follow", from_ref, to_ref, calls, str(stamp))

    async def aremove(
        self: RedisBackend, from_ref: Ref, to_ref: Ref, removed_at: datetime | None = None
    ) -> bool:
        """:meth:`remove <.RedisBackend.remove>` on ``redis.asyncio``."""
        link = await self.alink()
        stamp = None if removed_at is None else to_micros(removed_at)
        op = new_operation_id()
        calls = self._writes_of(link).unfollow(from_ref, to_ref, stamp, op)
        sent_at = to_micros(timezone.now())
        return await self._awrite(link, "unfollow", from_ref, to_ref, calls, f"{op}@{sent_at}")

    async def aexists(self: RedisBackend, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``ZSCORE``, awaited."""
        link = await self.alink()
        key = self.keys.key(from_ref, FOLLOWINGS_CODE, to_ref.identifier)
        with link.errors:
            return await link.client.zscore(key, to_ref.object_id) is not None

    async def acount(self: RedisBackend, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """``ZCARD`` (or the count script over every type's set), awaited."""
        link = await self.alink()
        if identifier is not None:
            with link.errors:
                return await link.client.zcard(self.keys.key(ref, CODE[kind], identifier))
        keys = {"sets": self.keys.keys(ref, CODE[kind], self._identifiers(None))}
        return (await link.run(ScriptCall(scripts.COUNT, keys, {})))["total"]

    async def afetch(
        self: RedisBackend,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        """One ``fetch.lua`` call, awaited."""
        identifiers, call = self._fetch_call(kind, ref, identifier, desc, offset, limit)
        link = await self.alink()
        return self._edges(identifiers, await link.run(call))

    async def afetch_keyset(
        self: RedisBackend,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """One ``seek.lua`` call, awaited."""
        identifiers, call = self._seek_call(kind, ref, identifier, desc, after, before, limit)
        link = await self.alink()
        return self._keyed(identifiers, await link.run(call), before)
