"""The SQL of the database timeline backend that the ORM cannot express: writes that return rows.

Every statement is plain SQL that PostgreSQL and SQLite (3.35 or newer: ``RETURNING``) both run,
built once per database alias from the models' table and column names. Each function takes a
cursor of that database and returns plain tuples; the backend
(:mod:`sequere.contrib.timeline.backends.database`) decides what to run and keeps the counters.

Rows are sent in a fixed order (owner, kind, date, action) so that two transactions writing to
the same owners take their row locks in the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections

__all__ = ["COUNTER_BATCH_SIZE", "INSERT_BATCH_SIZE", "TRIM_BATCH_SIZE", "Statements"]

#: Rows per ``INSERT`` of entries (fewer where the database caps query parameters).
INSERT_BATCH_SIZE = 500
#: Owners per counter upsert.
COUNTER_BATCH_SIZE = 500
#: Timelines per trimming ``DELETE`` (one ``UNION ALL`` arm each; SQLite allows 500 arms).
TRIM_BATCH_SIZE = 200
#: Action ids per ``IN (...)`` list.
ID_BATCH_SIZE = 500

#: An owner's key in every result: ``(owner_identifier, owner_object_id)``.
Owner = tuple[str, str]
#: A removed or added entry: ``(owner_identifier, owner_object_id, kind, date, action_id)``.
EntryRow = tuple[str, str, int, int, str]

ENTRY_COLUMNS = (
    "owner_identifier",
    "owner_object_id",
    "kind",
    "date",
    "action",
    "verb",
    "target_identifier",
    "actor_identifier",
    "actor_object_id",
)


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Statements:
    """The backend's hand-written statements for one database alias."""

    def __init__(self, alias: str) -> None:
        from .. import models

        self.alias = alias
        quote = connections[alias].ops.quote_name
        self.entry_fields = [models.Entry._meta.get_field(name) for name in ENTRY_COLUMNS]

        def columns(model: Any, *names: str) -> list[str]:
            return [quote(model._meta.get_field(name).column) for name in names]

        self.entry = quote(models.Entry._meta.db_table)
        self.action = quote(models.StoredAction._meta.db_table)
        self.counter = quote(models.Counter._meta.db_table)
        entry_columns = [quote(field.column) for field in self.entry_fields]
        self.e_oi, self.e_oo, self.e_kind, self.e_date, self.e_action = entry_columns[:5]
        self.e_actor_identifier, self.e_actor_object_id = entry_columns[7:]
        self.e_id = quote(models.Entry._meta.pk.column)
        self.a_id = quote(models.StoredAction._meta.pk.column)
        self.c_oi, self.c_oo, self.c_private, self.c_public, self.c_unread, self.c_read_at = columns(
            models.Counter, "owner_identifier", "owner_object_id", "private", "public", "unread", "read_at"
        )
        self.returning = f"{self.e_oi}, {self.e_oo}, {self.e_kind}, {self.e_date}, {self.e_action}"
        self.insert_head = f"INSERT INTO {self.entry} ({', '.join(entry_columns)}) VALUES "
        self.insert_row = f"({', '.join(['%s'] * len(entry_columns))})"
        self.counter_head = (
            f"INSERT INTO {self.counter} ({self.c_oi}, {self.c_oo}, {self.c_private}, {self.c_public}, "
            f"{self.c_unread}) VALUES "
        )
        add = ", ".join(
            f"{column} = {self.counter}.{column} + excluded.{column}"
            for column in (self.c_private, self.c_public, self.c_unread)
        )
        self.counter_tail = (
            f" ON CONFLICT ({self.c_oi}, {self.c_oo}) DO UPDATE SET {add} "
            f"RETURNING {self.c_oi}, {self.c_oo}, {self.c_private}, {self.c_public}, {self.c_read_at}"
        )
        self.oldest = (
            f"SELECT {self.e_id} FROM (SELECT {self.e_id} FROM {self.entry} WHERE {self.e_oi} = %s AND "
            f"{self.e_oo} = %s AND {self.e_kind} = %s ORDER BY {self.e_date}, {self.e_action} LIMIT %s) AS t"
        )
        after = (
            f"(SELECT COUNT(*) FROM {self.entry} WHERE {self.e_oi} = %s AND {self.e_oo} = %s AND "
            f"{self.e_kind} = %s AND {self.e_date} > %s)"
        )
        self.recount_sql = (
            f"UPDATE {self.counter} SET {self.c_unread} = {after} - {after} "
            f"WHERE {self.c_oi} = %s AND {self.c_oo} = %s"
        )
        # PostgreSQL: one LATERAL subquery for every timeline, planned once (100 UNION ALL arms
        # took 27 ms to plan); SQLite has no LATERAL and plans the arms in microseconds.
        self.oldest_lateral = (
            f"SELECT x.id FROM (VALUES {{values}}) AS v(oi, oo, k, n) CROSS JOIN LATERAL "
            f"(SELECT {self.e_id} AS id FROM {self.entry} WHERE {self.e_oi} = v.oi AND {self.e_oo} = v.oo "
            f"AND {self.e_kind} = v.k ORDER BY {self.e_date}, {self.e_action} LIMIT v.n) AS x"
        )
        self.lateral = connections[alias].vendor == "postgresql"
        self.counts = (
            f"SELECT {self.c_private}, {self.c_public}, {self.c_unread} FROM {self.counter} "
            f"WHERE {self.c_oi} = %s AND {self.c_oo} = %s"
        )

    def insert_entries(self, cursor: Any, rows: Sequence[tuple]) -> list[EntryRow]:
        """``INSERT ... ON CONFLICT DO NOTHING`` the entry ``rows`` (values in ``ENTRY_COLUMNS``
        order); returns the rows actually inserted (a retried row is not)."""
        rows = sorted(rows, key=lambda row: row[:5])
        ops = connections[self.alias].ops
        size = max(1, min(INSERT_BATCH_SIZE, ops.bulk_batch_size(self.entry_fields, rows)))
        inserted: list[EntryRow] = []
        for batch in _batches(rows, size):
            cursor.execute(
                f"{self.insert_head}{', '.join([self.insert_row] * len(batch))} ON CONFLICT DO NOTHING "
                f"RETURNING {self.returning}",
                [value for row in batch for value in row],
            )
            inserted += cursor.fetchall()
        return inserted

    def delete_entries(self, cursor: Any, where: str, params: Sequence[Any]) -> list[EntryRow]:
        """Delete the entries matching ``where`` (SQL over the entry table's columns); returns them."""
        cursor.execute(f"DELETE FROM {self.entry} WHERE {where} RETURNING {self.returning}", list(params))
        return cursor.fetchall()

    def add_counts(
        self, cursor: Any, deltas: dict[Owner, list[int]]
    ) -> dict[Owner, tuple[int, int, int | None]]:
        """Add ``[private, public, unread]`` to each owner's counter (created when missing) in one
        upsert per batch; returns each owner's new ``(private, public, read_at)``."""
        rows = sorted((owner, delta) for owner, delta in deltas.items() if any(delta))
        state: dict[Owner, tuple[int, int, int | None]] = {}
        for batch in _batches(rows, COUNTER_BATCH_SIZE):
            cursor.execute(
                f"{self.counter_head}{', '.join(['(%s, %s, %s, %s, %s)'] * len(batch))}{self.counter_tail}",
                [value for (oi, oo), delta in batch for value in (oi, oo, *delta)],
            )
            for oi, oo, private, public, read_at in cursor.fetchall():
                state[(oi, oo)] = (private, public, read_at)
        return state

    def trim(self, cursor: Any, excess: Sequence[tuple[str, str, int, int]]) -> list[EntryRow]:
        """Delete the ``n`` oldest entries of each ``(identifier, object_id, kind, n)`` timeline.

        One ``DELETE`` per batch of timelines: the primary keys of each timeline's ``n`` oldest
        entries (one range of the unique index, walked from its old end: ``n`` index entries,
        not the whole timeline), a ``LATERAL`` subquery over the batch on PostgreSQL, arms joined
        with ``UNION ALL`` on SQLite; no ``OR``. Returns the deleted entries.
        """
        trimmed: list[EntryRow] = []
        for batch in _batches(sorted(excess), TRIM_BATCH_SIZE):
            if self.lateral:
                rows = ", ".join(["(%s, %s, %s::smallint, %s::bigint)"] * len(batch))
                ids = self.oldest_lateral.format(values=rows)
            else:
                ids = " UNION ALL ".join([self.oldest] * len(batch))
            params = [value for row in batch for value in row]
            trimmed += self.delete_entries(cursor, f"{self.e_id} IN ({ids})", params)
        return trimmed

    def collect(self, cursor: Any, action_ids: Iterable[str]) -> int:
        """Delete the stored actions among ``action_ids`` that no entry references; returns how many."""
        ids = sorted(set(action_ids))
        collected = 0
        for batch in _batches(ids, ID_BATCH_SIZE):
            cursor.execute(
                f"DELETE FROM {self.action} WHERE {self.a_id} IN ({', '.join(['%s'] * len(batch))}) "
                f"AND NOT EXISTS (SELECT 1 FROM {self.entry} WHERE {self.entry}.{self.e_action} = "
                f"{self.action}.{self.a_id})",
                list(batch),
            )
            collected += cursor.rowcount
        return collected

    def recount_unread(self, cursor: Any, owner: Owner, kinds: tuple[int, int], read_at: int) -> None:
        """Set ``owner``'s unread count to its private (``kinds[0]``) entries dated after
        ``read_at`` less its public (``kinds[1]``) ones: two index-only counts."""
        private, public = kinds
        cursor.execute(self.recount_sql, [*owner, private, read_at, *owner, public, read_at, *owner])

    def read_counts(self, cursor: Any, owner: Owner) -> tuple[int, int, int] | None:
        """``(private, public, unread)`` of ``owner``'s counter, None when it has none."""
        cursor.execute(self.counts, list(owner))
        return cursor.fetchone()
