"""The Redis timeline backend (the default): sorted sets of ids, one JSON string per action.

Key layout: :mod:`sequere.contrib.timeline.backends.keys`. Configure it with
``SEQUERE_TIMELINE_REDIS_CONNECTION`` (URL, dict, or Redis Cluster; see :mod:`sequere.redis.clients`),
``SEQUERE_TIMELINE_CONNECTION_CLASS`` and ``SEQUERE_TIMELINE_REDIS_PREFIX``. The client, its errors and the
Lua scripts (``lua/deliver.lua``, ``lua/unread.lua``) come from the one Redis layer, :mod:`sequere.redis`.

Costs: ``store`` is one pipelined round trip (one per node on a cluster); ``deliver`` of one
chunk is one pipeline of Lua calls, one round trip per node; a page is one ``ZRANGE`` plus one
pipeline of ``GET`` (one per node).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ....conf import sequere_settings
from ....redis.clients import check_connection, import_redis
from ....redis.link import Link, Pipeline
from ....redis.scripts import Script, ScriptCall
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from .base import BaseTimelineBackend
from .keys import KeyBuilder, actor_member, parse_actor_member, ref_field
from .redis_audit import audit_timelines

__all__ = ["RedisBackend"]

#: redis-py's option (``redis.client.NEVER_DECODE``) for reading one reply as bytes.
NEVER_DECODE = "NEVER_DECODE"
#: Add one action to the views of one timeline, trimmed; see ``lua/deliver.lua``.
DELIVER = Script(__package__, "deliver")
#: The unread count in one call; see ``lua/unread.lua``.
UNREAD = Script(__package__, "unread")


class RedisBackend(BaseTimelineBackend):
    """Timelines in Redis sorted sets; see the module docstring for costs."""

    def __init__(self) -> None:
        self._link: Link | None = None
        self._keys: KeyBuilder | None = None

    @classmethod
    def check(cls) -> list[checks.CheckMessage]:
        """sequere.E102 without redis-py; E108 a bad connection setting; E109 a bad prefix. No I/O."""
        errors: list[checks.CheckMessage] = []
        for check_id, hint, read in (
            ("sequere.E102", "pip install 'django-sequere[timeline]'", import_redis),
            ("sequere.E108", "Fix SEQUERE_TIMELINE_REDIS_CONNECTION.", lambda: check_connection("timeline")),
            (
                "sequere.E109",
                "Fix SEQUERE_TIMELINE_REDIS_PREFIX.",
                lambda: KeyBuilder(sequere_settings.TIMELINE_REDIS_PREFIX),
            ),
        ):
            try:
                read()
            except ImproperlyConfigured as exc:
                errors.append(checks.Error(str(exc), hint=hint, id=check_id))
        return errors

    @property
    def link(self) -> Link:
        """The ``"timeline"`` group's :class:`~sequere.redis.link.Link`, built on first use."""
        if self._link is None:
            self._link = Link("timeline")
        return self._link

    @property
    def client(self) -> Any:
        """The configured client (``SEQUERE_TIMELINE_REDIS_CONNECTION``, ``..._CONNECTION_CLASS``)."""
        return self.link.client

    @property
    def keys(self) -> KeyBuilder:
        """Key builder for ``SEQUERE_TIMELINE_REDIS_PREFIX``."""
        if self._keys is None:
            self._keys = KeyBuilder(sequere_settings.TIMELINE_REDIS_PREFIX)
        return self._keys

    def audit(self, fix: bool = False) -> dict:
        """Entries whose action is gone, timelines over their length; see :mod:`.redis_audit`."""
        return audit_timelines(self, int(sequere_settings.TIMELINE_MAX_LENGTH), fix=fix)

    def _pipeline(self, build: Callable[[Pipeline], None]) -> list[Any]:
        """Run what ``build(pipe)`` queues in one pipeline (one round trip per node)."""
        pipe = self.link.pipeline()
        build(pipe)
        return pipe.execute()

    # writes

    def queue_delivery(
        self, pipe: Pipeline, record: ActionRecord, owner: Ref, kind: str, since: int | None, max_length: int
    ) -> None:
        """Queue on ``pipe`` the script adding ``record`` to ``owner``'s ``kind`` timeline.

        What :meth:`store` and :meth:`deliver` send for each (record, owner); bulk loads (the
        benchmarks) queue many on one :meth:`Link.pipeline <sequere.redis.link.Link.pipeline>`.
        """
        self._queue_delivery(pipe, record, owner, kind, self._delivery_args(record, kind, since, max_length))

    @staticmethod
    def _delivery_args(record: ActionRecord, kind: str, since: int | None, max_length: int) -> dict:
        """The script arguments of ``record``'s deliveries: the same for every owner."""
        return {
            "since": "" if since is None else since,
            "actor": ref_field(record.actor),
            "max_length": max_length,
            "score": record.date,
            "action_id": record.id,
            "index": actor_member(record) if kind == PRIVATE else "",
        }

    def _queue_delivery(
        self, pipe: Pipeline, record: ActionRecord, owner: Ref, kind: str, args: dict
    ) -> None:
        keys = {
            "unfollowed": self.keys.unfollowed(owner),
            "actor_index": self.keys.actor_index(owner, record.actor),
            "views": self.keys.views(owner, kind, record.verb, record.target_identifier),
        }
        pipe.script(ScriptCall(DELIVER, keys, args))

    def store(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        max_length = sequere_settings.TIMELINE_MAX_LENGTH

        def build(pipe: Pipeline) -> None:
            pipe.pipe.set(self.keys.action(record.id), record.to_json())
            self.queue_delivery(pipe, record, owner, PRIVATE, None, max_length)
            if public:
                self.queue_delivery(pipe, record, owner, PUBLIC, None, max_length)

        self._pipeline(build)

    def deliver(
        self, records: Sequence[ActionRecord], owners: Sequence[Ref], *, since: int | None = None
    ) -> int:
        if not records or not owners:
            return 0
        max_length = sequere_settings.TIMELINE_MAX_LENGTH

        per_record = [(record, self._delivery_args(record, PRIVATE, since, max_length)) for record in records]

        def build(pipe: Pipeline) -> None:
            for owner in owners:
                for record, args in per_record:
                    self._queue_delivery(pipe, record, owner, PRIVATE, args)

        return sum(result["delivered"] for result in self._pipeline(build))

    def _queue_remove(self, pipe: Pipeline, record: ActionRecord, owner: Ref, kind: str) -> None:
        """Queue the removal of ``record`` from ``owner``'s ``kind`` views; the main view comes first."""
        for key in self.keys.views(owner, kind, record.verb, record.target_identifier):
            pipe.pipe.zrem(key, record.id)
        if kind == PRIVATE:
            pipe.pipe.zrem(self.keys.actor_index(owner, record.actor), actor_member(record))

    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        if not records or not owners:
            return 0
        mains: list[int] = []

        def build(pipe: Pipeline) -> None:
            mains.clear()
            for owner in owners:
                for record in records:
                    mains.append(len(pipe))
                    self._queue_remove(pipe, record, owner, PRIVATE)

        results = self._pipeline(build)
        return sum(int(results[i]) for i in mains)

    def remove_actor(self, owner: Ref, actor: Ref, *, at: int) -> int:
        index = self.keys.actor_index(owner, actor)
        # Mark first: a delivery that lands after the mark is skipped, one that landed before
        # is in the index read right after it (same node, in order).
        pipe = self.link.pipeline()
        pipe.pipe.hset(self.keys.unfollowed(owner), ref_field(actor), at)
        pipe.pipe.zrange(index, 0, -1)
        _, members = pipe.execute()
        by_key: dict[str, list[str]] = defaultdict(list)
        main = self.keys.timeline(owner, PRIVATE)
        for member in members:
            action_id, verb, target = parse_actor_member(member)
            for key in self.keys.views(owner, PRIVATE, verb, target):
                by_key[key].append(action_id)

        def build(pipe: Pipeline) -> None:
            pipe.pipe.zrem(main, *by_key.pop(main))
            for key, action_ids in by_key.items():
                pipe.pipe.zrem(key, *action_ids)
            pipe.pipe.delete(index)

        if not members:
            return 0
        return int(self._pipeline(build)[0])

    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        def build(pipe: Pipeline) -> None:
            pipe.pipe.delete(self.keys.action(record.id))
            self._queue_remove(pipe, record, owner, PRIVATE)
            self._queue_remove(pipe, record, owner, PUBLIC)

        return bool(self._pipeline(build)[0])

    def set_read_at(self, owner: Ref, at: int) -> None:
        link = self.link
        with link.errors:
            link.client.set(self.keys.read_at(owner), int(at))

    # reads

    def count_unread(self, owner: Ref, *, verb: str | None = None, target: str | None = None) -> int:
        """One script call (``EVALSHA``; ``SCRIPT LOAD`` first the first time a server sees it)."""
        keys = {
            "read_at": self.keys.read_at(owner),
            "timeline": self.keys.timeline(owner, PRIVATE, verb, target),
            "own": self.keys.timeline(owner, PUBLIC, verb, target),
        }
        return int(self.link.run(ScriptCall(UNREAD, keys, {}))["unread"])

    def get_read_at(self, owner: Ref) -> int | None:
        link = self.link
        with link.errors:
            value = link.client.get(self.keys.read_at(owner))
        return None if value is None else int(value)

    def _values(self, action_ids: Sequence[str]) -> list[tuple[str, bytes | None]]:
        if not action_ids:
            return []
        pipe = self.link.pipeline()
        for action_id in action_ids:
            # raw bytes: a value that is not UTF-8 must reach decode_records (which skips
            # and logs it) instead of failing the client's decoding of the whole pipeline
            pipe.pipe.execute_command("GET", self.keys.action(action_id), **{NEVER_DECODE: True})
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
        link = self.link
        with link.errors:
            action_ids = link.client.zrange(key, offset, stop, desc=desc)
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
        link = self.link
        with link.errors:
            if after is None:
                return int(link.client.zcard(key))
            return int(link.client.zcount(key, f"({int(after)}", "+inf"))
