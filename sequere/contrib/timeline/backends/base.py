"""THE TIMELINE BACKEND CONTRACT: what every timeline storage backend does.

Backends speak in :class:`~sequere.refs.Ref` and :class:`~sequere.contrib.timeline.records.ActionRecord`
(plain data; dates are integer microseconds since the epoch), never in model instances or
:class:`~sequere.contrib.timeline.Action` objects. Loading instances, filters given as models or
Action classes, signals, fan-out and task queueing are written once, above the backends, in
:mod:`sequere.contrib.timeline.timeline` and :mod:`sequere.contrib.timeline.fanout`.

Vocabulary:

* an *owner* is the resource a timeline belongs to (``Timeline(owner)``);
* each owner has a ``"private"`` timeline (its own actions and those of what it follows) and a
  ``"public"`` one (only the actions it saved as their actor);
* a timeline holds action ids ordered by ``(record.date, record.id)``; the action itself is
  stored once, in the backend's action store;
* every timeline, and every filtered view of it (by verb, by target identifier, by both), keeps
  at most ``SEQUERE_TIMELINE_MAX_LENGTH`` entries, the newest ones, trimmed on every write;
* every write is idempotent: writing the same record again changes nothing, so tasks may retry;
* hybrid fan-out: an owner may follow *pulled* actors (see :meth:`pull`), whose actions are not
  delivered to it; a read of its private timeline (:meth:`fetch`, :meth:`count`,
  :meth:`count_unread`) is then the merge of its stored private entries with each pulled actor's
  public entries dated from that actor's cut-off on, distinct by action id, of which the newest
  ``SEQUERE_TIMELINE_MAX_LENGTH`` are kept, filters applying to that capped view: exactly what it
  would read had those actions been delivered (see :mod:`.merge`).

Constructors must do no I/O: connections are opened on first use.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async

from ....conf import sequere_settings
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

__all__ = ["BaseTimelineBackend", "PRIVATE", "PUBLIC"]


class BaseTimelineBackend(abc.ABC):
    """Stores actions once and keeps per-owner private/public timelines of their ids.

    The async twins (``astore``, ``adelete``, ``afetch``, ``afetch_keyset``, ``acount``,
    ``acount_unread``, ``aget_read_at``, ``aset_read_at``, ``aget_records``) answer what their
    sync methods answer; their defaults run the sync method in Django's thread-sensitive worker
    thread (``sync_to_async``), and a backend with an async client overrides them.
    """

    #: True when writes join the caller's database transaction (and roll back with it).
    joins_database_transaction: bool = False

    def when_durable(self, func: Callable[[], Any]) -> None:
        """Call ``func()`` once what this backend just wrote is visible to other processes.

        The default calls it at once (a store outside the database); a backend whose writes join
        the caller's database transaction calls it when that transaction commits (never, if it
        rolls back). The ``delivered`` signal is sent through it.
        """
        func()

    @classmethod
    def check(cls) -> list[CheckMessage]:
        """System check messages for this backend's configuration (``manage.py check``).

        Called on the class: it must open no connection. The default finds nothing.
        """
        return []

    def audit(self, fix: bool = False) -> dict:
        """Check the store's consistency (``manage.py sequere_check``), repairing with ``fix``.

        Returns ``{"checked": int, "problems": [str, ...], "fixed": int}`` like the follow
        backends' :meth:`~sequere.backends.base.BaseBackend.audit`: entries examined, one line
        per problem, repairs made. The default, for a backend with no audit, raises
        NotImplementedError.
        """
        raise NotImplementedError(f"{type(self).__name__} has no consistency audit.")

    @abc.abstractmethod
    def store(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        """Store ``record`` in the action store and add it to ``owner``'s private timeline.

        With ``public=True`` (the owner is the actor) it is added to ``owner``'s public timeline
        too. Both timelines and all their filtered views are trimmed to the maximum length.
        Storing the same record again (a retry) leaves everything as it was.
        """

    @abc.abstractmethod
    def deliver(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> int:
        """Add every one of ``records`` (already stored) to the private timeline of every owner.

        This is the fan-out write (one record, a chunk of followers) and the import on follow
        (many records, one owner). When ``since`` is given (microseconds), an owner that stopped
        following ``via`` (default: the record's actor; the target for a delivery to the target's
        followers) at or after ``since`` (see :meth:`remove_actor`) does not get it: the caller
        read "owner follows via" at ``since``, and that may no longer be true.
        Returns how many (record, owner) pairs were written, skipped ones excluded; 0 for empty
        input. Timelines are trimmed to the maximum length.
        """

    def deliver_counts(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> tuple[int, int]:
        """:meth:`deliver`, returning ``(written, new)``: what :meth:`deliver` returns, and how many
        of those (record, owner) entries were not in the timeline before (0 for a retry).

        The fan-out sends the ``delivered`` signal only when ``new`` is not 0. The default, for a
        backend that cannot tell, takes every written entry as new.
        """
        written = self.deliver(records, owners, since=since, via=via)
        return written, written

    @abc.abstractmethod
    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        """Remove ``records`` from the private timelines of ``owners`` (a deleted action).

        Returns how many (record, owner) entries were removed; 0 when none was there.
        """

    @abc.abstractmethod
    def remove_actor(self, owner: Ref, actor: Ref, *, at: int) -> int:
        """Remove every action whose actor is ``actor`` from ``owner``'s private timeline.

        ``actor`` also leaves ``owner``'s pulled followings (see :meth:`pull`). Also remembers that
        ``owner`` stopped following ``actor`` at ``at`` (microseconds), so a
        later :meth:`deliver` with an older ``since`` skips ``owner`` (see :meth:`deliver`).
        Returns how many actions were removed; 0 (and only the mark written) when there were none.
        """

    @abc.abstractmethod
    def find_targeted(self, owner: Ref, target: Ref) -> list[ActionRecord]:
        """The records in ``owner``'s stored private timeline whose target is ``target``, oldest
        first; ``[]`` when none.

        What unfollowing a target takes back (with :meth:`retract`) of the actions delivered to its
        followers (``Action.deliver_to``), less those whose actor ``owner`` still follows.
        """

    # hybrid fan-out

    @abc.abstractmethod
    def pull(self, owners: Sequence[Ref], actor: Ref, *, cutoff: int, since: int | None = None) -> int:
        """Add ``actor`` to the pulled followings of every owner: its public entries dated at or
        after ``cutoff`` (microseconds) join their private timelines when read.

        ``since`` works as in :meth:`deliver` (an owner that unfollowed ``actor`` at or after it is
        skipped). Adding it again changes nothing (the first cut-off stays). Returns how many
        owners now pull it.
        """

    @abc.abstractmethod
    def unpull(self, owners: Sequence[Ref], actor: Ref) -> int:
        """Remove ``actor`` from the pulled followings of ``owners``; returns how many had it."""

    @abc.abstractmethod
    def get_pulled(self, owner: Ref) -> dict[Ref, int]:
        """The pulled actors ``owner`` follows, each with its cut-off; ``{}`` when none."""

    @abc.abstractmethod
    def set_pull_mode(self, actor: Ref, since: int | None) -> None:
        """Remember that ``actor`` is pulled from ``since`` on (microseconds), or pushed (None)."""

    @abc.abstractmethod
    def get_pull_mode(self, actor: Ref) -> int | None:
        """Since when ``actor`` is pulled, or None while it is pushed."""

    def get_cutoffs(self, owners: Sequence[Ref], actor: Ref) -> dict[Ref, int]:
        """The cut-off of ``actor`` in each of ``owners``' pulled followings (owners without it are
        missing). The default reads :meth:`get_pulled` per owner."""
        cutoffs = {}
        for owner in owners:
            cutoff = self.get_pulled(owner).get(actor)
            if cutoff is not None:
                cutoffs[owner] = cutoff
        return cutoffs

    def materialize(self, owners: Sequence[Ref], actor: Ref, *, since: int | None = None) -> int:
        """Stop pulling ``actor`` for ``owners`` without changing what they read: deliver the
        public entries of ``actor`` each of them merged (dated from its cut-off on), then
        :meth:`unpull`. Returns how many (record, owner) pairs were written."""
        cutoffs = self.get_cutoffs(owners, actor)
        if not cutoffs:
            return 0
        records = self.fetch(actor, PUBLIC, desc=True, limit=int(sequere_settings.TIMELINE_MAX_LENGTH))
        groups: dict[int, list[Ref]] = {}
        for owner, cutoff in cutoffs.items():
            groups.setdefault(cutoff, []).append(owner)
        written = 0
        for cutoff, group in groups.items():
            written += self.deliver([r for r in records if r.date >= cutoff], group, since=since)
        self.unpull(list(cutoffs), actor)
        return written

    # inactive followers (SEQUERE_TIMELINE_INACTIVE_AFTER)

    @abc.abstractmethod
    def touch(self, owners: Sequence[Ref], at: int) -> None:
        """Remember that every one of ``owners`` was seen at ``at`` (microseconds); one write per
        call (one round trip per node), whatever the number of owners."""

    @abc.abstractmethod
    def get_seen(self, owners: Sequence[Ref]) -> dict[Ref, int]:
        """When each of ``owners`` was last seen (microseconds); owners never seen are missing.
        One read per call (one round trip per node), whatever the number of owners."""

    @abc.abstractmethod
    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        """Delete ``record`` from the action store and from ``owner``'s private and public timelines.

        Copies in other owners' timelines are removed by :meth:`retract`; until then readers skip
        them. Returns True if the record was stored, False (and nothing changes) otherwise.
        """

    @abc.abstractmethod
    def fetch(
        self,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ActionRecord]:
        """One page of ``owner``'s ``kind`` (``"private"``/``"public"``) timeline (a private one
        merged with the pulled actors it follows, see the module doc).

        Ordered by ``(date, id)``, oldest first unless ``desc``. ``verb`` keeps one verb,
        ``target`` one target identifier; both together keep actions matching both. ``offset``
        and ``limit`` count timeline entries, so an entry whose record is gone or corrupt is
        skipped (and logged, see :func:`~sequere.contrib.timeline.records.decode_records`) and the
        page is shorter. Returns ``[]`` past the end or for an empty timeline. The cost is a
        constant number of round trips whatever ``limit`` is.
        """

    def fetch_keyset(
        self,
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
        """Up to ``limit`` entries of :meth:`fetch`'s list next to a key, each as ``(key, record)``.

        The cursor page primitive (see :mod:`sequere.cursors`). A key is an entry's
        ``(date, action id)``, the timeline's sort key. With ``after``, the first ``limit``
        entries strictly after it in the list's order (newest first when ``desc``); with
        ``before``, the ``limit`` entries strictly before it that are nearest to it; with neither,
        the first ``limit``. Rows are in the list's order; the key need not be an entry that still
        exists. ``limit`` counts entries; an entry whose record is gone or corrupt comes as
        ``(key, None)`` or is left out. Filters as in :meth:`fetch`. The cost is that of a first page, however
        deep the key is.

        Backends that support cursor pages implement it; the default raises NotImplementedError.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement cursor pages (fetch_keyset).")

    def merged_keyset(
        self,
        owner: Ref,
        *,
        verb: str | None,
        target: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
    ) -> list[tuple[tuple, ActionRecord | None]]:
        """:meth:`fetch_keyset` of a private timeline that merges pulled accounts (hybrid fan-out):
        the merged timeline (at most ``SEQUERE_TIMELINE_MAX_LENGTH`` entries) read with
        :meth:`fetch`, then cut at the key. Backends call it when the owner follows pulled actors."""
        keyed = [((r.date, r.id), r) for r in self.fetch(owner, PRIVATE, verb=verb, target=target, desc=desc)]
        if after is not None:
            return [row for row in keyed if (row[0] < after if desc else row[0] > after)][:limit]
        if before is not None:
            return [row for row in keyed if (row[0] > before if desc else row[0] < before)][-limit:]
        return keyed[:limit]

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
        """The first ``limit`` entries of the union of ``owners``' public timelines, as
        ``(key, action id)``, distinct by id.

        In ``(date, id)`` order, newest first when ``desc``; with ``after``, only entries strictly
        after that key in that order. Filters as in :meth:`fetch`. ``[]`` when none. What a private
        timeline's history past the cap reads (:mod:`sequere.contrib.timeline.history`); records
        are read afterwards, for the entries kept, with :meth:`get_records`.

        The default calls :meth:`fetch_keyset` once per owner; backends read them all in one go.
        """
        rows = {}
        for owner in owners:
            found = self.fetch_keyset(
                owner, PUBLIC, verb=verb, target=target, desc=desc, after=after, limit=limit
            )
            for key, record in found:
                if record is not None:
                    rows.setdefault(key[1], key)
        keys = sorted(rows.values(), reverse=desc)
        return [(key, key[1]) for key in keys[:limit]]

    def is_key(self, key: tuple) -> bool:
        """Whether ``key`` (decoded from a signed cursor) is ``(date, action id)``: an int, a str."""
        return len(key) == 2 and type(key[0]) is int and isinstance(key[1], str)

    @abc.abstractmethod
    def count(
        self,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        after: int | None = None,
    ) -> int:
        """How many entries :meth:`fetch` pages through with the same filters; 0 when none.

        ``after`` (microseconds) counts only entries dated strictly later (the unread count).
        """

    @abc.abstractmethod
    def get_records(self, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        """The stored records of ``action_ids``; ids not stored (or corrupt) are missing from the result."""

    def count_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """Private entries dated after ``owner``'s read mark (all of them if it never read), less
        ``owner``'s own actions (its public entries) in that range: nobody has unread posts of
        their own.

        The default asks :meth:`get_read_at`, then :meth:`count` twice; backends may do it in one
        call.
        """
        mark = self.get_read_at(owner)
        private = self.count(owner, PRIVATE, verb=verb, target=target, after=mark)
        own = self.count(owner, PUBLIC, verb=verb, target=target, after=mark)
        return max(private - own, 0)

    @abc.abstractmethod
    def get_read_at(self, owner: Ref) -> int | None:
        """When ``owner`` last marked its timeline as read (microseconds), or None if never."""

    @abc.abstractmethod
    def set_read_at(self, owner: Ref, at: int) -> None:
        """Remember that ``owner`` read its timeline up to ``at`` (microseconds)."""

    def forget_owner(self, owner: Ref) -> int:
        """``owner`` was deleted: delete the actions it performed that its public timeline still
        lists (from the store and its timelines) and empty its private timeline. Returns how many
        actions were deleted.

        The default is built on :meth:`fetch`, :meth:`delete` and :meth:`retract`; a backend may
        do it in fewer calls.
        """
        limit = sequere_settings.TIMELINE_MAX_LENGTH
        own = self.fetch(owner, PUBLIC, limit=limit)
        deleted = sum(self.delete(record, owner) for record in own)
        while True:
            rest = self.fetch(owner, PRIVATE, limit=limit)
            if not rest or not self.retract(rest, [owner]):
                return deleted

    def import_actions(self, owner: Ref, source: Ref, *, limit: int, since: int | None = None) -> int:
        """Copy the newest ``limit`` actions of ``source``'s public timeline into ``owner``'s private one.

        ``since`` works as in :meth:`deliver`. Returns how many (record, owner) pairs were written.
        The default reads one page with :meth:`fetch` and writes it with :meth:`deliver`.
        """
        if limit <= 0:
            return 0
        records = self.fetch(source, PUBLIC, desc=True, limit=limit)
        return self.deliver(records, [owner], since=since)

    # -- async twins (defaults: the sync method in a worker thread) ------------------------------
    async def astore(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        """:meth:`store`, awaited."""
        await sync_to_async(self.store)(record, owner, public=public)

    async def adelete(self, record: ActionRecord, owner: Ref) -> bool:
        """:meth:`delete`, awaited."""
        return await sync_to_async(self.delete)(record, owner)

    async def afetch(self, owner: Ref, kind: str, **options: Any) -> list[ActionRecord]:
        """:meth:`fetch` (same keyword arguments), awaited."""
        return await sync_to_async(self.fetch)(owner, kind, **options)

    async def afetch_keyset(
        self, owner: Ref, kind: str, **options: Any
    ) -> list[tuple[tuple, ActionRecord | None]]:
        """:meth:`fetch_keyset` (same keyword arguments), awaited."""
        return await sync_to_async(self.fetch_keyset)(owner, kind, **options)

    async def acount(self, owner: Ref, kind: str, **options: Any) -> int:
        """:meth:`count` (same keyword arguments), awaited."""
        return await sync_to_async(self.count)(owner, kind, **options)

    async def acount_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """:meth:`count_unread`, awaited."""
        return await sync_to_async(self.count_unread)(owner, verb=verb, target=target)

    async def aget_read_at(self, owner: Ref) -> int | None:
        """:meth:`get_read_at`, awaited."""
        return await sync_to_async(self.get_read_at)(owner)

    async def aset_read_at(self, owner: Ref, at: int) -> None:
        """:meth:`set_read_at`, awaited."""
        await sync_to_async(self.set_read_at)(owner, at)

    async def aget_records(self, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        """:meth:`get_records`, awaited."""
        return await sync_to_async(self.get_records)(action_ids)

    def check_kind(self, kind: str) -> str:
        """``kind`` if it is ``"private"`` or ``"public"``; ValueError naming both otherwise."""
        if kind not in (PRIVATE, PUBLIC):
            raise ValueError(f"timeline kind must be {PRIVATE!r} or {PUBLIC!r}, not {kind!r}.")
        return kind
