"""Hybrid fan-out on the Redis timeline backend: pulled followings and merged private reads.

Each owner's pulled followings are a ZSET (``keys.pulling``) under its own hash tag, so reading
it is queued in the same pipeline as the plain page (or count) of its private timeline: a reader
who follows no pulled actor pays nothing more. One who does pays one more round trip on a single
Redis, a ``merge_page``/``merge_count`` call that walks the private LIST and the pulled actors'
public LISTs newest first (only as far as the page needs); on a Redis Cluster those lists live on
other nodes, so their newest entries are read with one pipeline (one round trip per node) and
merged in Python (:mod:`.merge`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from functools import lru_cache
from itertools import takewhile
from typing import Any

from ....conf import sequere_settings
from ....redis.scripts import Script, ScriptCall
from ....refs import Ref
from ..records import PRIVATE, PUBLIC
from . import entries, merge
from .keys import ref_field
from .redis_reads import NEVER_DECODE

PULL = Script(__package__, "pull")
MERGE_PAGE = Script(__package__, "merge_page")
MERGE_COUNT = Script(__package__, "merge_count")
MERGE_SEEK = Script(__package__, "merge_seek")
MERGE_PAGE_CHECKED = Script(__package__, "merge_page_checked")
MERGE_SEEK_CHECKED = Script(__package__, "merge_seek_checked")
#: Owners whose pulled followings a process remembers (checked by the server on every use).
KNOWN_PULLED_SIZE = 10_000
_DATE = struct.Struct(">q")
_CODES = struct.Struct(">II")


def member(ref: Ref) -> str:
    """A ref as a member of a ``pulling`` ZSET."""
    return json.dumps([ref.identifier, ref.object_id])


@lru_cache(maxsize=4096)
def _member_ref(name: str) -> Ref:
    # pulled actors are the few popular accounts many readers share: decoded once per process
    return Ref(*(str(part) for part in json.loads(name)))


def decode_pulled(raw: Sequence[Any]) -> dict[Ref, int]:
    """``ZRANGE ... WITHSCORES`` of a ``pulling`` ZSET as ``{actor: cutoff}``."""
    return {_member_ref(name): int(score) for name, score in raw}


def _date(entry: bytes) -> int:
    return _DATE.unpack_from(entry)[0]


def _key(entry: bytes) -> tuple[int, str]:
    return _date(entry), entries.unpack_id(entry)


def _keeps(verb: str | None, target: str | None):
    want_verb = None if verb is None else entries.name_code(verb)
    want_target = None if target is None else entries.name_code(target)

    def keeps(entry: bytes) -> bool:
        verb_code, target_code = _CODES.unpack_from(entry, entries.VERB)
        return (want_verb is None or verb_code & 0x7FFF_FFFF == want_verb) and (
            want_target is None or target_code == want_target
        )

    return keeps


class _Row:
    """A page row as ``_keyed`` reads it (``date``, ``id``)."""

    __slots__ = ("date", "id")

    def __init__(self, date: int, action_id: str) -> None:
        self.date, self.id = date, action_id


class PullMixin:
    """The pull half of :class:`~.redis.RedisBackend` (which provides ``link``, ``keys`` and the
    plain reads)."""

    link: Any
    keys: Any
    #: owner -> the members and cutoffs of its ``pulling`` ZSET, in ZRANGE order, last read
    _known_pulled: dict[Ref, tuple[tuple[str, ...], tuple[int, ...]]]

    @staticmethod
    def _cap() -> int:
        return int(sequere_settings.TIMELINE_MAX_LENGTH)

    # pulled followings

    def pull(self, owners: Sequence[Ref], actor: Ref, *, cutoff: int, since: int | None = None) -> int:
        if not owners:
            return 0
        args = {
            "since": "" if since is None else since,
            "actor": ref_field(actor),
            "member": member(actor),
            "cutoff": int(cutoff),
        }
        groups: dict[Any, list[str]] = {}
        for owner in owners:
            pair = self.keys.pulling_pair(owner)
            slot = self.link.client.keyslot(pair[0]) if self.link.cluster else 0
            groups.setdefault(slot, []).extend(pair)
        calls = [ScriptCall(PULL, {"pairs": pairs}, args) for pairs in groups.values()]
        return sum(int(result["pulled"]) for result in self.link.run_many(calls))

    def unpull(self, owners: Sequence[Ref], actor: Ref) -> int:
        if not owners:
            return 0
        pipe = self.link.pipeline()
        for owner in owners:
            pipe.pipe.zrem(self.keys.pulling(owner), member(actor))
        return sum(int(n) for n in pipe.execute())

    def get_pulled(self, owner: Ref) -> dict[Ref, int]:
        link = self.link
        with link.errors:
            return decode_pulled(link.client.zrange(self.keys.pulling(owner), 0, -1, withscores=True))

    def get_cutoffs(self, owners: Sequence[Ref], actor: Ref) -> dict[Ref, int]:
        if not owners:
            return {}
        pipe = self.link.pipeline()
        for owner in owners:
            pipe.pipe.zscore(self.keys.pulling(owner), member(actor))
        scores = pipe.execute()
        return {owner: int(score) for owner, score in zip(owners, scores, strict=True) if score is not None}

    def set_pull_mode(self, actor: Ref, since: int | None) -> None:
        link = self.link
        with link.errors:
            if since is None:
                link.client.delete(self.keys.pull_mode(actor))
            else:
                link.client.set(self.keys.pull_mode(actor), int(since))

    def get_pull_mode(self, actor: Ref) -> int | None:
        link = self.link
        with link.errors:
            value = link.client.get(self.keys.pull_mode(actor))
        return None if value is None else int(value)

    # merged reads

    def _with_pulled(self, owner: Ref, call: Any) -> tuple[dict[Ref, int], Any]:
        """Run ``call`` (a ScriptCall, or a callable queuing on the pipe) with the pulled
        followings of ``owner`` in one pipeline; ``(pulled, reply)``."""
        pipe = self.link.pipeline()
        pipe.pipe.zrange(self.keys.pulling(owner), 0, -1, withscores=True)
        if isinstance(call, ScriptCall):
            pipe.script(call)
        else:
            call(pipe.pipe)
        raw, reply = pipe.execute()
        self._remember_pulled(owner, raw)
        return decode_pulled(raw), reply

    def _remember_pulled(self, owner: Ref, raw: Sequence[Any]) -> None:
        known = self.__dict__.setdefault("_known_pulled", {})
        if not raw:
            known.pop(owner, None)
            return
        if len(known) >= KNOWN_PULLED_SIZE:
            known.clear()
        known[owner] = (tuple(name for name, _ in raw), tuple(int(score) for _, score in raw))

    def checked_page_ids(
        self,
        owner: Ref,
        verb: str | None,
        target: str | None,
        desc: bool,
        offset: int,
        limit: int | None,
    ) -> list[str] | None:
        """One page of ``owner``'s merged private timeline in one round trip, from the pulled
        followings this process read last time (single Redis): ``merge_page_checked`` merges
        only if they are still the owner's. None when they are unknown or changed (the caller
        then reads them with the page, as for any owner)."""
        args = {
            **self._filter_args(verb, target),
            "desc": "1" if desc else "0",
            "offset": int(offset),
            "limit": "" if limit is None else int(limit),
        }
        reply = self._run_checked(owner, MERGE_PAGE_CHECKED, args)
        return None if reply is None else [str(action_id) for action_id in reply["ids"]]

    def _run_checked(self, owner: Ref, script: Script, args: dict[str, Any]) -> dict[str, Any] | None:
        """Run a ``*_checked`` script with the pulled followings remembered for ``owner``; its
        reply, or None when none are remembered (or on a cluster) or they changed."""
        known = self.__dict__.get("_known_pulled", {}).get(owner)
        if known is None or self.link.cluster:
            return None
        members, cutoffs = known
        keys = {
            "timeline": self.keys.timeline(owner, PRIVATE),
            "pulling": self.keys.pulling(owner),
            "publics": [self.keys.timeline(_member_ref(name), PUBLIC) for name in members],
        }
        args = {"cap": self._cap(), **args, "members": "\0".join(members), "cutoffs": list(cutoffs)}
        reply = self.link.run(ScriptCall(script, keys, args))
        if int(reply["fresh"]) != 1:
            self._known_pulled.pop(owner, None)
            return None
        return reply

    def checked_keyset(
        self,
        owner: Ref,
        *,
        verb: str | None,
        target: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
    ) -> list[tuple[tuple, Any]] | None:
        """:meth:`merged_keyset` in one round trip less, from the remembered pulled followings
        (see :meth:`checked_page_ids`); None when they are unknown or changed."""
        key = after if after is not None else before
        older = (after is not None) == desc if key is not None else desc
        args = {
            **self._filter_args(verb, target),
            "older": "1" if older else "0",
            "limit": int(limit),
            "cursor_date": "" if key is None else int(key[0]),
            "cursor_id": "" if key is None else key[1],
        }
        reply = self._run_checked(owner, MERGE_SEEK_CHECKED, args)
        if reply is None:
            return None
        return self._page_of(
            [(int(date), str(action_id)) for action_id, date in reply["rows"]], desc, verb, target
        )

    def _page_of(
        self, rows: list[tuple[int, str]], desc: bool, verb: str | None, target: str | None
    ) -> list[tuple[tuple, Any]]:
        """Keys of a merged cursor page (newest first) with their records, in the list's order."""
        if not desc:
            rows.reverse()
        values = self._values([action_id for _, action_id in rows])
        return self._keyed([_Row(date, action_id) for date, action_id in rows], values, verb, target)

    def _publics(self, pulled: dict[Ref, int]) -> tuple[list[str], list[int]]:
        actors = sorted(pulled)
        return [self.keys.timeline(actor, PUBLIC) for actor in actors], [pulled[a] for a in actors]

    def _read_lists(self, lists: Sequence[str], n: int, extra: Sequence[str] = ()) -> list[Any]:
        """The newest ``n`` entries of each list (raw bytes) and the value of each ``extra`` key:
        one pipeline (one round trip per node)."""
        pipe = self.link.pipeline()
        for key in lists:
            pipe.pipe.execute_command("LRANGE", key, -n, -1, **{NEVER_DECODE: True})
        for key in extra:
            pipe.pipe.get(key)
        return pipe.execute()

    def _cluster_walk(self, owner: Ref, pulled: dict[Ref, int], n: int, unread: bool = False):
        """The merged walk, and with ``unread`` the owner's read mark and public entries (all
        read in one pipeline)."""
        publics, cutoffs = self._publics(pulled)
        own = [self.keys.timeline(owner, PUBLIC)] if unread else []
        extra = [self.keys.read_at(owner)] if unread else []
        replies = self._read_lists([self.keys.timeline(owner, PRIVATE), *publics, *own], n, extra)
        lists, values = replies[: 1 + len(publics)], replies[1 + len(publics) :]
        sources = [reversed(lists[0])] + [
            takewhile(lambda e, c=cutoff: _date(e) >= c, reversed(found))
            for found, cutoff in zip(lists[1:], cutoffs, strict=True)
        ]
        return merge.walk(sources, _key, entries.unpack_id, self._cap()), values

    def merged_ids(
        self,
        owner: Ref,
        pulled: dict[Ref, int],
        verb: str | None,
        target: str | None,
        desc: bool,
        offset: int,
        limit: int | None,
    ) -> list[str]:
        """The ids of one page of ``owner``'s merged private timeline."""
        if not self.link.cluster:
            publics, cutoffs = self._publics(pulled)
            args = {
                "cap": self._cap(),
                **self._filter_args(verb, target),
                "desc": "1" if desc else "0",
                "offset": int(offset),
                "limit": "" if limit is None else int(limit),
                "cutoffs": cutoffs,
            }
            keys = {"timeline": self.keys.timeline(owner, PRIVATE), "publics": publics}
            return [row.id for row in self.link.run(ScriptCall(MERGE_PAGE, keys, args))]
        filtered = verb is not None or target is not None
        n = merge.reach(self._cap(), filtered=filtered, desc=desc, offset=offset, limit=limit)
        walked, _ = self._cluster_walk(owner, pulled, n)
        found = merge.page(walked, _keeps(verb, target), desc=desc, offset=offset, limit=limit)
        return [entries.unpack_id(entry) for entry in found]

    def merged_count(
        self,
        owner: Ref,
        pulled: dict[Ref, int],
        verb: str | None,
        target: str | None,
        after: int | None,
        unread: bool,
    ) -> int:
        """How many entries of ``owner``'s merged private timeline match (see ``merge_count.lua``)."""
        if not self.link.cluster:
            publics, cutoffs = self._publics(pulled)
            keys = {
                "timeline": self.keys.timeline(owner, PRIVATE),
                "own": self.keys.timeline(owner, PUBLIC),
                "read_at": self.keys.read_at(owner),
                "publics": publics,
            }
            args = {
                "cap": self._cap(),
                **self._filter_args(verb, target),
                "after": "" if after is None else int(after),
                "unread": "1" if unread else "0",
                "cutoffs": cutoffs,
            }
            return int(self.link.run(ScriptCall(MERGE_COUNT, keys, args))["count"])
        walked, values = self._cluster_walk(owner, pulled, self._cap(), unread)
        keeps = _keeps(verb, target)
        if not unread:
            return merge.count_after(walked, keeps, _date, after)
        own, mark = values
        mark = None if mark is None else int(mark)
        n = merge.count_after(walked, keeps, _date, mark)
        if n:
            n = max(n - merge.count_after(iter(reversed(own)), keeps, _date, mark), 0)
        return n

    def merged_keyset(
        self,
        owner: Ref,
        *,
        verb: str | None,
        target: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
        pulled: dict[Ref, int] | None = None,
    ) -> list[tuple[tuple, Any]]:
        """A cursor page of the merged private timeline: the keys of the page (one
        ``merge_seek`` call on a single Redis; the cluster walk in Python), then the records of
        the page only (one pipeline of ``GET``). ``pulled``: the owner's pulled followings, when
        the caller read them already."""
        if pulled is None:
            pulled = self.get_pulled(owner)
        key = after if after is not None else before
        # entries older than the key: the page below it in a newest-first list, above it oldest first
        older = (after is not None) == desc if key is not None else desc
        if not self.link.cluster:
            publics, cutoffs = self._publics(pulled)
            args = {
                "cap": self._cap(),
                **self._filter_args(verb, target),
                "older": "1" if older else "0",
                "limit": int(limit),
                "cursor_date": "" if key is None else int(key[0]),
                "cursor_id": "" if key is None else key[1],
                "cutoffs": cutoffs,
            }
            keys = {"timeline": self.keys.timeline(owner, PRIVATE), "publics": publics}
            rows = [(int(row.date), row.id) for row in self.link.run(ScriptCall(MERGE_SEEK, keys, args))]
        else:
            walked, _ = self._cluster_walk(owner, pulled, self._cap())
            keeps = _keeps(verb, target)
            found = [_key(entry) for entry in walked if keeps(entry)]
            if older:
                rows = [k for k in found if key is None or k < key][:limit]
            else:
                rows = [k for k in found if key is None or k > key][-limit:]
        return self._page_of(rows, desc, verb, target)
