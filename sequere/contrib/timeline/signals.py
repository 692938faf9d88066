"""Signals sent around :meth:`Timeline.save <sequere.contrib.timeline.Timeline.save>` and ``delete``,
and as actions reach timelines.

``pre_save``, ``post_save``, ``pre_delete`` and ``post_delete`` are each sent with ``sender`` =
the Action class and keyword arguments ``instance`` (the owner of the timeline), ``timeline`` and
``action``. ``pre_save`` comes before anything is written (a receiver that raises stops the save);
``post_save`` once the owner's timelines hold the action (fan-out to followers is queued, not
necessarily done).

``delivered`` is sent each time an action reaches a group of private timelines: once for the
saving owner's own timelines (:meth:`~sequere.contrib.timeline.Timeline.save`), then once per
fan-out chunk (one :func:`~sequere.contrib.timeline.jobs.deliver` job, up to
``SEQUERE_TIMELINE_DISPATCH_RANGE`` followers), never once per owner. Its ``sender`` is the
Action class of the verb (None for a verb no longer registered), and its keyword arguments are:

* ``owners``: the :class:`~sequere.refs.Ref` list of the chunk's timelines (an owner that
  unfollowed while the chunk ran may be among them, though its timeline was skipped);
* ``record``: the :class:`~sequere.contrib.timeline.records.ActionRecord` delivered (plain data:
  building the :class:`~sequere.contrib.timeline.Action` would cost SQL queries per chunk;
  :func:`~sequere.contrib.timeline.timeline.build_actions` does it when a receiver needs it);
* ``via``: the target whose followers the chunk holds, or None for the actor's followers.

It is sent only when the write is visible to other processes (after the transaction commits on
the database timeline backend, see ``BaseTimelineBackend.when_durable``), and not at all for a
chunk that wrote nothing new: a retried or redelivered chunk job finds every entry there and
sends nothing. Actions of a pulled actor (hybrid fan-out) are read, not delivered, so they send
no ``delivered`` for its followers. The live feed (:mod:`sequere.contrib.timeline.live`) is a
receiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from ...refs import Ref
    from .backends import BaseTimelineBackend
    from .records import ActionRecord

pre_save = Signal()
post_save = Signal()
pre_delete = Signal()
post_delete = Signal()
#: Sent once per group of timelines an action reached (see the module doc).
delivered = Signal()


def send_delivered(
    backend: BaseTimelineBackend, record: ActionRecord, owners: Sequence[Ref], via: Ref | None = None
) -> None:
    """Send :data:`delivered` for ``record`` in ``owners``' timelines once ``backend``'s write is durable."""
    if not delivered.has_listeners():
        return
    from .actions import get_actions

    sender = get_actions().get(record.verb)
    owners = list(owners)
    backend.when_durable(lambda: delivered.send(sender=sender, owners=owners, record=record, via=via))


async def asend_delivered(backend: BaseTimelineBackend, record: ActionRecord, owners: Sequence[Ref]) -> None:
    """:func:`send_delivered` from async code, for a backend whose writes are durable at once
    (``Signal.asend``: sync receivers run in Django's worker thread)."""
    if not delivered.has_listeners():
        return
    from .actions import get_actions

    await delivered.asend(sender=get_actions().get(record.verb), owners=list(owners), record=record, via=None)
