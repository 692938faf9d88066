"""Consistency audit of the ``Follow`` table (``manage.py sequere_check`` calls it).

The unique constraint and :func:`sequere.models.follow` keep the table clean; rows written
around them (raw SQL, a restore, a table created without the constraint) can still hold:

* self edges, where a resource follows itself. Repair: delete them;
* duplicate edges, the same pair stored more than once. Repair: keep the oldest row.

Edges whose objects are gone are checked for every backend by :mod:`sequere.management.orphans`.
"""

from __future__ import annotations

from django.db.models import Count, F, Min

from .models import Follow

#: Problems listed in full; beyond it only their number is added.
MAX_LISTED = 1000


def _edge(row: dict) -> str:
    return f"{row['from_identifier']}:{row['from_object_id']} -> {row['to_identifier']}:{row['to_object_id']}"


def audit_table(fix: bool = False) -> dict:
    """Find (and with ``fix`` repair) self and duplicate edges: two queries, plus the repairs.

    Returns ``{"checked": rows, "problems": [str], "fixed": problems repaired}`` like
    :meth:`sequere.backends.base.BaseBackend.audit`.
    """
    manager = Follow._default_manager
    problems: list[str] = []
    fixed = 0
    fields = ("from_identifier", "from_object_id", "to_identifier", "to_object_id")

    self_edges = manager.filter(from_identifier=F("to_identifier"), from_object_id=F("to_object_id"))
    rows = list(self_edges.values("id", *fields)[: MAX_LISTED + 1])
    for row in rows[:MAX_LISTED]:
        problems.append(f"self edge {_edge(row)} (row {row['id']})")
    if len(rows) > MAX_LISTED:
        problems.append("... and more self edges not listed")
    if rows and fix:
        fixed += self_edges.delete()[0]

    groups = list(
        manager.values(*fields).annotate(rows=Count("id"), keep=Min("id")).filter(rows__gt=1).order_by()
    )
    for group in groups[:MAX_LISTED]:
        problems.append(f"duplicate edge {_edge(group)} stored {group['rows']} times")
    if len(groups) > MAX_LISTED:
        problems.append(f"... and {len(groups) - MAX_LISTED} more duplicate edges not listed")
    if fix:
        for group in groups:
            manager.filter(**{name: group[name] for name in fields}).exclude(id=group["keep"]).delete()
            fixed += 1
    return {"checked": manager.count(), "problems": problems, "fixed": fixed}
