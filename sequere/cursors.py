"""Cursor pages: keyset pagination over every follow list and timeline, with signed cursors.

``get_followers(obj).page(after=None, before=None, size=20)`` (and the same on the other follow
lists and on ``Timeline(obj).get_private()`` / ``get_public()``) returns a :class:`CursorPage`::

    page = get_followers(project).page(size=20)
    page.items            # [(follower, followed_at), ...], as the list itself yields them
    page.next_cursor      # an opaque string, or None on the last page
    more = get_followers(project).page(after=page.next_cursor)
    back = get_followers(project).page(before=more.previous_cursor)

A cursor carries the sort key of the entry at the edge of the page it came from (a backend's own
key: ``(date, id)`` of a row, ``(score, type, pk)`` of a Redis member), never an offset, so a page
read with it is the same whatever was added above it meanwhile. Cursors are signed with
``SECRET_KEY`` (:mod:`django.core.signing`, salt :data:`SALT`) together with a digest of the list
they came from; a forged, tampered or foreign one raises
:class:`~sequere.exceptions.InvalidCursorException` and never reads a wrong page.

Backends implement one primitive (``fetch_keyset``): up to ``limit`` rows strictly after or
before a key in the list's order, each as ``(key, item)``. The page logic, signing and loading are
written once, here and in :mod:`sequere.results`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

from .exceptions import InvalidCursorException, InvalidPageException

__all__ = [
    "SALT",
    "MAX_PAGE_SIZE",
    "CursorPage",
    "Keyed",
    "aread_page",
    "read_page",
    "sign_cursor",
    "unsign_cursor",
]

#: The salt every sequere cursor is signed with (a cursor is useless as any other signed value).
SALT = "sequere.cursor"
#: The largest ``size`` a page accepts (REST views cap lower, see ``sequere.contrib.rest_framework``).
MAX_PAGE_SIZE = 1000

#: A backend's sort key of one entry: a tuple of strings and integers.
Key = tuple
#: What a backend's ``fetch_keyset`` returns for one row: its key and its item (None: skip it).
Keyed = tuple


@dataclass
class CursorPage:
    """One page of a list: ``items``, and the cursors of the pages on either side.

    ``next_cursor`` is None on the last page, ``previous_cursor`` on the first. Iterating a page,
    ``len()`` and indexing go to :attr:`items`.
    """

    items: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.items[index]


def scope_digest(scope: str) -> str:
    """A short digest of the description of one list (what a cursor is bound to)."""
    return hashlib.blake2b(scope.encode(), digest_size=9).hexdigest()


def sign_cursor(scope: str, key: Key) -> str:
    """The cursor string of ``key`` in the list described by ``scope``."""
    return signing.dumps([scope_digest(scope), list(key)], salt=SALT, compress=False)


def unsign_cursor(scope: str, cursor: Any) -> Key:
    """The key a cursor carries; InvalidCursorException when it was not made by this list."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 2000:
        raise InvalidCursorException(
            f"A cursor is a string returned as next_cursor or previous_cursor, not {cursor!r:.60}."
        )
    try:
        digest, key = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidCursorException(
            f"The cursor {cursor[:40]!r}... is forged, tampered with or signed with another SECRET_KEY; "
            "start again from the first page (no cursor)."
        ) from None
    if digest != scope_digest(scope) or not isinstance(key, list):
        raise InvalidCursorException(
            "This cursor belongs to another list (another object, filter, order or backend); pass "
            "a cursor only to the list whose page returned it, or start again from the first page."
        )
    return tuple(key)


def check_size(size: Any) -> int:
    """``size`` if it is a whole number from 1 to :data:`MAX_PAGE_SIZE`; InvalidPageException if not."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidPageException(
            f"A page size is a whole number from 1 to {MAX_PAGE_SIZE}, not {size!r}; pass size=20 or so."
        )
    return size


def read_page(
    *,
    scope: str,
    after: str | None,
    before: str | None,
    size: int,
    fetch: Callable[[Key | None, Key | None, int], list[Keyed]],
    load: Callable[[list[Any]], list[Any]],
    check_key: Callable[[Key], bool],
) -> CursorPage:
    """One :class:`CursorPage`: the keyset logic every list shares.

    ``fetch(after_key, before_key, limit)`` returns up to ``limit`` ``(key, raw)`` rows in list
    order (with ``before_key``: the ``limit`` rows nearest to it), ``load(raws)`` the items of raw
    rows, ``check_key`` whether a decoded key has this backend's shape. One ``fetch`` per page:
    ``size + 1`` rows tell whether there is more beyond the page. Coming from one side
    (``after``), the other side is taken to hold at least the cursor's entry, so its cursor is
    set without a second read.
    """
    size, keys = _page_keys(scope, after, before, size, check_key)
    fetched = fetch(keys.get("after"), keys.get("before"), size + 1)
    rows, *edges = _cut(fetched, size, after, before)
    items = load([raw for _, raw in rows if raw is not None])
    return _with_cursors(items, scope, rows, tuple(edges), after, before)


async def aread_page(
    *,
    scope: str,
    after: str | None,
    before: str | None,
    size: int,
    fetch: Callable[[Key | None, Key | None, int], Awaitable[list[Keyed]]],
    load: Callable[[list[Any]], Awaitable[list[Any]]],
    check_key: Callable[[Key], bool],
) -> CursorPage:
    """:func:`read_page` with an awaitable ``fetch`` and ``load`` (the async lists' pages)."""
    size, keys = _page_keys(scope, after, before, size, check_key)
    fetched = await fetch(keys.get("after"), keys.get("before"), size + 1)
    rows, *edges = _cut(fetched, size, after, before)
    items = await load([raw for _, raw in rows if raw is not None])
    return _with_cursors(items, scope, rows, tuple(edges), after, before)


def _page_keys(
    scope: str, after: str | None, before: str | None, size: Any, check_key: Callable[[Key], bool]
) -> tuple[int, dict[str, Key]]:
    size = check_size(size)
    if after is not None and before is not None:
        raise InvalidPageException("Pass after= or before=, not both: a page is read from one cursor.")
    keys = {}
    for name, cursor in (("after", after), ("before", before)):
        if cursor is not None:
            key = unsign_cursor(scope, cursor)
            if not check_key(key):
                raise InvalidCursorException(
                    f"The {name} cursor does not fit this list's backend; start again from the first page."
                )
            keys[name] = key
    return size, keys


def _cut(
    rows: list[Keyed], size: int, after: str | None, before: str | None
) -> tuple[list[Keyed], bool, bool]:
    """The page's rows of ``size + 1`` fetched, and whether pages follow and precede it."""
    more = len(rows) > size
    if before is not None:
        return (rows[-size:] if more else rows), True, more
    return rows[:size], more, after is not None


def _with_cursors(
    items: list[Any],
    scope: str,
    rows: list[Keyed],
    edges: tuple[bool, bool],
    after: str | None,
    before: str | None,
) -> CursorPage:
    has_next, has_previous = edges
    page = CursorPage(items=items)
    if rows:
        if has_next:
            page.next_cursor = sign_cursor(scope, rows[-1][0])
        if has_previous:
            page.previous_cursor = sign_cursor(scope, rows[0][0])
    elif before is not None:
        page.next_cursor = before
    elif after is not None:
        page.previous_cursor = after
    return page
