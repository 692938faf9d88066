"""The outbox's guarantees for async callers: a change made with async I/O, its derived work
recorded by the sync outbox.

Django has no async transactions, and the outbox (:mod:`sequere.outbox`) is a table written in
the caller's database transaction, so what :func:`~sequere.outbox.recording` does is done in
Django's thread-sensitive worker thread (``sync_to_async(thread_sensitive=True)``), where the
ORM's connection lives. The change itself, when its store is outside the database (Redis), is
made before it with native async I/O. :func:`record_after` joins the two:

1. the caller has awaited its store write (one ``redis.asyncio`` round trip);
2. ``record()`` -- the sync code that sends the signals whose receivers :func:`~sequere.outbox.enqueue`
   the derived work -- runs inside :func:`~sequere.outbox.recording`, in the worker thread;
3. when that fails (the database is down, a receiver raises), ``undo()`` is awaited and the
   error raised: the caller gets an error and nothing stored, as with the sync API.

So a committed change always has its derived work done or recorded, and a failed one leaves
nothing. :func:`shielded` keeps that true when the caller's task is cancelled mid-way: the write
and its recording run on to the end in a task of their own, and the caller gets the
``CancelledError``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from asgiref.sync import sync_to_async

from .outbox import recording

__all__ = ["record_after", "shielded"]

logger = logging.getLogger("sequere.outbox")

T = TypeVar("T")

#: tasks :func:`shielded` started whose callers were cancelled (kept until done, so that they run on)
_running: set[asyncio.Future] = set()


async def record_after(*, service: str, record: Callable[[], T], undo: Callable[[], Awaitable[Any]]) -> T:
    """Run ``record()`` in :func:`~sequere.outbox.recording` in the worker thread; on failure await
    ``undo()`` (the async write's undoing) and re-raise. Returns what ``record()`` returned."""

    def block() -> T:
        with recording(joins_database_transaction=False, service=service):
            return record()

    try:
        return await sync_to_async(block, thread_sensitive=True)()
    except BaseException as exc:
        try:
            await undo()
        except Exception:  # noqa: BLE001 - the original failure is the one to report
            logger.exception("sequere: could not undo a %s change after %s", service, exc)
        raise


async def shielded(work: Coroutine[Any, Any, T]) -> T:
    """Await ``work`` so that cancelling the caller does not cut it in half.

    A write whose reply is being awaited when the caller is cancelled may have been made; cut
    there, its derived work would never be recorded. So ``work`` (the write and its
    :func:`record_after`) runs in a task of its own, which a cancellation of the caller does not
    cancel: it ends with the change recorded, or undone.
    """
    task = asyncio.ensure_future(work)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return await asyncio.shield(task)
