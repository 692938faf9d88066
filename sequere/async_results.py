"""Async lazy lists: what ``aget_followers`` and friends return (and the timeline's async lists).

An async list does no I/O until it is awaited or iterated::

    page = await aget_followers(project).page(size=20)      # a CursorPage, as .page() gives
    more = await aget_followers(project).page(after=page.next_cursor)
    async for follower, followed_at in aget_followers(project):
        ...
    total = await aget_followers(project).count()
    everyone = await aget_followers(project).all()

Each wraps the sync list of the same arguments (:attr:`AsyncLazyList.sync`) and shares its
cursors: a cursor handed out by ``get_followers(obj).page()`` reads the same next page through
``aget_followers(obj).page(after=...)``, and the other way round.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async

from .cursors import CursorPage, Keyed, aread_page
from .refs import Edge
from .registration import registry
from .results import ITER_CHUNK_SIZE, FollowList, LazyList

__all__ = ["AsyncLazyList", "AsyncFollowList"]


class AsyncLazyList:
    """The async protocol over a paged store: ``await count()``, ``await page()``, ``async for``,
    ``await all()``.

    Subclasses provide ``_afetch(offset, limit)``, ``_aseek(after, before, limit)`` and
    ``_aload(rows)``, the awaitable twins of :class:`~sequere.results.LazyList`'s hooks.
    """

    def __init__(self, sync: LazyList) -> None:
        #: the sync list of the same arguments (scope of the cursors, key checks)
        self.sync = sync

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.sync._scope()}>"

    async def count(self) -> int:  # pragma: no cover - abstract
        """How many entries the list holds (one backend call)."""
        raise NotImplementedError

    async def _afetch(self, offset: int, limit: int | None) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    async def _aseek(self, after: tuple | None, before: tuple | None, limit: int) -> list[Keyed]:
        raise NotImplementedError  # pragma: no cover - abstract

    async def _aload(self, rows: list[Any]) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    async def page(self, after: str | None = None, before: str | None = None, size: int = 20) -> CursorPage:
        """One cursor page, as :meth:`LazyList.page <sequere.results.LazyList.page>` reads it
        (same items, same cursors, same errors), awaited."""
        return await aread_page(
            scope=self.sync._scope(),
            after=after,
            before=before,
            size=size,
            fetch=self._aseek,
            load=self._aload,
            check_key=self.sync._is_key,
        )

    async def slice(self, offset: int = 0, limit: int | None = None) -> list[Any]:
        """The items ``[offset:offset + limit]`` (``limit=None``: to the end), one backend read."""
        return await self._aload(await self._afetch(offset, limit))

    async def __aiter__(self) -> AsyncIterator[Any]:
        offset = 0
        while True:
            rows = await self._afetch(offset, ITER_CHUNK_SIZE)
            for item in await self._aload(rows):
                yield item
            if len(rows) < ITER_CHUNK_SIZE:
                return
            offset += ITER_CHUNK_SIZE

    async def all(self) -> list[Any]:
        """Every item, in a list."""
        return [item async for item in self]


class AsyncFollowList(AsyncLazyList):
    """The followers, followings or friends of one instance, read lazily through the backend's
    async methods; instances loaded with Django's async ORM (one query per model type)."""

    sync: FollowList

    def __init__(self, sync: FollowList) -> None:
        super().__init__(sync)
        self._count: int | None = None

    async def count(self) -> int:
        """How many edges there are (one backend call, cached on this object)."""
        if self._count is None:
            s = self.sync
            self._count = await s.backend.acount(s.kind, s.ref, identifier=s.identifier)
        return self._count

    async def _afetch(self, offset: int, limit: int | None) -> list[Edge]:
        s = self.sync
        return await s.backend.afetch(
            s.kind, s.ref, identifier=s.identifier, desc=s.desc, offset=offset, limit=limit
        )

    async def _aseek(self, after: tuple | None, before: tuple | None, limit: int) -> list[Keyed]:
        s = self.sync
        return await s.backend.afetch_keyset(
            s.kind, s.ref, identifier=s.identifier, desc=s.desc, after=after, before=before, limit=limit
        )

    async def _aload(self, edges: list[Edge]) -> list[tuple[Any, datetime]]:
        instances = await registry.aload(edge.ref for edge in edges)
        missing = [edge for edge in edges if edge.ref not in instances]
        if missing:
            # rare (a row deleted behind sequere's back): the sync list's pruning, in a thread
            await sync_to_async(self.sync._forget)(missing)
        return [(instances[edge.ref], edge.created_at) for edge in edges if edge.ref in instances]
