"""The database timeline backend: timelines as rows, for projects with no Redis.

Add ``"sequere.contrib.timeline"`` to ``INSTALLED_APPS`` (its migrations create the tables of
:mod:`sequere.contrib.timeline.models`) and set::

    SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    SEQUERE_TIMELINE_FANOUT = "inline"  # no broker needed; or keep Celery

Costs (SQL queries): a page is one query (entries joined to the action store); ``store`` is
three (action, entries, trim); ``deliver`` of one chunk is at most three (one ``INSERT ... ON
CONFLICT DO NOTHING`` per 500 rows, one trim, then the unfollow marks when ``since`` is given;
one more ``DELETE`` per owner whose unfollow raced the chunk).

Trimming keeps the newest ``SEQUERE_TIMELINE_MAX_LENGTH`` entries of each timeline in one
``DELETE`` per write: for each owner written, an index probe finds the entry just past the cap
and everything at or before it goes. Filters read the capped timeline (with Redis each filtered
view is a sorted set capped on its own, so past the cap a filter may reach further back there).
Tested on SQLite and PostgreSQL; the trim's row-value comparison needs SQLite 3.15 or newer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connections, router, transaction
from django.db.models import Count, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ....conf import sequere_settings
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from .base import BaseTimelineBackend

__all__ = ["DatabaseBackend"]

#: Rows per ``INSERT`` of a fan-out.
INSERT_BATCH_SIZE = 500
#: Owners per trimming ``DELETE`` (each adds one index probe to the statement).
TRIM_BATCH_SIZE = 200

_KIND_CODES = {PRIVATE: 0, PUBLIC: 1}
#: Below every stored date: the read mark of an owner who never marked its timeline as read.
NEVER_READ = -(2**62)


def _models():
    from .. import models

    return models


def _refs_q(prefix: str, refs: Iterable[Ref]) -> Q:
    """``Q`` matching any of ``refs`` on the ``<prefix>_identifier``/``<prefix>_object_id`` columns."""
    by_identifier: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        by_identifier[ref.identifier].add(ref.object_id)
    query = Q(pk__in=[])
    for identifier, object_ids in by_identifier.items():
        query |= Q(**{f"{prefix}_identifier": identifier, f"{prefix}_object_id__in": sorted(object_ids)})
    return query


def _owner(owner: Ref) -> dict[str, str]:
    return {"owner_identifier": owner.identifier, "owner_object_id": owner.object_id}


class DatabaseBackend(BaseTimelineBackend):
    """Timelines in the tables of ``sequere.contrib.timeline`` through the Django ORM."""

    joins_database_transaction = True

    def audit(self, fix: bool = False) -> dict:
        """Entries whose action is gone, timelines over ``SEQUERE_TIMELINE_MAX_LENGTH``.

        Three queries (a count, the entries with no action, the timelines over the cap), plus
        the repairs with ``fix``: one ``DELETE`` of the dangling entries, and the usual trim of
        each timeline over the cap. Returns the dict of :meth:`BaseTimelineBackend.audit`.
        """
        models = _models()
        entries = self._entries()
        problems: list[str] = []
        fixed = 0
        checked = entries.count()
        actions = models.StoredAction._default_manager.using(self._alias()).values("pk")
        dangling = entries.exclude(action_id__in=actions)
        gone = dangling.count()
        if gone:
            problems.append(f"{gone} timeline entries point at an action that is gone")
            if fix:
                dangling.delete()
                fixed += 1
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        kinds = {code: name for name, code in _KIND_CODES.items()}
        over = list(
            entries.values("owner_identifier", "owner_object_id", "kind")
            .annotate(entries=Count("pk"))
            .filter(entries__gt=cap)
            .order_by()
        )
        for row in over:
            owner = f"{row['owner_identifier']}:{row['owner_object_id']}"
            problems.append(
                f"the {kinds[row['kind']]} timeline of {owner} holds {row['entries']} entries, more "
                f"than SEQUERE_TIMELINE_MAX_LENGTH = {cap}"
            )
        if fix and over:
            self._trim(
                [(Ref(row["owner_identifier"], row["owner_object_id"]), kinds[row["kind"]]) for row in over]
            )
            fixed += len(over)
        return {"checked": checked, "problems": problems, "fixed": fixed}

    # helpers

    def _alias(self) -> str:
        return router.db_for_write(_models().Entry)

    def _entries(self):
        return _models().Entry._default_manager.using(self._alias())

    def _entry(self, record: ActionRecord, owner: Ref, kind: str):
        return _models().Entry(
            **_owner(owner),
            kind=_KIND_CODES[kind],
            date=record.date,
            action_id=record.id,
            verb=record.verb,
            target_identifier=record.target_identifier,
            actor_identifier=record.actor.identifier,
            actor_object_id=record.actor.object_id,
        )

    def _insert(self, entries: list) -> None:
        if entries:
            self._entries().bulk_create(entries, batch_size=INSERT_BATCH_SIZE, ignore_conflicts=True)

    def _trim(self, timelines: Sequence[tuple[Ref, str]]) -> None:
        """Keep the newest ``SEQUERE_TIMELINE_MAX_LENGTH`` entries of each ``(owner, kind)``."""
        Entry = _models().Entry
        connection = connections[self._alias()]
        quote = connection.ops.quote_name
        meta = Entry._meta
        table = quote(meta.db_table)
        owner_identifier, owner_object_id, kind, date, action = (
            quote(meta.get_field(name).column)
            for name in ("owner_identifier", "owner_object_id", "kind", "date", "action")
        )
        one = f"{owner_identifier} = %s AND {owner_object_id} = %s AND {kind} = %s"
        # The entry just past the cap, by the same order as reads (newest first); the unique
        # index (owner, kind, date, action) answers it without touching the table.
        probe = (
            f"SELECT {date}, {action} FROM {table} WHERE {one} "
            f"ORDER BY {date} DESC, {action} DESC LIMIT 1 OFFSET %s"
        )
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        unique = list(dict.fromkeys(timelines))
        # PostgreSQL would JIT-compile this statement (its cost estimate adds up one probe per
        # owner), which takes far longer than running it; sent in the same round trip.
        prefix = "SET LOCAL jit = off; " if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            for start in range(0, len(unique), TRIM_BATCH_SIZE):
                clauses, params = [], []
                for owner, kind_name in unique[start : start + TRIM_BATCH_SIZE]:
                    code = _KIND_CODES[kind_name]
                    clauses.append(f"({one} AND ({date}, {action}) <= ({probe}))")
                    params += [
                        owner.identifier,
                        owner.object_id,
                        code,
                        owner.identifier,
                        owner.object_id,
                        code,
                        cap,
                    ]
                cursor.execute(f"{prefix}DELETE FROM {table} WHERE {' OR '.join(clauses)}", params)

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
            self._insert([self._entry(record, owner, kind) for kind in kinds])
            self._trim([(owner, kind) for kind in kinds])

    def deliver(
        self, records: Sequence[ActionRecord], owners: Sequence[Ref], *, since: int | None = None
    ) -> int:
        if not records or not owners:
            return 0
        with transaction.atomic(using=self._alias(), savepoint=False):
            entries = [self._entry(record, owner, PRIVATE) for owner in owners for record in records]
            self._insert(entries)
            self._trim([(owner, PRIVATE) for owner in owners])
        if since is None:
            return len(entries)
        # The unfollow marks are read only once the entries are committed. remove_actor commits
        # its mark before it deletes, so an unfollow racing this chunk either committed its mark
        # before this read (the entries are taken back here) or deletes after our commit (its
        # delete sees them). Read before the insert, both could miss (READ COMMITTED).
        marks = set(
            _models()
            .UnfollowMark._default_manager.using(self._alias())
            .filter(_refs_q("owner", owners), _refs_q("actor", {r.actor for r in records}), at__gte=since)
            .values_list("owner_identifier", "owner_object_id", "actor_identifier", "actor_object_id")
        )
        if not marks:
            return len(entries)
        taken_back = 0
        for oi, oo, ai, ao in marks:
            ids = [r.id for r in records if r.actor == Ref(ai, ao)]
            self._entries().filter(
                owner_identifier=oi, owner_object_id=oo, kind=_KIND_CODES[PRIVATE], action_id__in=ids
            ).delete()
            taken_back += len(ids)
        return len(entries) - taken_back

    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        if not records or not owners:
            return 0
        deleted, _ = (
            self._entries()
            .filter(
                _refs_q("owner", owners), kind=_KIND_CODES[PRIVATE], action_id__in=[r.id for r in records]
            )
            .delete()
        )
        return deleted

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
        deleted, _ = (
            self._entries()
            .filter(
                **_owner(owner),
                kind=_KIND_CODES[PRIVATE],
                actor_identifier=actor.identifier,
                actor_object_id=actor.object_id,
            )
            .delete()
        )
        return deleted

    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        """Delete the action and every entry of it, in every timeline (one index on ``action``)."""
        with transaction.atomic(using=self._alias(), savepoint=False):
            existed, _ = (
                _models().StoredAction._default_manager.using(self._alias()).filter(id=record.id).delete()
            )
            if existed:
                self._entries().filter(action_id=record.id).delete()
        return existed > 0

    def set_read_at(self, owner: Ref, at: int) -> None:
        models = _models()
        models.ReadMark._default_manager.using(self._alias()).bulk_create(
            [models.ReadMark(**_owner(owner), at=int(at))],
            update_conflicts=True,
            unique_fields=["owner_identifier", "owner_object_id"],
            update_fields=["at"],
        )

    # reads

    def get_read_at(self, owner: Ref) -> int | None:
        return (
            _models()
            .ReadMark._default_manager.using(self._alias())
            .filter(**_owner(owner))
            .values_list("at", flat=True)
            .first()
        )

    def count_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """One statement: the read mark as a subquery, private and own (public) entries after it."""
        models = _models()
        mark = models.ReadMark._default_manager.using(self._alias()).filter(**_owner(owner)).values("at")[:1]
        qs = self._entries().filter(**_owner(owner))
        if verb is not None:
            qs = qs.filter(verb=verb)
        if target is not None:
            qs = qs.filter(target_identifier=target)
        counts = qs.filter(date__gt=Coalesce(Subquery(mark), Value(NEVER_READ))).aggregate(
            private=Count("pk", filter=Q(kind=_KIND_CODES[PRIVATE])),
            own=Count("pk", filter=Q(kind=_KIND_CODES[PUBLIC])),
        )
        return max(counts["private"] - counts["own"], 0)

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
        qs = self.page_queryset(owner, kind, verb=verb, target=target, desc=desc)
        if limit is not None and limit <= 0:
            return []
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
        """One query seeking on ``(date, action_id)``, the order of the timeline's indexes."""
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
        qs = self._timeline(owner, kind, verb, target)
        if after is not None:
            qs = qs.filter(date__gt=int(after))
        return qs.count()
