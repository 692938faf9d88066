"""The contract every follow storage backend fulfils.

Backends speak in :class:`~sequere.refs.Ref` (identifier, object id as a string), never in model
instances: loading instances, pagination, validation, exceptions and signals are written once,
above them, in :mod:`sequere.api` and :mod:`sequere.results`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async

from ..refs import Edge, Ref
from .relations import BLOCKS, MUTES, RelationsContract

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

FOLLOWERS = "followers"
FOLLOWINGS = "followings"
FRIENDS = "friends"
KINDS = (FOLLOWERS, FOLLOWINGS, FRIENDS)
#: Pending follow requests: those ``ref`` received (it requires approval) and those it sent.
REQUESTS = "requests"
SENT_REQUESTS = "sent_requests"
REQUEST_KINDS = (REQUESTS, SENT_REQUESTS)

#: What :meth:`BaseBackend.add_request` and :meth:`BaseBackend.approve_request` answer.
ADDED = "added"  # the request is now pending
PENDING = "pending"  # a request of this pair was already pending: nothing changed
FOLLOWING = "following"  # the requester already follows the account (a request: nothing changed)
APPROVED = "approved"  # the request is gone and the edge made
MISSING = "missing"  # no such request: nothing changed

__all__ = [
    "BLOCKS",
    "FOLLOWERS",
    "FOLLOWINGS",
    "FRIENDS",
    "KINDS",
    "MUTES",
    "REQUESTS",
    "SENT_REQUESTS",
    "BaseBackend",
]


class BaseBackend(RelationsContract, abc.ABC):
    """Stores directed follow edges between :class:`Ref` pairs.

    Constructors must do no I/O: connections are opened on first use.

    The async twins (:meth:`aadd`, :meth:`aremove`, :meth:`aexists`, :meth:`acount`,
    :meth:`afetch`, :meth:`afetch_keyset`) answer exactly what their sync methods answer. Their
    defaults run the sync method in a worker thread (``sync_to_async``, thread-sensitive, so
    database connections stay with Django's); backends with an async client override them with
    native async I/O.
    """

    #: True when writes join the caller's database transaction (and roll back with it).
    joins_database_transaction: bool = False

    @classmethod
    def check(cls) -> list[CheckMessage]:
        """System check messages for this backend's configuration (``manage.py check``).

        Called on the class, never on an instance: it must open no connection. The default finds
        nothing; backends report what they need (an installed app, an optional package, a valid
        setting) with stable ids.
        """
        return []

    @abc.abstractmethod
    def add(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """Store "``from_ref`` follows ``to_ref``" at ``created_at``, atomically.

        Returns True when the edge was created, False when it already existed (then nothing,
        including its date, changes). Raises :class:`~sequere.exceptions.BlockedException` (and
        stores nothing) when a block stands between the two, checked in the same atomic step
        (see :class:`~sequere.backends.relations.RelationsContract`).
        """

    @abc.abstractmethod
    def remove(self, from_ref: Ref, to_ref: Ref) -> bool:
        """Delete the edge atomically; True if it existed, False (and no change) otherwise."""

    @abc.abstractmethod
    def exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """Whether ``from_ref`` follows ``to_ref``."""

    def made(self, operation: str, from_ref: Ref, to_ref: Ref, token: str) -> bool:
        """Whether a write that raised :class:`~sequere.exceptions.OutcomeUnknownException` was made.

        ``operation`` and ``token`` are the exception's (``"follow"`` with the edge's date in
        microseconds, or ``"unfollow"`` with its operation id). Only a backend whose writes can
        lose their reply raises that exception; the default, for the others, answers from
        :meth:`exists`. Raises :class:`~sequere.exceptions.BackendUnavailableException` while the
        store does not answer.
        """
        return self.exists(from_ref, to_ref) == (operation == "follow")

    @abc.abstractmethod
    def fetch(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        """One page of ``ref``'s followers, followings or friends (``kind``), or of the refs it
        blocks or mutes (``BLOCKS``, ``MUTES``).

        ``kind`` may also be :data:`REQUESTS` or :data:`SENT_REQUESTS` (pending follow requests
        received or sent, dated when made), in the same order and with the same filters.

        Ordered by date (newest first when ``desc``), ties broken by the other side's ref in the
        same direction; ``identifier`` keeps only the other side's type. For friends the date is
        when the follow became mutual. Returns ``[]`` past the end or when ``ref`` has no edges.
        """

    def fetch_keyset(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """Up to ``limit`` edges of :meth:`fetch`'s list next to a key, each as ``(key, edge)``.

        The cursor page primitive (see :mod:`sequere.cursors`). A key is this backend's sort key
        of one edge, a tuple of strings and integers that :meth:`is_key` accepts, such that the
        list is ordered by it (reversed when ``desc``). With ``after``, the first ``limit`` edges
        that come strictly after it in the list's order; with ``before``, the ``limit`` edges
        strictly before it that are nearest to it; with neither, the first ``limit``. Rows are
        always in the list's order. The key need not belong to an edge that still exists. The
        cost must not depend on how deep in the list the key is (a seek, never an offset).

        Backends that support cursor pages implement it; the default raises NotImplementedError.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement cursor pages (fetch_keyset).")

    def is_key(self, key: tuple) -> bool:
        """Whether ``key`` (decoded from a signed cursor) has the shape of this backend's keys."""
        return all(isinstance(part, (str, int)) and not isinstance(part, bool) for part in key)

    @abc.abstractmethod
    def count(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """How many edges :meth:`fetch` would return without offset and limit; 0 when none."""

    # -- async twins (defaults: the sync method in a worker thread) ------------------------------
    async def aadd(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """:meth:`add`, awaited."""
        return await sync_to_async(self.add)(from_ref, to_ref, created_at)

    async def aremove(self, from_ref: Ref, to_ref: Ref) -> bool:
        """:meth:`remove`, awaited."""
        return await sync_to_async(self.remove)(from_ref, to_ref)

    async def aexists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """:meth:`exists`, awaited."""
        return await sync_to_async(self.exists)(from_ref, to_ref)

    async def acount(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """:meth:`count`, awaited."""
        return await sync_to_async(self.count)(kind, ref, identifier=identifier)

    async def afetch(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        """:meth:`fetch`, awaited."""
        return await sync_to_async(self.fetch)(
            kind, ref, identifier=identifier, desc=desc, offset=offset, limit=limit
        )

    async def afetch_keyset(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """:meth:`fetch_keyset`, awaited."""
        return await sync_to_async(self.fetch_keyset)(
            kind, ref, identifier=identifier, desc=desc, after=after, before=before, limit=limit
        )

    @abc.abstractmethod
    def remove_all(self, ref: Ref) -> int:
        """Delete every edge from or to ``ref`` (it was deleted); return how many were removed.

        Pending follow requests from or to ``ref`` go too (not counted).
        """

    # -- follow requests (see sequere.follow_requests) -------------------------------------------
    # Backends without them keep these defaults; follow() of an account whose
    # ModelBase.requires_approval() says True then raises NotImplementedError.
    def add_request(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """Store "``from_ref`` asks to follow ``to_ref``" at ``created_at``, atomically.

        Returns :data:`ADDED`; or, changing nothing, :data:`FOLLOWING` when the edge already
        exists and :data:`PENDING` when a request of this pair is pending. One write (one SQL
        statement, one round trip per slot). A resend after a lost reply that finds the
        request at exactly ``created_at`` answers :data:`ADDED` (it is this call's own).
        Requests are not edges: :meth:`exists`, :meth:`count` and the follow lists ignore them.
        """
        raise NotImplementedError(f"{type(self).__name__} does not store follow requests.")

    def iter_requests(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every pending follow request as ``(from, to, created_at)``, in lists of at most
        ``chunk_size`` (``sequere_migrate`` copies them after the edges, blocks and mutes)."""
        raise NotImplementedError(f"{type(self).__name__} does not store follow requests.")

    def approve_request(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """Turn the pending request into the edge ``from_ref -> to_ref`` dated ``created_at``.

        Atomic on one store: the request removed and the edge added together (a database
        transaction; one Lua script on a single Redis; on Redis Cluster the followed's half
        first, in one script that removes the request, then the follower's half, see
        :mod:`sequere.backends.redis.cluster`). Returns :data:`APPROVED`; :data:`FOLLOWING`
        when the edge already existed (the request is removed all the same); :data:`MISSING`,
        changing nothing, when no request is pending.
        """
        raise NotImplementedError(f"{type(self).__name__} does not store follow requests.")

    def finish_approval(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """After an approval raised OutcomeUnknownException: complete what it left (idempotent).

        Returns whether the edge dated ``created_at`` is there now (the approval was made).
        The default answers from :meth:`exists`.
        """
        return self.exists(from_ref, to_ref)

    def remove_request(self, from_ref: Ref, to_ref: Ref) -> bool:
        """Delete the pending request (denied or cancelled); True if it was pending, else False
        and no change."""
        raise NotImplementedError(f"{type(self).__name__} does not store follow requests.")

    def remove_requests_between(self, a: Ref, b: Ref) -> int:
        """Delete the pending requests of the pair both ways (``block()`` calls it once the block
        is stored, so none can be made after); how many were pending. The default removes each."""
        return int(self.remove_request(a, b)) + int(self.remove_request(b, a))

    def request_exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """Whether ``from_ref``'s request to follow ``to_ref`` is pending."""
        raise NotImplementedError(f"{type(self).__name__} does not store follow requests.")

    async def arequest_exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """:meth:`request_exists`, awaited (default: in a worker thread)."""
        return await sync_to_async(self.request_exists)(from_ref, to_ref)

    def iter_refs(self, kind: str, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """Every ref of ``ref``'s ``kind`` list, oldest first, in lists of ``chunk_size``.

        Used by the timeline fan-out: no model instance is loaded. Backends may override this with
        a cheaper cursor; the default pages through :meth:`fetch`.
        """
        offset = 0
        while True:
            edges = self.fetch(kind, ref, desc=False, offset=offset, limit=chunk_size)
            if not edges:
                return
            yield [edge.ref for edge in edges]
            if len(edges) < chunk_size:
                return
            offset += chunk_size

    def iter_audience(self, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """``ref``'s followers that may see its actions, oldest first, in lists of at most
        ``chunk_size``: :meth:`iter_refs` of the followers less those that mute or block ``ref``
        or that ``ref`` blocks (:meth:`hidden_among`).

        What the timeline fan-out reads. Backends override it to filter in the same read as the
        chunk (no extra call); the default spends one :meth:`hidden_among` per chunk. A chunk may
        come out shorter than ``chunk_size``, or empty, before the end.
        """
        for chunk in self.iter_refs(FOLLOWERS, ref, chunk_size):
            hidden = self.hidden_among(ref, chunk) if self.supports_relations else set()
            yield [other for other in chunk if other not in hidden] if hidden else chunk

    def add_many(self, edges: Iterable[tuple[Ref, Ref, datetime]]) -> int:
        """Store many edges (a migration); existing ones are left alone. Returns how many were new."""
        return sum(self.add(from_ref, to_ref, created_at) for from_ref, to_ref, created_at in edges)

    def iter_edges(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every stored edge as ``(from_ref, to_ref, created_at)``, in lists of ``chunk_size``.

        Backends that can enumerate their whole store implement it (used by ``sequere_migrate``).
        """
        raise NotImplementedError(f"{type(self).__name__} cannot list all of its edges.")

    def total_edges(self) -> int:
        """How many edges are stored in all (``sequere_migrate`` shows and verifies it).

        The default counts what :meth:`iter_edges` yields; backends override it with a cheap count.
        """
        return sum(len(chunk) for chunk in self.iter_edges())

    def distinct_refs(self, chunk_size: int = 1000) -> Iterator[tuple[Ref, datetime | None]]:
        """Every distinct ref the store holds, ordered by ref, each with its newest edge's date.

        ``sequere_check`` looks each one up in the database. The date (None when unknown) lets it
        spare refs whose edges are too young to judge. The default reads :meth:`iter_edges`.
        """
        newest: dict[Ref, datetime] = {}
        for chunk in self.iter_edges(chunk_size=chunk_size):
            for from_ref, to_ref, created_at in chunk:
                for ref in (from_ref, to_ref):
                    if ref not in newest or created_at > newest[ref]:
                        newest[ref] = created_at
        for ref in sorted(newest):
            yield ref, newest[ref]

    def audit(self, fix: bool = False) -> dict:
        """Check the store's internal consistency (``manage.py sequere_check``).

        Returns ``{"checked": int, "problems": [str, ...], "fixed": int}``: how many edges were
        examined, one readable line per inconsistency found, and how many repairs were made
        (always 0 unless ``fix``). Every built-in backend implements it; the default, for a
        backend that has no audit of its own, raises NotImplementedError (``sequere_check`` then
        says so and checks the objects only).
        """
        raise NotImplementedError(f"{type(self).__name__} has no consistency audit.")
