"""Private timelines read beyond what they store: history past the cap, and inactive owners.

:class:`PrivateActionList` is a private timeline that notices an inactive owner
(``SEQUERE_TIMELINE_INACTIVE_AFTER``, :mod:`~sequere.contrib.timeline.inactive`) and then reads
from the pull path; :class:`HistoryActionList` adds the history past the cap.

A private timeline keeps its newest ``SEQUERE_TIMELINE_MAX_LENGTH`` entries. Read with
``Timeline(owner).get_private(desc=True, history=True)``, the list continues, past its oldest held
entry (the *seam*), with the entries of the public timelines of everything ``owner`` follows and of
its own, older than the seam, newest first, read from the action store::

    feed = Timeline(user).get_private(desc=True, history=True)
    page = feed.page(size=20)
    while page.next_cursor:  # past the held part, pages come from the followed accounts
        page = feed.page(after=page.next_cursor, size=20)
    older = feed[1000:1020]  # offsets past the end too

Rules:

* Filters (``action=``, ``target=``) apply to the history as to the held part; order and ties are
  ``(date, id)`` newest first on both sides; the history holds only entries strictly older than
  every held entry of the list, so nothing comes twice at the seam.
* Muted accounts (blocks remove the follows) have no history either.
* How far back: as far as each followed account's public timeline goes (its own
  ``SEQUERE_TIMELINE_MAX_LENGTH`` newest actions). What the held part had for other reasons
  (actions saved into the timeline by another actor, actions delivered to a target's followers)
  has no history.
* ``count()``, ``len()`` and truth stay those of the held part (what a
  :class:`~django.core.paginator.Paginator` pages through); only cursor pages and offsets reach
  the history.
* Only newest-first lists have a history (it lies before the first entry of an oldest-first list).
  ``history=True`` on an oldest-first list reads the held part.
* Reads write nothing.

Cost of a page that reaches the history, beside a held page: the owner's followings read from the
follow backend (one call per ``SEQUERE_TIMELINE_DISPATCH_RANGE`` of them, once per list object),
one :meth:`~.backends.base.BaseTimelineBackend.fetch_public_keys` (Redis: one pipeline, one round
trip per node, at most ``size + 1`` entries read per followed account; database: one query), one
read of the records kept; an offset page adds one count and one read of the seam, and reads
``offset - held + size`` entries per followed account (prefer cursor pages deep down).
"""

from __future__ import annotations

from typing import Any

from ...backends import FOLLOWINGS, MUTES, get_backend
from ...conf import sequere_settings
from ...refs import Ref
from . import inactive
from .backends import PRIVATE
from .records import ActionRecord
from .timeline import ActionList

__all__ = ["HistoryActionList", "PrivateActionList"]


def followed(owner: Ref) -> list[Ref]:
    """What ``owner`` follows, less what it mutes (blocks remove the follows themselves): one read
    of the follow backend per ``SEQUERE_TIMELINE_DISPATCH_RANGE`` refs of each list."""
    follows = get_backend()
    chunk = int(sequere_settings.TIMELINE_DISPATCH_RANGE)
    refs = [ref for refs in follows.iter_refs(FOLLOWINGS, owner, chunk) for ref in refs]
    if refs and follows.supports_relations:
        muted = {ref for refs in follows.iter_refs(MUTES, owner, chunk) for ref in refs}
        refs = [ref for ref in refs if ref not in muted]
    return refs


def _matches(record: ActionRecord, verb: str | None, target: str | None) -> bool:
    return (verb is None or record.verb == verb) and (target is None or record.target_identifier == target)


class PrivateActionList(ActionList):
    """A private :class:`~.timeline.ActionList` that reads an inactive owner's feed from the pull
    path.

    With ``SEQUERE_TIMELINE_INACTIVE_AFTER`` set, its first read asks for the owner's seen mark
    (one more round trip or query); when the mark is due it queues
    :func:`~sequere.contrib.timeline.inactive.refresh`, and when the owner was inactive (the
    fan-out may have skipped it) pages, offsets and ``count()`` come from the merged view: its
    stored entries and the newest entries of the public timelines of what it follows, dated from
    its mark on, at most ``SEQUERE_TIMELINE_MAX_LENGTH`` of them. Nothing is written by the read.
    """

    reads_beyond_store = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sources: list[Ref] | None = None
        self._stale: tuple[bool, int | None] | None = None
        self._view: list[tuple[tuple, Any]] | None = None

    def sources(self) -> list[Ref]:
        """The owner and what it follows (less what it mutes): whose public timelines are read
        beyond the store."""
        if self._sources is None:
            self._sources = [self.owner, *followed(self.owner)]
        return self._sources

    def _history(self, ascending: bool, after: tuple | None, limit: int) -> list[tuple[tuple, Any]]:
        """Up to ``limit`` entries of the sources' public timelines next to ``after`` (newest first
        from it, or oldest first with ``ascending``), as ``(key, record or None)``."""
        if limit <= 0:
            return []
        keys = self.backend.fetch_public_keys(
            self.sources(), verb=self.verb, target=self.target, desc=not ascending, after=after, limit=limit
        )
        records = self.backend.get_records([action_id for _, action_id in keys])
        rows = []
        for key, action_id in keys:
            record = records.get(action_id)
            if record is not None and not _matches(record, self.verb, self.target):
                record = None
            rows.append((key, record))
        return rows

    def stale(self) -> bool:
        """Whether the owner was inactive, so that this list reads the merged view (one read of
        its seen mark, cached; queues the refresh job when the mark is due)."""
        if self._stale is None:
            stale, due, seen = inactive.seen_state(self.owner)
            if due:
                inactive.note_read(self.owner)
            self._stale = (stale, seen)
        return self._stale[0]

    def view(self) -> list[tuple[tuple, Any]]:
        """The merged view of an inactive owner's feed, newest first, as ``(key, record)``."""
        if self._view is None:
            cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
            seen = self._stale[1] if self._stale else None
            held = ActionList._fetch(self, 0, cap) if self.desc else ActionList._fetch(self, 0, None)
            rows = {record.id: ((record.date, record.id), record) for record in held}
            for key, record in self._history(False, None, cap):
                if record is not None and (seen is None or key[0] >= seen):
                    rows.setdefault(key[1], (key, record))
            self._view = sorted(rows.values(), key=lambda row: row[0], reverse=True)[:cap]
        return self._view

    def count(self) -> int:
        if self.stale():
            return len(self.view())
        return super().count()

    def _fetch(self, offset: int, limit: int | None) -> list[ActionRecord]:
        if not self.stale():
            return super()._fetch(offset, limit)
        rows = self.view() if self.desc else self.view()[::-1]
        end = None if limit is None else offset + limit
        return [record for _, record in rows[offset:end]]

    def _seek(self, after: tuple | None, before: tuple | None, limit: int) -> list[tuple]:
        if not self.stale():
            return super()._seek(after, before, limit)
        rows = self.view() if self.desc else self.view()[::-1]
        desc = self.desc
        if after is not None:
            return [row for row in rows if (row[0] < after if desc else row[0] > after)][:limit]
        if before is not None:
            return [row for row in rows if (row[0] > before if desc else row[0] < before)][-limit:]
        return rows[:limit]

    def oldest_key(self) -> tuple | None:
        """The key of the oldest entry this list holds (None when it holds none)."""
        if self.stale():
            view = self.view()
            return view[-1][0] if view else None
        rows = self.backend.fetch_keyset(
            self.owner, PRIVATE, verb=self.verb, target=self.target, desc=False, limit=1
        )
        return rows[0][0] if rows else None


class HistoryActionList(PrivateActionList):
    """A newest-first :class:`PrivateActionList` that goes on past its cap (see the module
    docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seam: tuple[tuple | None] | None = None

    def seam(self) -> tuple | None:
        """The key of the oldest held entry of this list (None when it holds none)."""
        if self._seam is None:
            self._seam = (self.oldest_key(),)
        return self._seam[0]

    def _fetch(self, offset: int, limit: int | None) -> list[ActionRecord]:
        held = self.count()
        if not self.desc or (limit is not None and offset + limit <= held):
            return super()._fetch(offset, limit)
        rows = super()._fetch(offset, limit) if offset < held else []
        size = limit if limit is not None else int(sequere_settings.TIMELINE_MAX_LENGTH)
        want = size - max(held - offset, 0)
        skip = max(offset - held, 0)
        seam = self.seam()
        if seam is None and held:
            return rows  # emptied since it was counted
        older = self._history(False, seam, skip + want)[skip:]
        return rows + [record for _, record in older if record is not None]

    def _seek(self, after: tuple | None, before: tuple | None, limit: int) -> list[tuple]:
        rows = super()._seek(after, before, limit)
        if not self.desc:
            return rows
        if before is None:  # moving down: the history goes on where the held part stops
            if len(rows) >= limit:
                return rows
            bound = rows[-1][0] if rows else after
            return rows + self._history(False, bound, limit - len(rows))
        seam = self.seam()
        if seam is not None and before >= seam:
            return rows  # the cursor is in the held part: so is everything above it
        newer = [row for row in self._history(True, before, limit) if seam is None or row[0] < seam]
        newer.reverse()  # newest first, as the list goes
        return (rows + newer)[-limit:]
