"""Follow edges in Redis sorted sets (key layout in :mod:`sequere.backends.redis.keys`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.utils import timezone

from ...conf import sequere_settings
from ...connections import get_client, is_cluster
from ...refs import Edge, Ref
from ...registration import registry
from ...timeutils import from_micros, to_micros
from ..base import FOLLOWERS, FOLLOWINGS, FRIENDS, BaseBackend
from . import scripts
from .errors import translate_errors, unavailable_errors
from .keys import FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE, KeyBuilder

CODE = {FOLLOWERS: FOLLOWERS_CODE, FOLLOWINGS: FOLLOWINGS_CODE, FRIENDS: FRIENDS_CODE}
#: Key codes of each half of an edge, follower's then followed's, for "add" and "remove".
HALF_CODES = {
    "add": (
        (FOLLOWINGS_CODE, FOLLOWERS_CODE, FRIENDS_CODE),
        (FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE),
    ),
    "remove": ((FOLLOWINGS_CODE, FRIENDS_CODE), (FOLLOWERS_CODE, FRIENDS_CODE)),
}
#: Edges per pipeline in bulk writes (``add_many``, ``remove_all``).
WRITE_BATCH = 500
#: Keys read per pipeline when walking the whole store (``iter_edges``, ``total_edges``).
SCAN_BATCH = 1000


class RedisBackend(BaseBackend):
    """Stores each edge twice, in the follower's followings and the followed's followers.

    Every list is split by the other side's identifier (one sorted set per type), so a filtered
    list or count reads one set and an unfiltered one merges a few inside one Lua call. Friends
    sets are kept by the same scripts that write the edges, each on its own resource's slot, so
    they stay right whatever order two opposite follows arrive in.

    On a single Redis a follow or unfollow is one script over both resources (one round trip,
    atomic); on Redis Cluster it is one script per resource, both sent in one pipeline. There each
    half is a last-writer-wins register per edge ordered by the operation's time (the follow's
    ``created_at``, the unfollow's ``timezone.now()``) and backed by tombstones, so both halves
    apply racing calls by the same rule and agree whatever order they reach the two nodes in.
    """

    def __init__(self) -> None:
        self._keys: KeyBuilder | None = None
        self._client: Any = None
        self._cluster = False
        self._errors: tuple[type[BaseException], ...] = ()

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def keys(self) -> KeyBuilder:
        """The key builder for ``SEQUERE_REDIS_PREFIX`` (built on first use)."""
        if self._keys is None:
            self._keys = KeyBuilder(sequere_settings.REDIS_PREFIX)
        return self._keys

    @property
    def client(self) -> Any:
        """The shared ``"follow"`` client from :func:`sequere.connections.get_client`."""
        if self._client is None:
            self._client = get_client("follow")
            self._cluster = is_cluster(self._client)
            self._errors = unavailable_errors()
        return self._client

    def _guard(self):
        return translate_errors(self.client, self._errors)

    @staticmethod
    def _identifiers(identifier: str | None) -> list[str]:
        if identifier is not None:
            return [identifier]
        return sorted(registry.get(model).identifier for model in registry.models)

    def _side_calls(self, op: str, from_ref: Ref, to_ref: Ref) -> list[tuple[list[str], list[str]]]:
        """(keys, members) of each resource's half of an edge: the follower's, then the followed's.

        A follow half is (list the member joins, the reverse list, friends); an unfollow half
        is (list the member leaves, friends). See the Lua scripts.
        """
        follower_codes, followed_codes = HALF_CODES[op]
        key = self.keys.key
        return [
            ([key(from_ref, code, to_ref.identifier) for code in follower_codes], [to_ref.object_id]),
            ([key(to_ref, code, from_ref.identifier) for code in followed_codes], [from_ref.object_id]),
        ]

    def _half_call(self, op: str, from_ref: Ref, to_ref: Ref, side: int, stamp: int) -> scripts.Call:
        """Redis Cluster: the script call of one half (0 the follower's, 1 the followed's).

        ``stamp`` is the operation's time in microseconds (the score of a follow). The keys are
        the resource's list the member joins or leaves, its reverse list, friends and tombstones.
        """
        ref, other = (from_ref, to_ref) if side == 0 else (to_ref, from_ref)
        codes = HALF_CODES["add"][side]
        keys = [self.keys.key(ref, code, other.identifier) for code in codes]
        keys.append(self.keys.tombstones(ref, codes[0], other.identifier))
        script = scripts.FOLLOW_HALF if op == "add" else scripts.UNFOLLOW_HALF
        return (script, keys, [str(stamp), other.object_id])

    def _write_calls(self, op: str, from_ref: Ref, to_ref: Ref, stamp: int | None = None) -> list:
        """The script calls of one follow (``op="add"``) or unfollow: one, or one per slot.

        ``stamp`` is the follow's score; on a cluster an unfollow needs it too (its time).
        """
        if self._cluster:
            if stamp is None:
                stamp = to_micros(timezone.now())
            return [self._half_call(op, from_ref, to_ref, side, stamp) for side in (0, 1)]
        script = scripts.FOLLOW if op == "add" else scripts.UNFOLLOW
        prefix = [str(stamp)] if op == "add" else []
        (keys_a, member_a), (keys_b, member_b) = self._side_calls(op, from_ref, to_ref)
        return [(script, keys_a + keys_b, prefix + member_a + member_b)]

    def _write(self, op: str, from_ref: Ref, to_ref: Ref, stamp: int | None = None) -> bool:
        client = self.client
        with self._guard():
            calls = self._write_calls(op, from_ref, to_ref, stamp)
            if len(calls) == 1:
                script, keys, args = calls[0]
                result = script(client, keys, args)
            else:
                result = scripts.run_many(client, calls)[0]
            # The follower's half (bit 1) decides: on a cluster two racing calls may each come
            # first on one half, but only one can come first on the follower's.
            return bool(int(result) & 1)

    # -- the contract --------------------------------------------------------------------------
    def add(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """One script (per slot on a cluster); ``ZADD NX`` keeps the first date when it exists.

        On Redis Cluster a follow dated at or before the edge's last unfollow is refused (False).
        """
        return self._write("add", from_ref, to_ref, to_micros(created_at))

    def remove(self, from_ref: Ref, to_ref: Ref, removed_at: datetime | None = None) -> bool:
        """One script (per slot on a cluster) removing both halves and the friendship.

        On Redis Cluster the unfollow is ordered against follows of the same edge by its time,
        ``removed_at`` (default: now): it removes no follow dated after it, and a follow dated at
        or before it that arrives later is refused. A single Redis ignores ``removed_at``.
        """
        self.client  # noqa: B018 - connect first: the cluster flag decides the scripts
        stamp = to_micros(removed_at) if removed_at is not None and self._cluster else None
        return self._write("remove", from_ref, to_ref, stamp)

    def exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``ZSCORE`` on the follower's followings."""
        client = self.client
        with self._guard():
            key = self.keys.key(from_ref, FOLLOWINGS_CODE, to_ref.identifier)
            return client.zscore(key, to_ref.object_id) is not None

    def _edges(self, rows: list[Any], identifiers: list[str]) -> list[Edge]:
        return [
            Edge(Ref(identifiers[int(rows[j]) - 1], rows[j + 1]), from_micros(rows[j + 2]))
            for j in range(0, len(rows), 3)
        ]

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
        """One ``EVALSHA`` of ``fetch.lua`` over the ref's sets of ``kind`` (one per type)."""
        identifiers = self._identifiers(identifier)
        keys = self.keys.keys(ref, CODE[kind], identifiers)
        client = self.client
        with self._guard():
            rows = scripts.FETCH(client, keys, ["1" if desc else "0", offset, -1 if limit is None else limit])
        return self._edges(rows, identifiers)

    def count(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """``ZCARD`` of the set (one call; a script summing the per-type sets when unfiltered)."""
        client = self.client
        with self._guard():
            if identifier is not None:
                return client.zcard(self.keys.key(ref, CODE[kind], identifier))
            keys = self.keys.keys(ref, CODE[kind], self._identifiers(None))
            return scripts.COUNT(client, keys, [])

    def iter_refs(self, kind: str, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """Keyset pages through ``after.lua``: one round trip per chunk, stable under writes."""
        identifiers = self._identifiers(None)
        keys = self.keys.keys(ref, CODE[kind], identifiers)
        client = self.client
        cursor: list[Any] = ["", 0, ""]
        while True:
            with self._guard():
                rows = scripts.AFTER(client, keys, [chunk_size, *cursor])
            if not rows:
                return
            yield [Ref(identifiers[int(rows[j]) - 1], rows[j + 1]) for j in range(0, len(rows), 3)]
            if len(rows) < 3 * chunk_size:
                return
            cursor = [rows[-1], rows[-3], rows[-2]]

    def remove_all(self, ref: Ref) -> int:
        """Unfollow every edge of ``ref`` in pipelined batches, then delete its keys."""
        client = self.client
        removed = 0
        identifiers = self._identifiers(None)
        for code in (FOLLOWINGS_CODE, FOLLOWERS_CODE):
            for identifier in identifiers:
                key = self.keys.key(ref, code, identifier)
                while True:
                    with self._guard():
                        members = client.zrange(key, 0, WRITE_BATCH - 1)
                    if not members:
                        break
                    calls = []
                    for member in members:
                        other = Ref(identifier, member)
                        pair = (ref, other) if code == FOLLOWINGS_CODE else (other, ref)
                        calls.extend(self._write_calls("remove", *pair))
                    with self._guard():
                        scripts.run_many(client, calls)
                    removed += len(members)
        doomed = [self.keys.key(ref, code, i) for code in CODE.values() for i in identifiers]
        if self._cluster:
            codes = (FOLLOWERS_CODE, FOLLOWINGS_CODE)
            doomed += [self.keys.tombstones(ref, code, i) for code in codes for i in identifiers]
        with self._guard():
            client.delete(*doomed)
        return removed

    def add_many(self, edges: Iterable[tuple[Ref, Ref, datetime]]) -> int:
        """Pipelined follow scripts, :data:`WRITE_BATCH` edges per round trip; returns new edges."""
        client = self.client
        new = 0
        batch: list[tuple[Ref, Ref, datetime]] = []

        def flush() -> int:
            calls, owners = [], []
            for index, (from_ref, to_ref, created_at) in enumerate(batch):
                edge_calls = self._write_calls("add", from_ref, to_ref, to_micros(created_at))
                calls.extend(edge_calls)
                owners.extend([index] * len(edge_calls))
            with self._guard():
                results = scripts.run_many(client, calls)
            batch.clear()
            return len({owner for owner, result in zip(owners, results, strict=True) if result > 0})

        for edge in edges:
            batch.append(edge)
            if len(batch) >= WRITE_BATCH:
                new += flush()
        if batch:
            new += flush()
        return new

    def _scan_keys(self, code: str) -> Iterator[str]:
        client = self.client
        with self._guard():
            yield from client.scan_iter(match=self.keys.pattern(code), count=SCAN_BATCH)

    def iter_edges(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every edge, read from the followings sets found by ``SCAN`` (all nodes of a cluster).

        The sets of a ``SCAN`` batch are read in one pipeline; a set longer than ``chunk_size``
        is read on in further ranges.
        """
        client = self.client
        chunk: list[tuple[Ref, Ref, datetime]] = []
        keys: list[str] = []

        def read(batch: list[str]) -> Iterator[tuple[Ref, Ref, datetime]]:
            with self._guard():
                pipe = client.pipeline(transaction=False)
                for key in batch:
                    pipe.zrange(key, 0, chunk_size - 1, withscores=True)
                first_pages = pipe.execute()
            for key, rows in zip(batch, first_pages, strict=True):
                from_ref, _, identifier = self.keys.parse(key)
                start = 0
                while True:
                    for member, score in rows:
                        yield from_ref, Ref(identifier, member), from_micros(score)
                    if len(rows) < chunk_size:
                        break
                    start += chunk_size
                    with self._guard():
                        rows = client.zrange(key, start, start + chunk_size - 1, withscores=True)

        def drain(batch: list[str]) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
            for edge in read(batch):
                chunk.append(edge)
                if len(chunk) >= chunk_size:
                    yield chunk[:]
                    chunk.clear()

        for key in self._scan_keys(FOLLOWINGS_CODE):
            keys.append(key)
            if len(keys) >= SCAN_BATCH:
                yield from drain(keys)
                keys = []
        yield from drain(keys)
        if chunk:
            yield chunk

    def total_edges(self) -> int:
        """How many edges are stored: the sum of ``ZCARD`` over every followings set."""
        client = self.client
        total = 0
        batch: list[str] = []
        for key in self._scan_keys(FOLLOWINGS_CODE):
            batch.append(key)
            if len(batch) >= SCAN_BATCH:
                total += self._zcard_sum(client, batch)
                batch = []
        return total + self._zcard_sum(client, batch)

    def _zcard_sum(self, client: Any, keys: list[str]) -> int:
        if not keys:
            return 0
        with self._guard():
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.zcard(key)
            return sum(pipe.execute())

    def audit(self, fix: bool = False) -> dict:
        """Check (and with ``fix`` repair) that both halves of every edge and every friends set agree.

        See :func:`sequere.backends.redis.audit.audit` for what is checked.
        """
        from .audit import audit

        return audit(self, fix=fix)
