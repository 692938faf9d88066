"""The merged private timeline of hybrid fan-out, computed in Python from sorted streams.

An owner's private timeline as readers see it is its stored private entries together with the
public entries of the pulled actors it follows (each from its cut-off date on), distinct by action
id, ordered by ``(date, id)``, of which the newest ``SEQUERE_TIMELINE_MAX_LENGTH`` are kept; filters
apply to that capped view, as they do to a stored timeline. The Redis backend does the same walk in
Lua on a single server (``lua/merge.lua``); this module is its twin for a Redis Cluster (where the
lists live on several nodes) and the reference the tests compare against.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

__all__ = ["count_after", "page", "reach", "walk"]

T = TypeVar("T")


def walk(
    sources: Sequence[Iterable[T]], key: Callable[[T], tuple], ident: Callable[[T], str], cap: int
) -> Iterator[T]:
    """Items of ``sources`` (each newest first by ``key``), newest first, distinct by ``ident``,
    at most ``cap`` of them."""
    seen: set[str] = set()
    for item in heapq.merge(*sources, key=key, reverse=True):
        name = ident(item)
        if name in seen:
            continue
        seen.add(name)
        yield item
        if len(seen) >= cap:
            return


def reach(cap: int, *, filtered: bool, desc: bool, offset: int, limit: int | None) -> int:
    """How many newest entries of each source a page needs: ``offset + limit`` for an unfiltered
    page newest first (the top n of a merge are among the top n of each source), else ``cap``."""
    if filtered or not desc or limit is None:
        return cap
    return min(cap, offset + limit)


def page(
    merged: Iterator[T], keeps: Callable[[T], bool], *, desc: bool, offset: int, limit: int | None
) -> list[T]:
    """One page of the (newest-first) ``merged`` view, filtered by ``keeps``."""
    if desc:
        rows: list[T] = []
        for item in merged:
            if not keeps(item):
                continue
            if offset > 0:
                offset -= 1
                continue
            rows.append(item)
            if limit is not None and len(rows) >= limit:
                break
        return rows
    kept = [item for item in merged if keeps(item)]
    kept.reverse()
    return kept[offset : None if limit is None else offset + limit]


def count_after(
    merged: Iterator[T], keeps: Callable[[T], bool], date: Callable[[T], int], after: int | None
) -> int:
    """How many items of ``merged`` (newest first) ``keeps`` holds, dated after ``after`` if given."""
    n = 0
    for item in merged:
        if after is not None and date(item) <= after:
            break
        if keeps(item):
            n += 1
    return n
