"""Consistency audit of the database timeline store (``manage.py sequere_check`` calls it).

* entries whose action is gone (a store written around sequere). Readers skip them; repair: they
  are deleted, and taken off their owners' counters;
* timelines holding more than ``SEQUERE_TIMELINE_MAX_LENGTH`` entries (the setting was lowered).
  Repair: trimmed to the newest ones, as every write does;
* counters that do not match the entries (rows written around the backend, a bulk load).
  Repair: rewritten from the entries;
* stored actions that no entry references (written around the backend, or an action older than
  every timeline it reached). Repair: deleted, as the writes that drop the last reference do.

Repairs run in that order, so each check sees what the one before left. Meant for a quiet store:
counters rewritten while writers run may miss what they commit meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction
from django.db.models import Count, Exists, OuterRef, Q

from ....conf import sequere_settings
from .database import _KIND_CODES, NEVER_READ, _deltas
from .database_sql import Owner

if TYPE_CHECKING:
    from .database import DatabaseBackend

#: Problems listed one by one; beyond it only their number.
MAX_LISTED = 1000


def audit(backend: DatabaseBackend, fix: bool) -> dict[str, Any]:
    """The audit of :meth:`DatabaseBackend.audit`: ``{"checked", "problems", "fixed"}``."""
    from .. import models

    alias = backend._alias()
    entries = backend._entries()
    actions = models.StoredAction._default_manager.using(alias)
    problems: list[str] = []
    fixed = 0
    checked = entries.count()
    kinds = {code: name for name, code in _KIND_CODES.items()}
    sql = backend._sql()

    dangling = entries.filter(~Exists(actions.filter(pk=OuterRef("action_id"))))
    gone = dangling.count()
    if gone:
        problems.append(f"{gone} timeline entries point at an action that is gone")
        if fix:
            with transaction.atomic(using=alias, savepoint=False):
                read_at = backend._lock(Exists(dangling.filter(**_outer_owner())))
                backend._remove(
                    f"NOT EXISTS (SELECT 1 FROM {sql.action} WHERE {sql.action}.{sql.a_id} = "
                    f"{sql.entry}.{sql.e_action})",
                    [],
                    read_at,
                )
            fixed += 1

    cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
    over = list(
        entries.values_list("owner_identifier", "owner_object_id", "kind")
        .annotate(entries=Count("pk"))
        .filter(entries__gt=cap)
        .order_by()
    )
    for oi, oo, kind, n in over:
        problems.append(
            f"the {kinds[kind]} timeline of {oi}:{oo} holds {n} entries, more than "
            f"SEQUERE_TIMELINE_MAX_LENGTH = {cap}"
        )
    if fix and over:
        with transaction.atomic(using=alias, savepoint=False), connections[alias].cursor() as cursor:
            owners = {(oi, oo) for oi, oo, _, _ in over}
            read_at = backend._lock(_owners_q(owners))
            trimmed = sql.trim(cursor, [(oi, oo, kind, n - cap) for oi, oo, kind, n in over])
            sql.add_counts(cursor, _deltas(trimmed, read_at, -1))
            sql.collect(cursor, {row[4] for row in trimmed})
        fixed += len(over)

    wrong = _wrong_counters(backend, NEVER_READ)
    for (oi, oo), (stored, actual) in list(wrong.items())[:MAX_LISTED]:
        problems.append(
            f"the counter of {oi}:{oo} says {_counts(stored)}; its timelines hold {_counts(actual)}"
        )
    if len(wrong) > MAX_LISTED:
        problems.append(f"... and {len(wrong) - MAX_LISTED} more counters that do not match their entries")
    if fix and wrong:
        with transaction.atomic(using=alias, savepoint=False), connections[alias].cursor() as cursor:
            backend._lock(_owners_q(wrong))
            sql.add_counts(
                cursor,
                {
                    owner: [a - s for a, s in zip(actual, stored, strict=True)]
                    for owner, (stored, actual) in wrong.items()
                },
            )
        fixed += min(len(wrong), MAX_LISTED) + (1 if len(wrong) > MAX_LISTED else 0)

    unreferenced = actions.filter(~Exists(entries.filter(action_id=OuterRef("pk"))))
    loose = unreferenced.count()
    if loose:
        problems.append(f"{loose} stored actions are listed by no timeline entry")
        if fix:
            unreferenced.delete()
            fixed += 1
    return {"checked": checked, "problems": problems, "fixed": fixed}


def _outer_owner() -> dict[str, OuterRef]:
    return {"owner_identifier": OuterRef("owner_identifier"), "owner_object_id": OuterRef("owner_object_id")}


def _owners_q(owners: Any) -> Q:
    query = Q(pk__in=[])
    grouped: dict[str, list[str]] = defaultdict(list)
    for oi, oo in owners:
        grouped[oi].append(oo)
    for oi, oos in grouped.items():
        query |= Q(owner_identifier=oi, owner_object_id__in=sorted(oos))
    return query


def _counts(values: tuple[int, int, int]) -> str:
    private, public, unread = values
    return f"{private} private, {public} public, {unread} unread"


def _wrong_counters(backend: DatabaseBackend, never_read: int) -> dict[Owner, tuple[tuple, tuple]]:
    """Owners whose counter differs from their entries: ``{owner: (stored, actual)}``.

    One grouped pass over the entries (each joined to its owner's read mark) and one over the
    counters; ``unread`` as :meth:`BaseTimelineBackend.count_unread` defines it, before clamping.
    """
    sql = backend._sql()
    actual: dict[Owner, tuple[int, int, int]] = {}
    with connections[backend._alias()].cursor() as cursor:
        cursor.execute(
            f"SELECT e.{sql.e_oi}, e.{sql.e_oo}, "
            f"SUM(CASE WHEN e.{sql.e_kind} = 0 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN e.{sql.e_kind} = 1 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN e.{sql.e_date} > COALESCE(c.{sql.c_read_at}, %s) "
            f"THEN (CASE WHEN e.{sql.e_kind} = 0 THEN 1 ELSE -1 END) ELSE 0 END) "
            f"FROM {sql.entry} e LEFT JOIN {sql.counter} c "
            f"ON c.{sql.c_oi} = e.{sql.e_oi} AND c.{sql.c_oo} = e.{sql.e_oo} "
            f"GROUP BY e.{sql.e_oi}, e.{sql.e_oo}",
            [never_read],
        )
        for oi, oo, private, public, unread in cursor.fetchall():
            actual[(oi, oo)] = (int(private), int(public), int(unread))
        cursor.execute(
            f"SELECT {sql.c_oi}, {sql.c_oo}, {sql.c_private}, {sql.c_public}, {sql.c_unread} "
            f"FROM {sql.counter}"
        )
        stored = {
            (oi, oo): (private, public, unread) for oi, oo, private, public, unread in cursor.fetchall()
        }
    wrong = {}
    for owner in sorted(set(actual) | set(stored)):
        have, want = stored.get(owner, (0, 0, 0)), actual.get(owner, (0, 0, 0))
        if have != want:
            wrong[owner] = (have, want)
    return wrong
