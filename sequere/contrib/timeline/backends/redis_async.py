"""The Redis timeline backend's async twins: the same scripts and pipelines, through ``redis.asyncio``.

Each method queues what its sync twin sends (``queue_store``, the ``page``, ``seek`` and ``count``
script calls, the ``GET`` pipeline) on the ``"timeline"`` group's
:class:`~sequere.redis.alink.AsyncLink` and awaits it: the same round trips, no thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ....redis.alink import AsyncLink, get_async_link
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from . import entries
from .redis_reads import NEVER_DECODE

if TYPE_CHECKING:
    from .redis import RedisBackend


class AsyncTimelineMethods:
    """``astore``, ``adelete``, ``afetch``, ``afetch_keyset``, ``acount``, ``acount_unread``,
    ``aget_read_at``, ``aset_read_at``, ``aget_records`` of the Redis timeline backend."""

    async def alink(self: RedisBackend) -> AsyncLink:
        """The ``"timeline"`` group's :class:`~sequere.redis.alink.AsyncLink` for the running loop."""
        return await get_async_link("timeline")

    async def _acollect(self: RedisBackend, action_ids: Sequence[str], saved: Sequence[str] = ()) -> None:
        """:meth:`_collect`, awaited."""
        link = await self.alink()
        doomed = list(action_ids)
        if saved:
            records = await self.aget_records(saved)
            candidates = [records[action_id] for action_id in saved if action_id in records]
            if candidates:
                pipe = link.pipeline()
                for record in candidates:
                    pipe.pipe.lpos(self.keys.timeline(record.actor, PUBLIC), entries.pack(record))
                listed = await pipe.execute()
                doomed += [record.id for record, at in zip(candidates, listed, strict=True) if at is None]
        if doomed:
            pipe = link.pipeline()
            for action_id in doomed:
                pipe.pipe.delete(self.keys.action(action_id))
            await pipe.execute()

    async def astore(self: RedisBackend, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        """:meth:`store`, awaited: one pipeline (two when its trims free actions)."""
        pipe = (await self.alink()).pipeline()
        self.queue_store(pipe, record, owner, public=public)
        pushed = [r for r in await pipe.execute() if isinstance(r, dict) and "collect" in r]
        await self._acollect(
            [action_id for result in pushed for action_id in result["collect"]],
            [action_id for result in pushed for action_id in result["saved"]],
        )

    async def adelete(self: RedisBackend, record: ActionRecord, owner: Ref) -> bool:
        """:meth:`delete`, awaited: one pipeline."""
        pipe = (await self.alink()).pipeline()
        pipe.pipe.delete(self.keys.action(record.id))
        for saved_here in (False, True):
            pipe.pipe.lrem(self.keys.timeline(owner, PRIVATE), 0, entries.pack(record, saved_here=saved_here))
        pipe.pipe.lrem(self.keys.timeline(owner, PUBLIC), 0, entries.pack(record))
        return bool((await pipe.execute())[0])

    async def aset_read_at(self: RedisBackend, owner: Ref, at: int) -> None:
        """:meth:`set_read_at`, awaited: one ``SET``."""
        link = await self.alink()
        with link.errors:
            await link.client.set(self.keys.read_at(owner), int(at))

    async def aget_read_at(self: RedisBackend, owner: Ref) -> int | None:
        """:meth:`get_read_at`, awaited: one ``GET``."""
        link = await self.alink()
        with link.errors:
            value = await link.client.get(self.keys.read_at(owner))
        return None if value is None else int(value)

    async def _avalues(self: RedisBackend, action_ids: Sequence[str]) -> list[tuple[str, bytes | None]]:
        if not action_ids:
            return []
        pipe = (await self.alink()).pipeline()
        for action_id in action_ids:
            pipe.pipe.execute_command("GET", self.keys.action(action_id), **{NEVER_DECODE: True})
        return list(zip(action_ids, await pipe.execute(), strict=True))

    async def aget_records(self: RedisBackend, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        """:meth:`get_records`, awaited: one pipeline of ``GET``."""
        return {record.id: record for record in decode_records(await self._avalues(action_ids))}

    async def afetch(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ActionRecord]:
        """:meth:`fetch`, awaited: the ``page`` script (with the pulled followings, for a private
        timeline), then one ``GET`` pipeline."""
        call = self._page_call(owner, kind, verb, target, desc, offset, limit)
        if call is None:
            return []
        if kind == PUBLIC:
            rows = await (await self.alink()).run(call)
        else:
            pulled, rows = await self._awith_pulled(owner, call)
            if pulled:
                return await self._merged_in_thread(
                    self.fetch, owner, kind, verb=verb, target=target, desc=desc, offset=offset, limit=limit
                )
        records = decode_records(await self._avalues([row.id for row in rows]))
        return self._matching(records, verb, target)

    async def afetch_keyset(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, ActionRecord | None]]:
        """:meth:`fetch_keyset`, awaited: the ``seek`` script, then one ``GET`` pipeline."""
        call = self._seek_call(owner, kind, verb, target, desc, after, before, limit)
        rows = await (await self.alink()).run(call)
        if before is not None:
            rows.reverse()
        return self._keyed(rows, await self._avalues([row.id for row in rows]), verb, target)

    async def _awith_pulled(self: RedisBackend, owner: Ref, call: Any) -> tuple[dict, Any]:
        """``call`` (a ScriptCall, or a callable queuing on the pipe) with the owner's pulled
        followings, in one pipeline: ``(pulled, reply)``."""
        from .redis_pull import decode_pulled

        pipe = (await self.alink()).pipeline()
        pipe.pipe.zrange(self.keys.pulling(owner), 0, -1, withscores=True)
        if callable(call):
            call(pipe.pipe)
        else:
            pipe.script(call)
        raw, reply = await pipe.execute()
        return decode_pulled(raw), reply

    @staticmethod
    async def _merged_in_thread(method: Any, *args: Any, **kwargs: Any) -> Any:
        """A reader who follows pulled accounts: the merge (hybrid fan-out) runs on the sync
        client in a worker thread; every other read stays on ``redis.asyncio``."""
        from asgiref.sync import sync_to_async

        return await sync_to_async(method, thread_sensitive=False)(*args, **kwargs)

    async def _acount(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        verb: str | None,
        target: str | None,
        after: Any,
        unread: bool,
    ) -> int:
        call = self._count_call(owner, kind, verb, target, after, unread)
        return int((await (await self.alink()).run(call))["count"])

    async def acount(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        after: int | None = None,
    ) -> int:
        """:meth:`count`, awaited: ``LLEN`` or one ``count`` script call (with the pulled
        followings, for a private timeline)."""
        timeline = self.keys.timeline(owner, self.check_kind(kind))
        plain = verb is None and target is None and after is None
        if kind == PUBLIC:
            if plain:
                link = await self.alink()
                with link.errors:
                    return int(await link.client.llen(timeline))
            return await self._acount(owner, kind, verb, target, after, False)
        if plain:
            pulled, reply = await self._awith_pulled(owner, lambda pipe: pipe.llen(timeline))
        else:
            pulled, reply = await self._awith_pulled(
                owner, self._count_call(owner, kind, verb, target, after, False)
            )
            reply = reply["count"]
        if pulled:
            return await self._merged_in_thread(
                self.count, owner, kind, verb=verb, target=target, after=after
            )
        return int(reply)

    async def acount_unread(
        self: RedisBackend, owner: Ref, *, verb: str | None = None, target: str | None = None
    ) -> int:
        """:meth:`count_unread`, awaited: one script call, with the pulled followings."""
        call = self._count_call(owner, PRIVATE, verb, target, None, True)
        pulled, reply = await self._awith_pulled(owner, call)
        if pulled:
            return await self._merged_in_thread(self.count_unread, owner, verb=verb, target=target)
        return int(reply["count"])
