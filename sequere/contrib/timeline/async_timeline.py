"""The timeline's async twins: ``Timeline.asave``, ``aget_private``/``aget_public`` lists, counts,
``amark_as_read``.

What is async and what is not:

* Redis timeline backend: the store write (one pipeline), pages (the ``page``/``seek`` script,
  then one ``GET`` pipeline), counts and the read mark are native ``redis.asyncio`` calls.
* The fan-out of a public action is a job recorded in the outbox with the save
  (:func:`sequere.async_outbox.record_after`), in Django's thread-sensitive worker thread: the
  outbox is a database table and Django has no async transactions. When that fails, the stored
  action is deleted again (awaited) and the error raised, as :meth:`Timeline.save` does. With the
  in-process runner (``SEQUERE_TIMELINE_FANOUT = "inline"``) the fan-out itself runs there too,
  on the sync client, once the outbox's transaction commits.
* ``pre_save``/``post_save`` are sent with ``Signal.asend`` (sync receivers run in the worker
  thread).
* The database timeline backend's writes are the sync ones in the worker thread (one
  transaction with the outbox); its reads too (the base class's defaults).
* Actors and targets on a page are loaded with ``ain_bulk``, one query per model type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async

from ...async_outbox import record_after, shielded
from ...async_results import AsyncLazyList
from ...cursors import Keyed
from ...outbox import enqueue
from ...registration import registry
from . import jobs, signals
from .actions import Action
from .exceptions import InvalidActionException
from .records import ActionRecord

if TYPE_CHECKING:
    from .timeline import ActionList, Timeline

__all__ = ["AsyncActionList", "asave"]


async def asave(timeline: Timeline, action: Action) -> Action:
    """:meth:`Timeline.save <sequere.contrib.timeline.Timeline.save>`, awaited."""
    if not isinstance(action, Action):
        raise InvalidActionException(f"Timeline.asave() takes an Action instance, not {action!r}.")
    backend = timeline.backend
    if backend.joins_database_transaction:
        return await sync_to_async(timeline.save)(action)
    record = action.to_record()
    sender = type(action)
    await signals.pre_save.asend(sender=sender, instance=timeline.instance, timeline=timeline, action=action)
    public = record.actor == timeline.ref

    async def work() -> None:
        await backend.astore(record, timeline.ref, public=public)
        if public:
            await record_after(
                service="timeline",
                record=lambda: enqueue(jobs.dispatch, record=record.to_dict()),
                undo=lambda: backend.adelete(record, timeline.ref),
            )

    await shielded(work())
    await signals.asend_delivered(backend, record, [timeline.ref])
    action.id = record.id
    await signals.post_save.asend(sender=sender, instance=timeline.instance, timeline=timeline, action=action)
    return action


class AsyncActionList(AsyncLazyList):
    """One owner's private or public timeline as an async lazy list (``await .page()``,
    ``async for``, ``await .count()``, ``await .all()``); cursors shared with the sync list."""

    sync: ActionList

    def __init__(self, sync: ActionList) -> None:
        super().__init__(sync)
        self._count: int | None = None

    async def count(self) -> int:
        """How many entries the timeline holds with these filters (one backend call, cached)."""
        if self._count is None:
            s = self.sync
            if s.reads_beyond_store:
                self._count = await sync_to_async(s.count)()
            else:
                self._count = await s.backend.acount(s.owner, s.kind, verb=s.verb, target=s.target)
        return self._count

    async def _afetch(self, offset: int, limit: int | None) -> list[ActionRecord]:
        s = self.sync
        if s.reads_beyond_store:  # history, inactive owners: the sync list's reads, in a thread
            return await sync_to_async(s._fetch)(offset, limit)
        return await s.backend.afetch(
            s.owner, s.kind, verb=s.verb, target=s.target, desc=s.desc, offset=offset, limit=limit
        )

    async def _aseek(self, after: tuple | None, before: tuple | None, limit: int) -> list[Keyed]:
        s = self.sync
        if s.reads_beyond_store:
            return await sync_to_async(s._seek)(after, before, limit)
        return await s.backend.afetch_keyset(
            s.owner,
            s.kind,
            verb=s.verb,
            target=s.target,
            desc=s.desc,
            after=after,
            before=before,
            limit=limit,
        )

    async def _aload(self, records: list[ActionRecord]) -> list[Any]:
        from .timeline import action_refs, assemble_actions

        return assemble_actions(records, await registry.aload(action_refs(records)))
