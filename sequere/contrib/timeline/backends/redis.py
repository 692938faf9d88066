"""The Redis timeline backend (the default): sorted sets of ids, one JSON string per action.

Key layout: :mod:`sequere.contrib.timeline.backends.keys`. Configure it with
``SEQUERE_TIMELINE_REDIS_CONNECTION`` (URL, dict, or Redis Cluster; see :mod:`sequere.connections`),
``SEQUERE_TIMELINE_CONNECTION_CLASS`` and ``SEQUERE_TIMELINE_REDIS_PREFIX``.

Costs: ``store`` is one pipelined round trip (one per node on a cluster); ``deliver`` of one
chunk is one pipeline of Lua calls, one round trip per node; a page is one ``ZRANGE`` plus one
pipeline of ``GET`` (one per node).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ....backends.redis.errors import translate_errors, unavailable_errors
from ....conf import sequere_settings
from ....connections import get_client, import_redis, is_cluster
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from .base import BaseTimelineBackend
from .keys import KeyBuilder, actor_member, parse_actor_member, ref_field

#: redis-py's option (``redis.client.NEVER_DECODE``) for reading one reply as bytes.
NEVER_DECODE = "NEVER_DECODE"

__all__ = ["RedisBackend"]

#: Add one action to several views of one timeline, trimming each; skip the owner if it
#: unfollowed the actor at or after ARGV[1].
#: KEYS[1] unfollowed hash, KEYS[2..n+1] views getting the action id, KEYS[n+2..] views getting
#: ARGV[7] (the per-actor index). ARGV: since ('' = no check), actor field, max length, score,
#: action id, n, actor index member.
DELIVER_LUA = """
if ARGV[1] ~= '' then
  local mark = redis.call('HGET', KEYS[1], ARGV[2])
  if mark and tonumber(mark) >= tonumber(ARGV[1]) then return 0 end
end
local n = tonumber(ARGV[6])
local stop = -tonumber(ARGV[3]) - 1
for i = 2, #KEYS do
  local member = ARGV[5]
  if i > n + 1 then member = ARGV[7] end
  redis.call('ZADD', KEYS[i], ARGV[4], member)
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, stop)
end
return 1
"""
DELIVER_SHA = hashlib.sha1(DELIVER_LUA.encode()).hexdigest()

#: The unread count in one call: entries of the private view KEYS[2] scored after the mark stored
#: at KEYS[1], less the owner's own actions (its public view KEYS[3]) in the same range. The keys
#: carry the owner's hash tag, so they share a cluster slot.
UNREAD_LUA = """
local mark = redis.call('GET', KEYS[1])
local low = '-inf'
if mark then low = '(' .. mark end
local unread = redis.call('ZCOUNT', KEYS[2], low, '+inf') - redis.call('ZCOUNT', KEYS[3], low, '+inf')
if unread < 0 then return 0 end
return unread
"""


class RedisBackend(BaseTimelineBackend):
    """Timelines in Redis sorted sets; see the module docstring for costs."""

    def __init__(self) -> None:
        self._client: Any = None
        self._keys: KeyBuilder | None = None
        self._is_cluster: bool | None = None
        self._unread: Any = None

    @property
    def client(self) -> Any:
        """The shared ``"timeline"`` Redis client, built on first use."""
        if self._client is None:
            self._client = get_client("timeline")
        return self._client

    @property
    def _cluster(self) -> bool:
        if self._is_cluster is None:
            self._is_cluster = is_cluster(self.client)
        return self._is_cluster

    @property
    def keys(self) -> KeyBuilder:
        """Key builder for ``SEQUERE_TIMELINE_REDIS_PREFIX``."""
        if self._keys is None:
            self._keys = KeyBuilder(sequere_settings.TIMELINE_REDIS_PREFIX)
        return self._keys

    def _errors(self) -> AbstractContextManager[None]:
        return translate_errors(
            self.client,
            unavailable_errors(),
            backend="timeline",
            setting="SEQUERE_TIMELINE_REDIS_CONNECTION",
            retry_note="timeline writes are idempotent, so retrying is safe",
        )

    def _pipeline(self, build: Callable[[Any], None]) -> list[Any]:
        """Run the commands ``build(pipe)`` queues in one pipeline; reload the script if needed.

        Everything queued here is idempotent, so running it again after NOSCRIPT is safe.
        """
        redis = import_redis()
        with self._errors():
            for attempt in (1, 2):
                pipe = self.client.pipeline(transaction=False)
                build(pipe)
                results = pipe.execute(raise_on_error=False)
                errors = [r for r in results if isinstance(r, Exception)]
                if not errors:
                    return results
                if attempt == 1 and all(isinstance(e, redis.exceptions.NoScriptError) for e in errors):
                    self.client.script_load(DELIVER_LUA)
                    continue
                raise errors[0]
        raise AssertionError("unreachable")  # pragma: no cover

    # writes

    def _queue_deliver(
        self, pipe: Any, record: ActionRecord, owner: Ref, kind: str, since: int | None, max_length: int
    ) -> None:
        views = self.keys.views(owner, kind, record.verb, record.target_identifier)
        extra = [self.keys.actor_index(owner, record.actor)] if kind == PRIVATE else []
        # execute_command: redis-py's cluster pipeline blocks .evalsha(); it would also ask a node
        # for the keys of every EVALSHA (COMMAND GETKEYS), so the node is named up front.
        unfollowed = self.keys.unfollowed(owner)
        options = {"target_nodes": self.client.get_node_from_key(unfollowed)} if self._cluster else {}
        pipe.execute_command(
            "EVALSHA",
            DELIVER_SHA,
            1 + len(views) + len(extra),
            unfollowed,
            *views,
            *extra,
            "" if since is None else since,
            ref_field(record.actor),
            max_length,
            record.date,
            record.id,
            len(views),
            actor_member(record),
            **options,
        )

    def store(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        max_length = sequere_settings.TIMELINE_MAX_LENGTH

        def build(pipe: Any) -> None:
            pipe.set(self.keys.action(record.id), record.to_json())
            self._queue_deliver(pipe, record, owner, PRIVATE, None, max_length)
            if public:
                self._queue_deliver(pipe, record, owner, PUBLIC, None, max_length)

        self._pipeline(build)

    def deliver(
        self, records: Sequence[ActionRecord], owners: Sequence[Ref], *, since: int | None = None
    ) -> int:
        if not records or not owners:
            return 0
        max_length = sequere_settings.TIMELINE_MAX_LENGTH

        def build(pipe: Any) -> None:
            for owner in owners:
                for record in records:
                    self._queue_deliver(pipe, record, owner, PRIVATE, since, max_length)

        return sum(int(r) for r in self._pipeline(build))

    def _queue_remove(self, pipe: Any, record: ActionRecord, owner: Ref, kind: str) -> None:
        """Queue the removal of ``record`` from ``owner``'s ``kind`` views; the main view comes first."""
        for key in self.keys.views(owner, kind, record.verb, record.target_identifier):
            pipe.zrem(key, record.id)
        if kind == PRIVATE:
            pipe.zrem(self.keys.actor_index(owner, record.actor), actor_member(record))

    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        if not records or not owners:
            return 0
        mains: list[int] = []

        def build(pipe: Any) -> None:
            mains.clear()
            for owner in owners:
                for record in records:
                    mains.append(len(pipe))
                    self._queue_remove(pipe, record, owner, PRIVATE)

        results = self._pipeline(build)
        return sum(int(results[i]) for i in mains)

    def remove_actor(self, owner: Ref, actor: Ref, *, at: int) -> int:
        index = self.keys.actor_index(owner, actor)
        with self._errors():
            # Mark first: a delivery that lands after the mark is skipped, one that landed before
            # is in the index read right after it (same node, in order).
            pipe = self.client.pipeline(transaction=False)
            pipe.hset(self.keys.unfollowed(owner), ref_field(actor), at)
            pipe.zrange(index, 0, -1)
            _, members = pipe.execute()
        by_key: dict[str, list[str]] = defaultdict(list)
        main = self.keys.timeline(owner, PRIVATE)
        for member in members:
            action_id, verb, target = parse_actor_member(member)
            for key in self.keys.views(owner, PRIVATE, verb, target):
                by_key[key].append(action_id)

        def build(pipe: Any) -> None:
            pipe.zrem(main, *by_key.pop(main))
            for key, action_ids in by_key.items():
                pipe.zrem(key, *action_ids)
            pipe.delete(index)

        if not members:
            return 0
        return int(self._pipeline(build)[0])

    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        def build(pipe: Any) -> None:
            pipe.delete(self.keys.action(record.id))
            self._queue_remove(pipe, record, owner, PRIVATE)
            self._queue_remove(pipe, record, owner, PUBLIC)

        return bool(self._pipeline(build)[0])

    def set_read_at(self, owner: Ref, at: int) -> None:
        with self._errors():
            self.client.set(self.keys.read_at(owner), int(at))

    # reads

    def count_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """One script call (EVALSHA, EVAL the first time a server sees it)."""
        if self._unread is None:
            self._unread = self.client.register_script(UNREAD_LUA)
        private = self.keys.timeline(owner, PRIVATE, verb, target)
        public = self.keys.timeline(owner, PUBLIC, verb, target)
        with self._errors():
            return int(self._unread(keys=[self.keys.read_at(owner), private, public]))

    def get_read_at(self, owner: Ref) -> int | None:
        with self._errors():
            value = self.client.get(self.keys.read_at(owner))
        return None if value is None else int(value)

    def _values(self, action_ids: Sequence[str]) -> list[tuple[str, bytes | None]]:
        if not action_ids:
            return []
        with self._errors():
            pipe = self.client.pipeline(transaction=False)
            for action_id in action_ids:
                # raw bytes: a value that is not UTF-8 must reach decode_records (which skips
                # and logs it) instead of failing the client's decoding of the whole pipeline
                pipe.execute_command("GET", self.keys.action(action_id), **{NEVER_DECODE: True})
            return list(zip(action_ids, pipe.execute(), strict=True))

    def get_records(self, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        return {record.id: record for record in decode_records(self._values(action_ids))}

    def fetch(
        self,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ActionRecord]:
        key = self.keys.timeline(owner, self.check_kind(kind), verb, target)
        if limit is not None and limit <= 0:
            return []
        stop = -1 if limit is None else offset + limit - 1
        with self._errors():
            action_ids = self.client.zrange(key, offset, stop, desc=desc)
        return decode_records(self._values(action_ids))

    def count(
        self,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        after: int | None = None,
    ) -> int:
        key = self.keys.timeline(owner, self.check_kind(kind), verb, target)
        with self._errors():
            if after is None:
                return int(self.client.zcard(key))
            return int(self.client.zcount(key, f"({int(after)}", "+inf"))
