"""History past the cap on the database timeline backend: many public timelines in one query.

:meth:`HistoryMixin.fetch_public_keys` reads the entries of every owner's public timeline past
the key, ordered and limited by the database (one ``SELECT``; the owners are grouped by type,
one ``IN`` list each), so a page costs one query whatever the number of followed accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ....refs import Ref
from ..records import PUBLIC


class HistoryMixin:
    """The history half of :class:`~.database.DatabaseBackend` (which provides ``_entries``)."""

    _entries: Any

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
        """One query (see the module docstring)."""
        from .database import _KIND_CODES, _refs_q

        if not owners or limit <= 0:
            return []
        qs = self._entries().filter(_refs_q("owner", owners), kind=_KIND_CODES[PUBLIC])
        if verb is not None:
            qs = qs.filter(verb=verb)
        if target is not None:
            qs = qs.filter(target_identifier=target)
        if after is not None:
            date, action_id = after
            if desc:
                qs = qs.filter(date__lte=date).exclude(date=date, action_id__gte=action_id)
            else:
                qs = qs.filter(date__gte=date).exclude(date=date, action_id__lte=action_id)
        order = ("-date", "-action_id") if desc else ("date", "action_id")
        rows = qs.order_by(*order).values_list("date", "action_id")[: limit * 2]
        out: list[tuple[tuple, str]] = []
        seen: set[str] = set()
        for date, action_id in rows:  # an action listed by two owners comes once
            if action_id not in seen:
                seen.add(action_id)
                out.append(((date, action_id), action_id))
        return out[:limit]
