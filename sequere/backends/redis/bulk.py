"""Whole-store and whole-resource operations of the Redis follow backend: bulk writes
(``add_many``, ``remove_all``), walks over every key (``scan_keys``, ``iter_edges``,
``total_edges``) and the audit. A mixin of :class:`~.backend.RedisBackend`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from ...refs import Ref
from ...timeutils import from_micros, to_micros
from .audit import audit_store
from .keys import CODE, FOLLOWERS_CODE, FOLLOWINGS_CODE

if TYPE_CHECKING:
    from .backend import RedisBackend

__all__ = ["BulkMethods", "SCAN_BATCH", "WRITE_BATCH"]

#: Edges (or members) per pipeline in bulk writes (``add_many``, ``remove_all``, and the
#: relation and request clean-ups).
WRITE_BATCH = 500
#: Keys read per pipeline when walking the whole store (``iter_edges``, ``total_edges``).
SCAN_BATCH = 1000


class BulkMethods:
    """Bulk writes, store walks and the audit of :class:`~.backend.RedisBackend`."""

    def remove_all(self: RedisBackend, ref: Ref) -> int:
        """Unfollow every edge of ``ref`` in pipelined batches, then delete its keys."""
        link, writes = self.link, self.writes
        removed = 0
        identifiers = self._identifiers(None)
        for code in (FOLLOWINGS_CODE, FOLLOWERS_CODE):
            for identifier in identifiers:
                key = self.keys.key(ref, code, identifier)
                while True:
                    with link.errors:
                        members = link.client.zrange(key, 0, WRITE_BATCH - 1)
                    if not members:
                        break
                    calls = []
                    for member in members:
                        other = Ref(identifier, member)
                        pair = (ref, other) if code == FOLLOWINGS_CODE else (other, ref)
                        calls.extend(writes.unfollow(*pair, op=""))
                    link.run_many(calls)
                    removed += len(members)
        self.remove_requests_of(ref, identifiers)
        doomed = [self.keys.key(ref, code, i) for code in CODE.values() for i in identifiers]
        doomed += self.forget_relations(ref, identifiers)
        doomed += writes.resource_keys(ref, identifiers)
        with link.errors:
            # one DEL: every key carries the resource's hash tag, so one slot on a cluster too
            link.client.delete(*doomed)
        return removed

    def add_many(self: RedisBackend, edges: Iterable[tuple[Ref, Ref, datetime]]) -> int:
        """Pipelined follow scripts, :data:`WRITE_BATCH` edges per round trip; returns new edges."""
        link, writes = self.link, self.writes
        new = 0
        batch: list[tuple[Ref, Ref, datetime]] = []

        def flush() -> int:
            per_edge = [writes.follow(a, b, to_micros(created_at)) for a, b, created_at in batch]
            results = link.run_many([call for calls in per_edge for call in calls])
            batch.clear()
            written, start = 0, 0
            for calls in per_edge:
                written += writes.outcome(results[start : start + len(calls)]).changed
                start += len(calls)
            return written

        for edge in edges:
            batch.append(edge)
            if len(batch) >= WRITE_BATCH:
                new += flush()
        if batch:
            new += flush()
        return new

    def scan_keys(self: RedisBackend, code: str) -> Iterator[str]:
        """Every key of kind ``code`` (i/o/m/ti/to) under the prefix, by ``SCAN`` (every node)."""
        link = self.link
        with link.errors:
            yield from link.client.scan_iter(match=self.keys.pattern(code), count=SCAN_BATCH)

    def iter_edges(self: RedisBackend, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every edge, read from the followings sets (:meth:`iter_scored`)."""
        return self.iter_scored(FOLLOWINGS_CODE, chunk_size)

    def iter_scored(
        self: RedisBackend, code: str, chunk_size: int = 1000
    ) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """``(owner, member, date)`` of every member of every set of kind ``code``, in lists of at
        most ``chunk_size``: the sets found by ``SCAN`` (all nodes of a cluster), those of a
        ``SCAN`` batch read in one pipeline, a set longer than ``chunk_size`` on in further ranges.
        """
        link = self.link
        chunk: list[tuple[Ref, Ref, datetime]] = []
        keys: list[str] = []

        def read(batch: list[str]) -> Iterator[tuple[Ref, Ref, datetime]]:
            pipe = link.pipeline()
            for key in batch:
                pipe.pipe.zrange(key, 0, chunk_size - 1, withscores=True)
            first_pages = pipe.execute()
            for key, rows in zip(batch, first_pages, strict=True):
                owner, _, identifier = self.keys.parse(key)
                start = 0
                while True:
                    for member, score in rows:
                        yield owner, Ref(identifier, member), from_micros(score)
                    if len(rows) < chunk_size:
                        break
                    start += chunk_size
                    with link.errors:
                        rows = link.client.zrange(key, start, start + chunk_size - 1, withscores=True)

        def drain(batch: list[str]) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
            for edge in read(batch):
                chunk.append(edge)
                if len(chunk) >= chunk_size:
                    yield chunk[:]
                    chunk.clear()

        for key in self.scan_keys(code):
            keys.append(key)
            if len(keys) >= SCAN_BATCH:
                yield from drain(keys)
                keys = []
        yield from drain(keys)
        if chunk:
            yield chunk

    def total_edges(self: RedisBackend) -> int:
        """How many edges are stored: the sum of ``ZCARD`` over every followings set."""
        total = 0
        batch: list[str] = []
        for key in self.scan_keys(FOLLOWINGS_CODE):
            batch.append(key)
            if len(batch) >= SCAN_BATCH:
                total += self._zcard_sum(batch)
                batch = []
        return total + self._zcard_sum(batch)

    def _zcard_sum(self: RedisBackend, keys: list[str]) -> int:
        if not keys:
            return 0
        pipe = self.link.pipeline()
        for key in keys:
            pipe.pipe.zcard(key)
        return sum(pipe.execute())

    def audit(self: RedisBackend, fix: bool = False) -> dict:
        """Check (and with ``fix`` repair) both halves of every edge, friends sets and tombstones.

        See :mod:`sequere.backends.redis.audit` for what is checked.
        """
        return audit_store(self, fix=fix)
