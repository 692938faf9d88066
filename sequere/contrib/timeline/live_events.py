"""The live feed as a stream of server-sent events (the text the SSE view sends).

:func:`live_events` yields, for one owner's private timeline:

* ``retry: <ms>`` first (how long an ``EventSource`` waits before reconnecting);
* ``event: unread`` with ``{"unread_count": n}`` at the start and after every read that found
  something;
* ``event: action`` per new entry, oldest first, ``data:`` as ``render`` writes it, and
  ``id:`` a cursor of ``Timeline(owner).get_private()`` (oldest first) at that entry: the
  browser sends it back as ``Last-Event-ID`` when it reconnects, and the feed resumes right after
  it (``get_private().page(after=id)`` reads the same entries);
* ``: keep-alive`` comments when nothing was sent for ``SEQUERE_TIMELINE_LIVE_HEARTBEAT`` seconds.

"New" is dated after the last entry the feed has seen (the newest when it opened): entries that
arrive dated earlier (the past actions copied in when the owner follows someone) are not sent
as events; the unread count that follows the next read includes them.

An open feed counts as its owner reading: with ``SEQUERE_TIMELINE_INACTIVE_AFTER`` set, it
renews the owner's seen mark when due (:func:`~sequere.contrib.timeline.inactive.note_open`, on
opening and at most once a minute after), so the fan-out does not skip an owner who only
watches its live feed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from asgiref.sync import sync_to_async

from ...conf import sequere_settings
from ...cursors import sign_cursor, unsign_cursor
from ...exceptions import InvalidCursorException
from ...refs import Ref
from ...registration import registry
from . import inactive
from .backends import PRIVATE, get_timeline_backend
from .live import subscription

__all__ = ["BATCH", "live_events", "open_streams", "sse"]

#: Entries read at most per read; more are read at once after.
BATCH = 50
#: ``retry:`` of the stream, in milliseconds.
RETRY_MS = 3000
#: Open streams per owner in this process (see :func:`open_streams`).
_open: Counter[Ref] = Counter()


def open_streams(owner: Ref) -> int:
    """How many of ``owner``'s live feeds this process is streaming now: counted from a stream's
    first step to its end, what ``SEQUERE_TIMELINE_LIVE_MAX_STREAMS`` limits."""
    return _open[owner]


def sse(data: str, *, event: str | None = None, id: str | None = None) -> str:
    """One server-sent event (``data`` on as many ``data:`` lines as it has lines)."""
    lines = [f"event: {event}"] if event else []
    if id is not None:
        lines.append(f"id: {id}")
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return "\n".join(lines) + "\n\n"


async def live_events(
    owner: Ref,
    render: Callable[[list[Any]], list[str]],
    *,
    last_event_id: str | None = None,
    once: bool = False,
) -> AsyncIterator[str]:
    """The server-sent events of ``owner``'s live feed (see the module doc), forever unless ``once``.

    ``render(actions)`` turns loaded :class:`~sequere.contrib.timeline.Action` objects into one
    JSON string each; it runs in Django's worker thread (it may touch the ORM). A
    ``last_event_id`` this feed did not hand out is ignored (the feed starts from now). With
    ``once``, one read is sent and the stream ends (a server that cannot hold a stream open:
    the ``EventSource`` reconnects after ``retry`` and gets the next read).
    """
    from .timeline import ActionList, action_refs, assemble_actions

    _open[owner] += 1
    try:
        backend = get_timeline_backend()
        scope = ActionList(backend, owner, PRIVATE)._scope()
        key = _resume_key(backend, scope, last_event_id)
        if key is None:
            newest = await backend.afetch_keyset(owner, PRIVATE, desc=True, limit=1)
            key = newest[0][0] if newest else None
        heartbeat = float(sequere_settings.TIMELINE_LIVE_HEARTBEAT)
        render_async = sync_to_async(render)
        note_open = sync_to_async(inactive.note_open)

        async def unread() -> str:
            count = await backend.acount_unread(owner)
            return sse(json.dumps({"unread_count": count}), event="unread")

        yield f"retry: {RETRY_MS}\n\n"
        yield await unread()
        await note_open(owner)  # an open feed keeps its owner active (SEQUERE_TIMELINE_INACTIVE_AFTER)
        async with subscription(owner) as wake:
            last_sent = last_noted = time.monotonic()
            while True:
                if time.monotonic() - last_noted >= inactive.REQUEUE_AFTER:
                    await note_open(owner)
                    last_noted = time.monotonic()
                rows = await backend.afetch_keyset(owner, PRIVATE, desc=False, after=key, limit=BATCH)
                if rows:
                    key = rows[-1][0]
                    records = [record for _, record in rows if record is not None]
                    keys = {record.id: row_key for row_key, record in rows if record is not None}
                    actions = assemble_actions(records, await registry.aload(action_refs(records)))
                    for action, data in zip(actions, await render_async(actions), strict=True):
                        yield sse(data, event="action", id=sign_cursor(scope, keys[action.id]))
                    yield await unread()
                    last_sent = time.monotonic()
                    if len(rows) == BATCH:
                        continue
                if once:
                    return
                remaining = heartbeat - (time.monotonic() - last_sent)
                if remaining <= 0:
                    yield ": keep-alive\n\n"
                    last_sent, remaining = time.monotonic(), heartbeat
                await wake.wait(remaining)

    finally:
        _open[owner] -= 1
        if _open[owner] <= 0:
            del _open[owner]


def _resume_key(backend: Any, scope: str, last_event_id: str | None) -> tuple | None:
    if not last_event_id:
        return None
    try:
        key = unsign_cursor(scope, last_event_id)
    except InvalidCursorException:
        return None
    return key if backend.is_key(key) else None
