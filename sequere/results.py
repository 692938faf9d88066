"""Lazy lists of ``(instance, datetime)`` pairs returned by ``get_followers`` and friends."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .backends.base import BaseBackend
from .cursors import CursorPage, Keyed, read_page
from .refs import Edge, Ref
from .registration import registry

logger = logging.getLogger("sequere")

#: Rows missing for longer than this are pruned from the store when a page meets them; younger
#: ones may belong to a transaction that has not committed yet, so they are only skipped.
PRUNE_AFTER = timedelta(minutes=5)
REPR_OUTPUT_SIZE = 20
#: Offsets from here on address nothing in any store (SQL and Redis offsets are signed 64-bit).
MAX_OFFSET = 2**63 - 1
ITER_CHUNK_SIZE = 100


class LazyList:
    """The sequence protocol over a paged store, written once for every lazy result.

    Subclasses provide :meth:`count`, ``_fetch(offset, limit)`` (raw rows, one backend read) and
    ``_load(rows)`` (the items, which may be fewer than the rows). This gives ``len()``, truth,
    slicing, indexing, iteration in chunks, :meth:`all`, ``==`` with a list, and a ``repr`` like a
    QuerySet's, which is all :class:`django.core.paginator.Paginator` needs.
    """

    #: What an index error calls the list.
    noun = "list"

    def count(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fetch(self, offset: int, limit: int | None) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load(self, rows: list[Any]) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scope(self) -> str:  # pragma: no cover - abstract
        """A description of this list (backend, owner, filters, order) that cursors are bound to."""
        raise NotImplementedError

    def _seek(self, after: tuple | None, before: tuple | None, limit: int) -> list[Keyed]:
        """The backend's ``fetch_keyset`` for this list: ``(key, raw row)`` pairs."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _is_key(self, key: tuple) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def page(self, after: str | None = None, before: str | None = None, size: int = 20) -> CursorPage:
        """One cursor page of this list (see :mod:`sequere.cursors`).

        ``after`` is a page's ``next_cursor``, ``before`` its ``previous_cursor``; with neither,
        the first page. Items are those the list yields, in its order. The page stays the same
        while entries are added above it (keyset pagination, not an offset), and costs what the
        first page costs however deep it is: one backend read plus the instance queries.
        Raises :class:`~sequere.exceptions.InvalidCursorException` for a cursor this list did not
        hand out, :class:`~sequere.exceptions.InvalidPageException` for a size outside 1 to
        :data:`~sequere.cursors.MAX_PAGE_SIZE` or both cursors at once.
        """
        return read_page(
            scope=self._scope(),
            after=after,
            before=before,
            size=size,
            fetch=self._seek,
            load=self._load,
            check_key=self._is_key,
        )

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        return self.count() > 0

    def _page(self, offset: int, limit: int | None) -> list[Any]:
        return self._load(self._fetch(offset, limit))

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError(f"sequere {self.noun}s do not support slice steps.")
            start, stop = key.start or 0, key.stop
            if start < 0 or (stop is not None and stop < 0):
                count = self.count()
                start = max(count + start, 0) if start < 0 else start
                stop = max(count + stop, 0) if stop is not None and stop < 0 else stop
            if (stop is not None and stop <= start) or start >= MAX_OFFSET:
                return []
            if stop is not None and stop >= MAX_OFFSET:
                stop = None  # past any store: to the end
            return self._page(start, None if stop is None else stop - start)
        if not isinstance(key, int):
            raise TypeError(
                f"sequere {self.noun} indices must be integers or slices, not {type(key).__name__}."
            )
        index = key + self.count() if key < 0 else key
        page = self._page(index, 1) if 0 <= index < MAX_OFFSET else []
        if not page:
            raise IndexError(f"sequere {self.noun} index out of range")
        return page[0]

    def __iter__(self) -> Iterator[Any]:
        offset = 0
        while True:
            rows = self._fetch(offset, ITER_CHUNK_SIZE)
            yield from self._load(rows)
            if len(rows) < ITER_CHUNK_SIZE:
                return
            offset += ITER_CHUNK_SIZE

    def all(self) -> list[Any]:
        """Every item, evaluated into a list (what the original package's lists answered)."""
        return list(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        data = self[: REPR_OUTPUT_SIZE + 1]
        if len(data) > REPR_OUTPUT_SIZE:
            data[-1] = "...(remaining elements truncated)..."
        return repr(data)


class FollowList(LazyList):
    """The followers, followings or friends of one instance, read lazily from the backend.

    Supports ``len()``, :meth:`count`, slicing, indexing, iteration, truth and ``repr``, so
    :class:`django.core.paginator.Paginator` accepts it. A slice costs one backend read plus one
    SQL query per model type on the page; rows deleted behind sequere's back are left out.
    """

    def __init__(
        self,
        backend: BaseBackend,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
    ) -> None:
        self.backend = backend
        self.kind = kind
        self.ref = ref
        self.identifier = identifier
        self.desc = desc
        self._count: int | None = None

    def count(self) -> int:
        """How many edges there are (one backend call, cached on this object)."""
        if self._count is None:
            self._count = self.backend.count(self.kind, self.ref, identifier=self.identifier)
        return self._count

    def __bool__(self) -> bool:
        if self._count is not None:
            return self._count > 0
        return bool(self._fetch(0, 1))

    def _fetch(self, offset: int, limit: int | None) -> list[Edge]:
        return self.backend.fetch(
            self.kind,
            self.ref,
            identifier=self.identifier,
            desc=self.desc,
            offset=offset,
            limit=limit,
        )

    def _scope(self) -> str:
        backend = type(self.backend)
        path = f"{backend.__module__}.{backend.__qualname__}"
        return json.dumps(["follow", path, self.kind, *self.ref, self.identifier, self.desc])

    def _seek(self, after: tuple | None, before: tuple | None, limit: int) -> list[Keyed]:
        return self.backend.fetch_keyset(
            self.kind,
            self.ref,
            identifier=self.identifier,
            desc=self.desc,
            after=after,
            before=before,
            limit=limit,
        )

    def _is_key(self, key: tuple) -> bool:
        return self.backend.is_key(key)

    def _load(self, edges: list[Edge]) -> list[tuple[Any, datetime]]:
        instances = registry.load(edge.ref for edge in edges)
        missing = [edge for edge in edges if edge.ref not in instances]
        if missing:
            self._forget(missing)
        return [(instances[edge.ref], edge.created_at) for edge in edges if edge.ref in instances]

    def _forget(self, missing: list[Edge]) -> None:
        cutoff = timezone.now() - PRUNE_AFTER
        for edge in missing:
            created_at = edge.created_at
            if timezone.is_naive(created_at):
                created_at = timezone.make_aware(created_at)
            registered = registry.is_registered_identifier(edge.ref.identifier)
            if registered and created_at < cutoff:
                removed = self.backend.remove_all(edge.ref)
                logger.warning("sequere: %s is gone; pruned its %d edges.", edge.ref, removed)
            else:
                logger.info("sequere: skipped %s, whose row is missing.", edge.ref)
