"""Inactive followers: ``SEQUERE_TIMELINE_INACTIVE_AFTER`` (default None, off).

With it set (a :class:`~datetime.timedelta`, or a number of seconds), an owner not seen for that
long is skipped by the fan-out, and its feed is rebuilt when it comes back, as Mastodon does::

    SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=14)

* **Seen**: each owner has a seen mark (a Redis string under its hash tag, or a
  :class:`~.models.SeenMark` row). It is written by :meth:`Timeline.touch()
  <sequere.contrib.timeline.Timeline.touch>` (call it when a user signs in, or from a
  middleware), by :meth:`~sequere.contrib.timeline.Timeline.mark_as_read`, and by the
  :func:`refresh` job that reading a private timeline (or keeping its live feed open,
  :func:`note_open`) queues once the mark is older than half the setting, so an owner who reads
  its feed stays active and a read itself writes nothing.
  An owner never seen is inactive (its feed is built on its first read).
* **Fan-out**: each chunk of followers reads their seen marks in one call (one round trip per
  chunk, per node on a cluster; one query on the database) and writes only to the active ones.
* **Coming back**: the first read of an inactive owner's private timeline queues
  :func:`refresh` (through the outbox, at most once a minute per process and owner) and serves
  the page from the pull path: its stored entries merged with the newest entries of the public
  timelines of what it follows, from its last seen mark on (see
  :class:`~sequere.contrib.timeline.history.PrivateActionList`). The job marks it seen, then
  writes those entries into its timeline, so later reads are plain ones. Until then
  ``count()`` of that list is the merged view's; :meth:`~sequere.contrib.timeline.Timeline.get_private_count`
  and the unread count are the stored timeline's. What reached the owner's timeline only through
  a target it follows (``Action.deliver_to``) while it was inactive is not rebuilt.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from ...conf import sequere_settings
from ...outbox import enqueue
from ...refs import Ref
from ...timeutils import now_micros
from .backends import get_timeline_backend

__all__ = ["active", "inactive_after", "note_open", "note_read", "rebuild", "refresh", "seen_state"]

#: A read queues :func:`refresh` for an owner at most this often per process (seconds).
REQUEUE_AFTER = 60.0
_queued: dict[Ref, float] = {}


def inactive_after() -> int | None:
    """``SEQUERE_TIMELINE_INACTIVE_AFTER`` in microseconds, or None when off.

    ImproperlyConfigured, naming the setting and the fix, for anything but None, a positive
    timedelta or a positive number of seconds.
    """
    value = sequere_settings.TIMELINE_INACTIVE_AFTER
    if value is None:
        return None
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        micros = int(value * 1_000_000)
    else:
        micros = 0
    if micros <= 0:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_INACTIVE_AFTER = {value!r} must be None (off), a positive "
            "datetime.timedelta or a positive number of seconds; e.g. timedelta(days=14)."
        )
    return micros


def active(owners: Sequence[Ref], *, now: int | None = None) -> list[Ref]:
    """The owners of ``owners`` the fan-out writes to: all of them when the setting is off, else
    those seen within it (one :meth:`~.backends.base.BaseTimelineBackend.get_seen` call)."""
    after = inactive_after()
    if after is None or not owners:
        return list(owners)
    seen = get_timeline_backend().get_seen(owners)
    now = now_micros() if now is None else now
    return [owner for owner in owners if owner in seen and now - seen[owner] <= after]


def seen_state(owner: Ref) -> tuple[bool, bool, int | None]:
    """``(stale, due, seen)`` of ``owner``: whether the fan-out may have skipped it, whether its
    mark should be renewed (older than half the setting), and the mark. One read."""
    after = inactive_after()
    if after is None:
        return False, False, None
    seen = get_timeline_backend().get_seen([owner]).get(owner)
    now = now_micros()
    if seen is None:
        return True, True, None
    return now - seen > after, now - seen > after // 2, seen


def note_read(owner: Ref) -> None:
    """A private timeline of ``owner`` is read while its mark is due: queue :func:`refresh`
    (at most once per :data:`REQUEUE_AFTER` per process)."""
    moment = time.monotonic()
    last = _queued.get(owner)
    if last is not None and moment - last < REQUEUE_AFTER:
        return
    _queued[owner] = moment
    enqueue(refresh, owner=list(owner))


def note_open(owner: Ref) -> None:
    """A live feed of ``owner`` is open (:mod:`~sequere.contrib.timeline.live_events`): as a read
    of its private timeline does, queue :func:`refresh` when the mark is due, so that an owner
    who only watches its live feed is not taken for inactive and skipped by the fan-out. One read
    of the mark; nothing when the setting is off."""
    if inactive_after() is None:
        return
    if seen_state(owner)[1]:
        note_read(owner)


def refresh(owner: Sequence[str]) -> int:
    """Mark ``owner`` seen now; if it was inactive, rebuild its feed (:func:`rebuild`) from its
    previous mark on. Idempotent; returns how many entries were written."""
    ref = Ref(str(owner[0]), str(owner[1]))
    after = inactive_after()
    if after is None:
        return 0
    backend = get_timeline_backend()
    now = now_micros()
    seen = backend.get_seen([ref]).get(ref)
    backend.touch([ref], now)  # first: a fan-out from now on writes to it
    if seen is not None and now - seen <= after:
        return 0
    return rebuild(ref, since=seen, now=now)


def rebuild(owner: Ref, *, since: int | None, now: int | None = None) -> int:
    """Write into ``owner``'s private timeline the newest entries (at most
    ``SEQUERE_TIMELINE_MAX_LENGTH``) of the public timelines of the pushed accounts it follows
    (and does not mute), dated from ``since`` on (everything with None). Returns how many were written."""
    from .history import followed

    backend = get_timeline_backend()
    pulled = backend.get_pulled(owner)
    sources = [ref for ref in followed(owner) if ref not in pulled]
    keys = backend.fetch_public_keys(sources, desc=True, limit=int(sequere_settings.TIMELINE_MAX_LENGTH))
    wanted = [action_id for key, action_id in keys if since is None or key[0] >= since]
    records = backend.get_records(wanted)
    found = [records[action_id] for action_id in wanted if action_id in records]
    return backend.deliver(found, [owner], since=now_micros() if now is None else now)
