"""The database timeline backend: timelines as rows, for projects with no Redis.

Add ``"sequere.contrib.timeline"`` to ``INSTALLED_APPS`` (its migrations create the tables of
:mod:`sequere.contrib.timeline.models`) and set::

    SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    SEQUERE_TIMELINE_FANOUT = "inline"  # no broker needed; or keep Celery

Counters: each owner has one ``Counter`` row (entries in its private and public timelines, its
read mark, its unread count), changed in the same transaction as every write to its entries, so
``count()`` and ``count_unread()`` without filters read one row. A write learns what it really
changed from ``RETURNING`` (a retried row is not inserted twice, a row already gone is not
deleted twice) and adds that to the counters with ``n = n + k``, which is exact however many
workers write to one owner at once. Writes that insert entries take the counter's row lock when
they add to it; writes that delete entries (and ``set_read_at``) take it first, before touching
an entry, so that no two writers wait on each other in opposite orders.

Trimming: the counter says when a timeline went past ``SEQUERE_TIMELINE_MAX_LENGTH``, and by how
many; only then are the oldest ones deleted, in one ``DELETE`` per write that walks the excess
from the old end of the index (not the whole timeline).

The action store holds only what a timeline still lists: a write that drops entries (a trim,
``retract``, ``remove_actor``, ``forget_owner``) deletes, in the same transaction, the stored
actions among them that no entry references any more (one ``NOT EXISTS`` statement). The records
a write is storing or delivering are never collected by that write (a fan-out still to come reads
them); ``audit(fix=True)`` collects any that no timeline kept.

Tested on SQLite (3.35 or newer) and PostgreSQL. Filters read the capped timeline (with Redis each
filtered view is capped on its own, so past the cap a filter may reach further back there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Collate

from ....conf import sequere_settings
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from .base import BaseTimelineBackend
from .database_history import HistoryMixin
from .database_pull import PullMixin
from .database_sql import ID_BATCH_SIZE, EntryRow, Owner, Statements

__all__ = ["DatabaseBackend"]

_KIND_CODES = {PRIVATE: 0, PUBLIC: 1}
#: Below every stored date: the read mark of an owner who never marked its timeline as read.
NEVER_READ = -(2**62)


def _models():
    from .. import models

    return models


def _refs_q(prefix: str, refs: Iterable[Ref]) -> Q:
    """``Q`` matching any of ``refs`` on the ``<prefix>_identifier``/``<prefix>_object_id`` columns."""
    query = Q(pk__in=[])
    for identifier, object_ids in _by_identifier(refs).items():
        query |= Q(**{f"{prefix}_identifier": identifier, f"{prefix}_object_id__in": object_ids})
    return query


def _by_identifier(refs: Iterable[Ref]) -> dict[str, list[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        grouped[ref.identifier].add(ref.object_id)
    return {identifier: sorted(ids) for identifier, ids in grouped.items()}


def _owner(owner: Ref) -> dict[str, str]:
    return {"owner_identifier": owner.identifier, "owner_object_id": owner.object_id}


def _deltas(
    rows: Iterable[EntryRow], read_at: Mapping[Owner, int | None], sign: int
) -> dict[Owner, list[int]]:
    """What ``rows`` (entries added, ``sign=1``, or removed, ``-1``) change in each owner's
    ``[private, public, unread]``; an entry is unread when dated after its owner's ``read_at``."""
    deltas: dict[Owner, list[int]] = defaultdict(lambda: [0, 0, 0])
    for oi, oo, kind, date, _ in rows:
        delta = deltas[(oi, oo)]
        mark = read_at.get((oi, oo))
        after = mark is None or date > mark
        if kind == _KIND_CODES[PRIVATE]:
            delta[0] += sign
            delta[2] += sign if after else 0
        else:
            delta[1] += sign
            delta[2] -= sign if after else 0
    return deltas


class DatabaseBackend(HistoryMixin, PullMixin, BaseTimelineBackend):
    """Timelines in the tables of ``sequere.contrib.timeline`` through the Django ORM."""

    joins_database_transaction = True

    def __init__(self) -> None:
        self._statements: dict[str, Statements] = {}

    def audit(self, fix: bool = False) -> dict:
        """Entries whose action is gone, timelines over ``SEQUERE_TIMELINE_MAX_LENGTH``, counters
        that do not match the entries, stored actions no entry references.

        With ``fix``: the dangling entries are deleted and the long timelines trimmed (counters
        kept as every write keeps them), wrong counters rewritten from the entries, unreferenced
        actions deleted. Returns the dict of :meth:`BaseTimelineBackend.audit`.
        """
        from .database_audit import audit

        return audit(self, fix)

    def when_durable(self, func: Callable[[], Any]) -> None:
        """Call ``func()`` when the caller's transaction commits (at once in autocommit)."""
        transaction.on_commit(func, using=self._alias())

    # helpers

    def _alias(self) -> str:
        return router.db_for_write(_models().Entry)

    def _sql(self) -> Statements:
        alias = self._alias()
        statements = self._statements.get(alias)
        if statements is None:
            statements = self._statements[alias] = Statements(alias)
        return statements

    def _entries(self):
        return _models().Entry._default_manager.using(self._alias())

    def _counters(self):
        return _models().Counter._default_manager.using(self._alias())

    def _entry(self, record: ActionRecord, owner: Ref, kind: str):
        return _models().Entry(**_owner(owner), kind=_KIND_CODES[kind], **self._entry_fields(record))

    def _entry_fields(self, record: ActionRecord) -> dict[str, Any]:
        return {
            "date": record.date,
            "action_id": record.id,
            "verb": record.verb,
            "target_identifier": record.target_identifier,
            "actor_identifier": record.actor.identifier,
            "actor_object_id": record.actor.object_id,
        }

    def _entry_row(self, record: ActionRecord, owner: Ref, kind: str) -> tuple:
        """An entry's values in :data:`~.database_sql.ENTRY_COLUMNS` order."""
        return (
            owner.identifier,
            owner.object_id,
            _KIND_CODES[kind],
            record.date,
            record.id,
            record.verb,
            record.target_identifier,
            record.actor.identifier,
            record.actor.object_id,
        )

    def _lock(self, query: Q) -> dict[Owner, int | None]:
        """Lock the counters matching ``query`` (before deleting entries); their read marks.

        In code point order, the order in which the counter upserts lock them (sorted in Python),
        so that a delete and a delivery never wait on each other's locks in a cycle.
        """
        order: list[Any] = ["owner_identifier", "owner_object_id"]
        if connections[self._alias()].vendor == "postgresql":
            order = [Collate(name, "C") for name in order]  # byte order: UTF-8's is code point order
        rows = (
            self._counters()
            .select_for_update()
            .filter(query)
            .order_by(*order)
            .values_list("owner_identifier", "owner_object_id", "read_at")
        )
        return {(oi, oo): read_at for oi, oo, read_at in rows}

    def _add(self, rows: Sequence[tuple], keep: Iterable[str] = ()) -> int:
        """Insert entry rows, add what was inserted to the counters, trim what went past the cap.

        The counters are locked by the add itself; it returns the read marks, so the unread part
        is first added as if every new entry were unread, then corrected with the trim's
        changes in one more upsert when needed. Actions that the trim left unreferenced are
        collected, except ``keep``. Returns how many entries were inserted.
        """
        sql = self._sql()
        with connections[self._alias()].cursor() as cursor:
            inserted = sql.insert_entries(cursor, rows)
            if not inserted:
                return 0
            guessed = _deltas(inserted, {}, 1)
            state = sql.add_counts(cursor, guessed)
            read_at = {owner: mark for owner, (_, _, mark) in state.items()}
            correction: dict[Owner, list[int]] = defaultdict(lambda: [0, 0, 0])
            for owner, delta in _deltas(inserted, read_at, 1).items():
                correction[owner][2] = delta[2] - guessed[owner][2]
            cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
            excess = [
                (oi, oo, code, n - cap)
                for (oi, oo), (private, public, _) in state.items()
                for code, n in ((_KIND_CODES[PRIVATE], private), (_KIND_CODES[PUBLIC], public))
                if n > cap
            ]
            if excess:
                trimmed = sql.trim(cursor, excess)
                for owner, delta in _deltas(trimmed, read_at, -1).items():
                    correction[owner] = [a + b for a, b in zip(correction[owner], delta, strict=True)]
                sql.collect(cursor, {row[4] for row in trimmed} - set(keep))
            sql.add_counts(cursor, correction)
        return len(inserted)

    def _remove(
        self, where: str, params: Sequence[Any], read_at: Mapping[Owner, int | None]
    ) -> list[EntryRow]:
        """Delete the entries matching ``where`` of owners whose counters are locked (``read_at``,
        from :meth:`_lock`) and take them off the counters; returns the deleted entries."""
        sql = self._sql()
        with connections[self._alias()].cursor() as cursor:
            removed = sql.delete_entries(cursor, where, params)
            if removed:
                sql.add_counts(cursor, _deltas(removed, read_at, -1))
        return removed

    def _collect(self, action_ids: Iterable[str]) -> int:
        with connections[self._alias()].cursor() as cursor:
            return self._sql().collect(cursor, action_ids)

    def _owner_where(self, identifier: str, object_ids: Sequence[str], kind: str) -> tuple[str, list]:
        sql = self._sql()
        marks = ", ".join(["%s"] * len(object_ids))
        where = f"{sql.e_oi} = %s AND {sql.e_oo} IN ({marks}) AND {sql.e_kind} = %s"
        return where, [identifier, *object_ids, _KIND_CODES[kind]]

    # writes

    def store(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        models = _models()
        kinds = [PRIVATE, PUBLIC] if public else [PRIVATE]
        target = record.target
        with transaction.atomic(using=self._alias(), savepoint=False):
            models.StoredAction._default_manager.using(self._alias()).bulk_create(
                [
                    models.StoredAction(
                        id=record.id,
                        verb=record.verb,
                        actor_identifier=record.actor.identifier,
                        actor_object_id=record.actor.object_id,
                        target_identifier=target.identifier if target is not None else None,
                        target_object_id=target.object_id if target is not None else None,
                        date=record.date,
                        payload=record.to_json(),
                    )
                ],
                ignore_conflicts=True,
            )
            self._add([self._entry_row(record, owner, kind) for kind in kinds], keep=[record.id])

    def deliver(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> int:
        return self.deliver_counts(records, owners, since=since, via=via)[0]

    def deliver_counts(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> tuple[int, int]:
        if not records or not owners:
            return 0, 0
        rows = [self._entry_row(record, owner, PRIVATE) for owner in owners for record in records]
        with transaction.atomic(using=self._alias(), savepoint=False):
            added = self._add(rows, keep=[record.id for record in records])
        if since is None:
            return len(rows), added
        # The unfollow marks are read only once the entries are committed. remove_actor commits
        # its mark before it deletes, so an unfollow racing this chunk either committed its mark
        # before this read (the entries are taken back here) or deletes after our commit (its
        # delete sees them). Read before the insert, both could miss (READ COMMITTED).
        followed = {via} if via is not None else {r.actor for r in records}
        marks = set(
            _models()
            .UnfollowMark._default_manager.using(self._alias())
            .filter(_refs_q("owner", owners), _refs_q("actor", followed), at__gte=since)
            .values_list("owner_identifier", "owner_object_id", "actor_identifier", "actor_object_id")
        )
        if not marks:
            return len(rows), added
        taken_back = 0
        with transaction.atomic(using=self._alias(), savepoint=False):
            read_at = self._lock(_refs_q("owner", {Ref(oi, oo) for oi, oo, _, _ in marks}))
            for oi, oo, ai, ao in sorted(marks):
                ids = [r.id for r in records if via is not None or r.actor == Ref(ai, ao)]
                where, params = self._owner_where(oi, [oo], PRIVATE)
                in_ids = f"{self._sql().e_action} IN ({', '.join(['%s'] * len(ids))})"
                self._remove(f"{where} AND {in_ids}", [*params, *ids], read_at)
                taken_back += len(ids)
        return len(rows) - taken_back, added

    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        if not records or not owners:
            return 0
        ids = sorted({r.id for r in records})
        removed: list[EntryRow] = []
        with transaction.atomic(using=self._alias(), savepoint=False):
            read_at = self._lock(_refs_q("owner", owners))
            in_ids = f"{self._sql().e_action} IN ({', '.join(['%s'] * len(ids))})"
            for identifier, object_ids in _by_identifier(owners).items():
                where, params = self._owner_where(identifier, object_ids, PRIVATE)
                removed += self._remove(f"{where} AND {in_ids}", [*params, *ids], read_at)
            if removed:
                self._collect(ids)
        return len(removed)

    def remove_actor(self, owner: Ref, actor: Ref, *, at: int) -> int:
        models = _models()
        # The mark is committed before the delete (outside an atomic block): a delivery that
        # commits after this delete reads the mark and takes its entries back (see deliver).
        models.UnfollowMark._default_manager.using(self._alias()).bulk_create(
            [
                models.UnfollowMark(
                    **_owner(owner),
                    actor_identifier=actor.identifier,
                    actor_object_id=actor.object_id,
                    at=at,
                )
            ],
            update_conflicts=True,
            unique_fields=["owner_identifier", "owner_object_id", "actor_identifier", "actor_object_id"],
            update_fields=["at"],
        )
        sql = self._sql()
        with transaction.atomic(using=self._alias(), savepoint=False):
            read_at = self._lock(Q(**_owner(owner)))
            where, params = self._owner_where(owner.identifier, [owner.object_id], PRIVATE)
            removed = self._remove(
                f"{where} AND {sql.e_actor_identifier} = %s AND {sql.e_actor_object_id} = %s",
                [*params, actor.identifier, actor.object_id],
                read_at,
            )
            if removed:
                self._collect(row[4] for row in removed)
            self.unpull([owner], actor)
        return len(removed)

    def find_targeted(self, owner: Ref, target: Ref) -> list[ActionRecord]:
        """One query: the owner's private entries joined to their stored actions with ``target``."""
        rows = (
            self._entries()
            .filter(
                **_owner(owner),
                kind=_KIND_CODES[PRIVATE],
                action__target_identifier=target.identifier,
                action__target_object_id=target.object_id,
            )
            .order_by("date", "action_id")
            .values_list("action_id", "action__payload")
        )
        return decode_records(rows)

    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        """Delete the action and every entry of it, in every timeline (one index on ``action``)."""
        with transaction.atomic(using=self._alias(), savepoint=False):
            existed, _ = (
                _models().StoredAction._default_manager.using(self._alias()).filter(id=record.id).delete()
            )
            if existed:
                read_at = self._lock(self._holding([record.id]))
                self._remove(f"{self._sql().e_action} = %s", [record.id], read_at)
        return existed > 0

    def _holding(self, action_ids: Sequence[str]) -> Q:
        """``Q`` over counters: the owners whose timelines list one of ``action_ids``."""
        return Q(
            Exists(
                self._entries().filter(
                    action_id__in=list(action_ids),
                    owner_identifier=OuterRef("owner_identifier"),
                    owner_object_id=OuterRef("owner_object_id"),
                )
            )
        )

    def forget_owner(self, owner: Ref) -> int:
        """In one transaction: the owner's own actions leave the store and every timeline, then
        the rest of its private timeline goes (and the actions nothing else lists)."""
        models = _models()
        sql = self._sql()
        with transaction.atomic(using=self._alias(), savepoint=False):
            own = list(
                self._entries()
                .filter(**_owner(owner), kind=_KIND_CODES[PUBLIC])
                .values_list("action_id", flat=True)
            )
            read_at = self._lock(Q(**_owner(owner)) | self._holding(own))
            deleted = 0
            for start in range(0, len(own), ID_BATCH_SIZE):
                batch = own[start : start + ID_BATCH_SIZE]
                self._remove(f"{sql.e_action} IN ({', '.join(['%s'] * len(batch))})", batch, read_at)
                deleted += (
                    models.StoredAction._default_manager.using(self._alias()).filter(id__in=batch).delete()[0]
                )
            rest = self._remove(
                f"{sql.e_oi} = %s AND {sql.e_oo} = %s", [owner.identifier, owner.object_id], read_at
            )
            if rest:
                self._collect(row[4] for row in rest)
            self._pulled_manager().filter(**_owner(owner)).delete()
            self.set_pull_mode(owner, None)
        return deleted

    def set_read_at(self, owner: Ref, at: int) -> None:
        """The mark, then the unread count recounted from the entries (two statements, in that
        order: the first takes the counter's lock, so the count sees every write before it)."""
        models = _models()
        at = int(at)
        with transaction.atomic(using=self._alias(), savepoint=False):
            self._counters().bulk_create(
                [models.Counter(**_owner(owner), read_at=at)],
                update_conflicts=True,
                unique_fields=["owner_identifier", "owner_object_id"],
                update_fields=["read_at"],
            )
            with connections[self._alias()].cursor() as cursor:
                self._sql().recount_unread(
                    cursor,
                    (owner.identifier, owner.object_id),
                    (_KIND_CODES[PRIVATE], _KIND_CODES[PUBLIC]),
                    at,
                )

    # reads

    def get_read_at(self, owner: Ref) -> int | None:
        return self._counters().filter(**_owner(owner)).values_list("read_at", flat=True).first()

    def _stored_counts(self, owner: Ref) -> tuple[int, int, int]:
        """``(private, public, unread)`` from the owner's counter: one row read by its unique index."""
        with connections[self._alias()].cursor() as cursor:
            return self._sql().read_counts(cursor, (owner.identifier, owner.object_id)) or (0, 0, 0)

    def _counts_and_pull(self, owner: Ref) -> tuple[int, int, int, bool]:
        """``(private, public, unread, pulls any)``: the counter row and an ``EXISTS`` on the pulled
        followings, one statement."""
        t = self._tables()
        sql = self._sql()
        cursor_sql = (
            f"SELECT c.{sql.c_private}, c.{sql.c_public}, c.{sql.c_unread}, EXISTS (SELECT 1 FROM "
            f"{t['pulled']} WHERE {t['p_owner_identifier']} = %s AND {t['p_owner_object_id']} = %s) "
            f"FROM (SELECT 1 AS one) AS o LEFT JOIN {sql.counter} c ON c.{sql.c_oi} = %s AND "
            f"c.{sql.c_oo} = %s"
        )
        with connections[self._alias()].cursor() as cursor:
            cursor.execute(cursor_sql, [owner.identifier, owner.object_id] * 2)
            private, public, unread, pulls = cursor.fetchone()
        return private or 0, public or 0, unread or 0, bool(pulls)

    def count_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """Without filters, the owner's counter (merged: one statement more when it pulls
        actors); with them, one statement: the read mark as a subquery, private (merged) and own
        (public) entries after it."""
        if verb is None and target is None:
            _, _, unread, pulls = self._counts_and_pull(owner)
            return self.merged_unread(owner, None, None) if pulls else max(unread, 0)
        return self.merged_unread(owner, verb, target)

    def get_records(self, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        if not action_ids:
            return {}
        rows = (
            _models()
            .StoredAction._default_manager.using(self._alias())
            .filter(id__in=list(action_ids))
            .values_list("id", "payload")
        )
        return {record.id: record for record in decode_records(rows)}

    def _timeline(self, owner: Ref, kind: str, verb: str | None, target: str | None):
        qs = self._entries().filter(**_owner(owner), kind=_KIND_CODES[self.check_kind(kind)])
        if verb is not None:
            qs = qs.filter(verb=verb)
        if target is not None:
            qs = qs.filter(target_identifier=target)
        return qs

    def page_queryset(
        self, owner: Ref, kind: str, *, verb: str | None = None, target: str | None = None, desc: bool = False
    ) -> QuerySet:
        """The query :meth:`fetch` slices: ``(action_id, payload)`` rows in timeline order.

        Public so that its plan can be inspected (``.explain()``, see docs/example.rst).
        """
        order = ("-date", "-action_id") if desc else ("date", "action_id")
        return (
            self._timeline(owner, kind, verb, target)
            .order_by(*order)
            .values_list("action_id", "action__payload")
        )

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
        if limit is not None and limit <= 0:
            return []
        if self.check_kind(kind) == PRIVATE:
            return self.merged_fetch(owner, verb, target, desc, int(offset), limit)
        qs = self.page_queryset(owner, kind, verb=verb, target=target, desc=desc)
        end = None if limit is None else offset + limit
        return decode_records(qs[offset:end])

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
        """One query seeking on ``(date, action_id)``, the order of the timeline's indexes (one
        more, for a private timeline while some actors are pulled, reading the owner's pulled
        followings)."""
        if kind == PRIVATE and sequere_settings.TIMELINE_PUSH_LIMIT is not None and self.get_pulled(owner):
            return self.merged_keyset(
                owner, verb=verb, target=target, desc=desc, after=after, before=before, limit=limit
            )
        qs = self._timeline(owner, kind, verb, target)
        key = after if after is not None else before
        up = (after is not None) != desc if key is not None else not desc
        if key is not None:
            date, action_id = key
            if up:
                qs = qs.filter(date__gte=date).exclude(date=date, action_id__lte=action_id)
            else:
                qs = qs.filter(date__lte=date).exclude(date=date, action_id__gte=action_id)
        order = ("date", "action_id") if up else ("-date", "-action_id")
        rows = list(qs.order_by(*order).values_list("date", "action_id", "action__payload")[:limit])
        if before is not None:
            rows.reverse()
        records = {record.id: record for record in decode_records((i, p) for _, i, p in rows)}
        return [((date, action_id), records.get(action_id)) for date, action_id, _ in rows]

    def count(
        self,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        after: int | None = None,
    ) -> int:
        """Without filters, the owner's counter (one row); with them, an index-only ``COUNT``."""
        private_kind = self.check_kind(kind) == PRIVATE
        if verb is None and target is None and after is None:
            private, public, _, pulls = self._counts_and_pull(owner)
            if not private_kind:
                return public
            return self.merged_count(owner, None, None, None) if pulls else private
        if private_kind:
            return self.merged_count(owner, verb, target, after)
        qs = self._timeline(owner, kind, verb, target)
        if after is not None:
            qs = qs.filter(date__gt=int(after))
        return qs.count()
