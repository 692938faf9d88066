"""History past the cap and seen marks on the database timeline backend.

:meth:`HistoryMixin.fetch_public_keys` reads the entries of every owner's public timeline past
the key, ordered and limited by the database (one ``SELECT``; the owners are grouped by type,
one ``IN`` list each), so a page costs one query whatever the number of followed accounts.

Seen marks (``SEQUERE_TIMELINE_INACTIVE_AFTER``) are :class:`~..models.SeenMark` rows: read with
one query per call, written with one ``UPDATE`` and, for owners without a row yet, one ``INSERT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction

from ....refs import Ref
from ..records import PUBLIC


class HistoryMixin:
    """The history half of :class:`~.database.DatabaseBackend` (which provides ``_entries``)."""

    _entries: Any
    _alias: Any

    def _seen_manager(self) -> Any:
        from .. import models

        return models.SeenMark._default_manager.using(self._alias())

    def touch(self, owners: Sequence[Ref], at: int) -> None:
        from .database import _refs_q

        if not owners:
            return
        marks = self._seen_manager()
        for _ in range(2):  # a concurrent first touch may insert the same row: then update it
            if marks.filter(_refs_q("owner", owners)).update(at=int(at)) >= len(set(owners)):
                return
            fields = ("owner_identifier", "owner_object_id")
            have = set(marks.filter(_refs_q("owner", owners)).values_list(*fields))
            rows = [
                marks.model(owner_identifier=owner.identifier, owner_object_id=owner.object_id, at=int(at))
                for owner in set(owners)
                if tuple(owner) not in have
            ]
            try:
                with transaction.atomic(using=self._alias()):
                    marks.bulk_create(rows)
                return
            except IntegrityError:
                continue

    def get_seen(self, owners: Sequence[Ref]) -> dict[Ref, int]:
        from .database import _refs_q

        if not owners:
            return {}
        rows = self._seen_manager().filter(_refs_q("owner", owners))
        return {
            Ref(identifier, object_id): int(at)
            for identifier, object_id, at in rows.values_list("owner_identifier", "owner_object_id", "at")
        }

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
