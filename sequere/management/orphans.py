"""Edges whose objects are gone, for every follow backend (``manage.py sequere_check``).

A follow edge names its two sides by :class:`~sequere.refs.Ref`. Deleting a registered instance
removes its edges (a ``post_delete`` receiver), but rows deleted around the ORM (raw SQL,
``QuerySet.update`` of a primary key, a restore) leave edges behind. This module reads every
distinct ref of the store once, then checks the rows exist with one query per identifier (per
``chunk_size`` refs), and finds:

* refs whose row is gone (or whose id can never match a row). Repair: remove all their edges;
* refs stored with an id in a non-canonical spelling (``"01"`` for pk 1, an upper-case UUID)
  whose row exists. Repair: move their edges to the canonical ref;
* refs whose identifier no registered model claims. Not repaired: register the model again, or
  delete those edges yourself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import groupby
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..backends import FOLLOWERS, FOLLOWINGS
from ..backends.base import BaseBackend
from ..refs import Ref
from ..registration import registry
from ..results import PRUNE_AFTER
from .progress import Progress

#: Edges younger than this are not repaired on backends outside the database transaction: the
#: row they point to may belong to a transaction that has not committed yet (the same grace the
#: lazy lists give before pruning).
GRACE = PRUNE_AFTER
MAX_LISTED = 1000


class OrphanCheck:
    """Runs the check over ``refs`` and collects problems and repairs (see the module doc)."""

    def __init__(self, backend: BaseBackend, progress: Progress, chunk_size: int = 1000) -> None:
        self.backend = backend
        self.progress = progress
        self.chunk_size = chunk_size
        self.checked = 0
        self.problems: list[str] = []
        self.unlisted = 0
        self.gone: list[Ref] = []
        self.renamed: list[tuple[Ref, Ref]] = []
        self.young = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)
        else:
            self.unlisted += 1

    def run(self, refs: Iterable[tuple[Ref, datetime | None]], fix: bool = False) -> dict[str, Any]:
        """Read everything first, then repair (never while a cursor is open on the store)."""
        cutoff = None if self.backend.joins_database_transaction else timezone.now() - GRACE
        for identifier, group in groupby(refs, key=lambda item: item[0].identifier):
            batch: list[tuple[Ref, datetime | None]] = []
            for item in group:
                batch.append(item)
                if len(batch) >= self.chunk_size:
                    self._check(identifier, batch, cutoff)
                    batch = []
            if batch:
                self._check(identifier, batch, cutoff)
        self.progress.finish()
        if self.young:
            self.problem(
                f"{self.young} objects are missing but have edges younger than {GRACE}; "
                "they may be committing now, so they are left alone: run the check again later"
            )
        fixed = self._repair() if fix else 0
        problems = list(self.problems)
        if self.unlisted:
            problems.append(f"... and {self.unlisted} more problems not listed")
        return {"checked": self.checked, "problems": problems, "fixed": fixed}

    def _check(
        self, identifier: str, batch: list[tuple[Ref, datetime | None]], cutoff: datetime | None
    ) -> None:
        self.checked += len(batch)
        self.progress.advance(len(batch))
        if not registry.is_registered_identifier(identifier):
            self.problem(
                f"{len(batch)} objects use identifier {identifier!r}, which no registered model claims; "
                "register the model again or delete their edges"
            )
            return
        model = registry.get_by_identifier(identifier).model
        pk_field = model._meta.pk
        canonical: dict[Ref, str] = {}
        for ref, _ in batch:
            try:
                pk = pk_field.to_python(ref.object_id)
                pk_field.run_validators(pk)
            except (ValidationError, ValueError, TypeError):
                continue
            canonical[ref] = str(pk)
        pks = [pk_field.to_python(value) for value in set(canonical.values())]
        existing = {str(pk) for pk in model._default_manager.filter(pk__in=pks).values_list("pk", flat=True)}
        for ref, newest in batch:
            spelled = canonical.get(ref)
            if spelled is not None and spelled in existing:
                if spelled != ref.object_id:
                    self.problem(f"{ref.identifier}:{ref.object_id} is spelled {spelled!r} by its row")
                    self.renamed.append((ref, Ref(ref.identifier, spelled)))
                continue
            if cutoff is not None and newest is not None and _aware(newest) > cutoff:
                self.young += 1
                continue
            why = "has no row" if spelled is not None else "is not a valid id of " + model._meta.label
            self.problem(f"{ref.identifier}:{ref.object_id} {why}; its edges point nowhere")
            self.gone.append(ref)

    def _repair(self) -> int:
        fixed = 0
        for ref in self.gone:
            self.backend.remove_all(ref)
            fixed += 1
        for old, new in self.renamed:
            self._move(old, new)
            fixed += 1
        return fixed

    def _move(self, old: Ref, new: Ref) -> None:
        """Re-create ``old``'s edges on ``new`` with their dates, then drop ``old``'s."""
        for kind in (FOLLOWINGS, FOLLOWERS):
            for edge in self.backend.fetch(kind, old, desc=False):
                pair = (new, edge.ref) if kind == FOLLOWINGS else (edge.ref, new)
                if pair[0] != pair[1]:
                    self.backend.add(pair[0], pair[1], edge.created_at)
        self.backend.remove_all(old)


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value
