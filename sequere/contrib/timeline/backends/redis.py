"""The Redis timeline backend (the default): a LIST of packed entries per timeline, actions as JSON.

Key layout: :mod:`sequere.contrib.timeline.backends.keys`; entry layout:
:mod:`sequere.contrib.timeline.backends.entries`. Configure it with
``SEQUERE_TIMELINE_REDIS_CONNECTION`` (URL, dict, or Redis Cluster; see :mod:`sequere.redis.clients`),
``SEQUERE_TIMELINE_CONNECTION_CLASS`` and ``SEQUERE_TIMELINE_REDIS_PREFIX``. The client, its errors and
the Lua scripts (``lua/push.lua``, ``page.lua``, ``count.lua``, ``remove.lua``) come from the one
Redis layer, :mod:`sequere.redis`.

Hybrid fan-out (pulled followings, merged reads): :mod:`.redis_pull`; a private read queues the
pulled followings' read in the same pipeline, so it costs one more round trip only for an owner
who follows pulled actors.

Costs (round trips; one per node on a cluster): ``store`` 1 (``SET`` and two ``push`` calls in one
pipeline), 2 when its trims free actions; ``deliver`` of one chunk 1, with one ``push`` call per
:data:`OWNERS_PER_CALL` followers (per cluster slot on a cluster); a page 2 (one ``page`` call,
then one pipeline of ``GET``), filtered or not; ``count`` 1 (``LLEN`` or one ``count`` call);
``remove_actor`` 1 (2 when it frees actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ....conf import sequere_settings
from ....redis.alink import AsyncLink, AsyncPipeline
from ....redis.clients import check_connection, import_redis
from ....redis.link import Link, Pipeline
from ....redis.scripts import Script, ScriptCall
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from . import entries
from .base import BaseTimelineBackend
from .keys import KeyBuilder, ref_field
from .redis_async import AsyncTimelineMethods
from .redis_audit import audit_timelines
from .redis_history import HistoryMixin
from .redis_pull import PullMixin, member
from .redis_reads import NEVER_DECODE, PAGE, ReadMethods

__all__ = ["OWNERS_PER_CALL", "RedisBackend"]

#: Timelines one ``push`` call writes on a single Redis (it holds the server for about 1 ms).
OWNERS_PER_CALL = 250
PUSH = Script(__package__, "push")
REMOVE = Script(__package__, "remove")


#: sequere.E102's hint: both ways out for a project without redis-py (the rest and live extras)
_NO_REDIS_HINT = (
    "pip install 'django-sequere[timeline]', or keep timelines in the database: "
    "SEQUERE_TIMELINE_BACKEND_CLASS = 'sequere.contrib.timeline.backends.database.DatabaseBackend'."
)


def _import_redis() -> Any:
    """:func:`import_redis`, its error naming the setting that asks for Redis (the default one)."""
    try:
        return import_redis()
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_BACKEND_CLASS is the Redis timeline backend (the default), but {exc}"
        ) from exc


class RedisBackend(ReadMethods, AsyncTimelineMethods, HistoryMixin, PullMixin, BaseTimelineBackend):
    """Timelines as Redis lists of packed entries; see the module docstring for costs.

    The async twins send the same scripts and pipelines through ``redis.asyncio``
    (:mod:`.redis_async`).
    """

    def __init__(self) -> None:
        self._link: Link | None = None
        self._keys: KeyBuilder | None = None

    @classmethod
    def check(cls) -> list[checks.CheckMessage]:
        """sequere.E102 without redis-py; E108 a bad connection setting; E109 a bad prefix. No I/O."""
        errors: list[checks.CheckMessage] = []
        for check_id, hint, read in (
            ("sequere.E102", _NO_REDIS_HINT, _import_redis),
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

    # writes

    def _push_calls(
        self,
        entry: bytes,
        owners: Sequence[Ref],
        actor: Ref,
        kind: str,
        since: int | None,
        link: Link | AsyncLink | None = None,
    ) -> list[ScriptCall]:
        """The ``push`` calls adding ``entry`` to the ``kind`` timeline of every owner.

        On a single Redis, one call per :data:`OWNERS_PER_CALL` owners; on a cluster, one per
        group of owners whose keys share a slot (usually one owner each).
        """
        args = {
            "since": "" if since is None else since,
            "actor": ref_field(actor),
            "max_length": int(sequere_settings.TIMELINE_MAX_LENGTH),
            "public": "1" if kind == PUBLIC else "0",
            "entry": entry,
        }
        delivery = self.keys.delivery
        link = link or self.link
        if not link.cluster:
            calls = []
            for start in range(0, len(owners), OWNERS_PER_CALL):
                pairs = [
                    key for owner in owners[start : start + OWNERS_PER_CALL] for key in delivery(owner, kind)
                ]
                calls.append(ScriptCall(PUSH, {"timelines": pairs}, args))
            return calls
        keyslot = link.client.keyslot
        groups: dict[int, list[str]] = {}
        for owner in owners:
            pair = delivery(owner, kind)
            groups.setdefault(keyslot(pair[0]), []).extend(pair)
        return [ScriptCall(PUSH, {"timelines": pairs}, args) for pairs in groups.values()]

    def _collect(self, action_ids: Sequence[str], saved: Sequence[str] = ()) -> None:
        """Delete the stored actions no timeline reads any more (what the scripts return).

        ``action_ids`` left their actor's public timeline: they go. ``saved`` left the timeline
        they were saved into by another actor: they go unless their actor's public timeline
        lists them (the same action saved there too), which one read per action tells.
        """
        doomed = list(action_ids)
        if saved:
            records = self.get_records(saved)
            pipe = self.link.pipeline()
            candidates = [records[action_id] for action_id in saved if action_id in records]
            for record in candidates:
                pipe.pipe.lpos(self.keys.timeline(record.actor, PUBLIC), entries.pack(record))
            listed = pipe.execute() if candidates else []
            doomed += [record.id for record, at in zip(candidates, listed, strict=True) if at is None]
        if doomed:
            pipe = self.link.pipeline()
            for action_id in doomed:
                pipe.pipe.delete(self.keys.action(action_id))
            pipe.execute()

    def queue_push(
        self,
        pipe: Pipeline | AsyncPipeline,
        record: ActionRecord,
        owners: Sequence[Ref],
        kind: str,
        *,
        since: int | None = None,
        saved_here: bool = False,
        via: Ref | None = None,
    ) -> None:
        """Queue on ``pipe`` the ``push`` calls adding ``record`` to the ``kind`` timeline of ``owners``.

        What :meth:`store` and :meth:`deliver` send; :meth:`finish` the pipeline's replies. Bulk
        loads (the benchmarks, ``--relayout``) queue many records on one :meth:`Link.pipeline
        <sequere.redis.link.Link.pipeline>`, one round trip per node for all of them.
        """
        entry = entries.pack(record, saved_here=saved_here)
        for call in self._push_calls(entry, owners, via or record.actor, kind, since, pipe.link):
            pipe.script(call)

    def queue_store(
        self, pipe: Pipeline | AsyncPipeline, record: ActionRecord, owner: Ref, *, public: bool
    ) -> None:
        """Queue on ``pipe`` what :meth:`store` sends (see :meth:`queue_push`)."""
        pipe.pipe.set(self.keys.action(record.id), record.to_json())
        self.queue_push(pipe, record, [owner], PRIVATE, saved_here=not public)
        if public:
            self.queue_push(pipe, record, [owner], PUBLIC)

    def queue_deliver(
        self,
        pipe: Pipeline,
        record: ActionRecord,
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> None:
        """Queue on ``pipe`` what :meth:`deliver` sends for ``record`` (see :meth:`queue_push`)."""
        self.queue_push(pipe, record, owners, PRIVATE, since=since, via=via)

    def finish(self, results: Sequence[Any]) -> int:
        """Collect the actions the ``push`` replies among ``results`` freed; return how many timelines
        the entries reached."""
        return self.finish_counts(results)[0]

    def finish_counts(self, results: Sequence[Any]) -> tuple[int, int]:
        """:meth:`finish`, and how many of those timelines did not hold the entry yet."""
        pushed = [result for result in results if isinstance(result, dict) and "collect" in result]
        self._collect(
            [action_id for result in pushed for action_id in result["collect"]],
            [action_id for result in pushed for action_id in result["saved"]],
        )
        return (
            sum(int(result["delivered"]) for result in pushed),
            sum(int(result["added"]) for result in pushed),
        )

    def store(self, record: ActionRecord, owner: Ref, *, public: bool) -> None:
        pipe = self.link.pipeline()
        self.queue_store(pipe, record, owner, public=public)
        self.finish(pipe.execute())

    def deliver(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> int:
        return self.deliver_counts(records, owners, since=since, via=via)[0]

    def deliver_counts(
        self,
        records: Sequence[ActionRecord],
        owners: Sequence[Ref],
        *,
        since: int | None = None,
        via: Ref | None = None,
    ) -> tuple[int, int]:
        if not records or not owners:
            return 0, 0
        pipe = self.link.pipeline()
        for record in records:
            self.queue_deliver(pipe, record, owners, since=since, via=via)
        return self.finish_counts(pipe.execute())

    def retract(self, records: Sequence[ActionRecord], owners: Sequence[Ref]) -> int:
        if not records or not owners:
            return 0
        # both forms: delivered (plain) and saved into the timeline by another actor (flagged)
        packed = [entries.pack(record, saved_here=here) for record in records for here in (False, True)]
        pipe = self.link.pipeline()
        for owner in owners:
            timeline = self.keys.timeline(owner, PRIVATE)
            for entry in packed:
                pipe.pipe.lrem(timeline, 0, entry)
        return sum(int(removed) for removed in pipe.execute())

    def remove_actor(self, owner: Ref, actor: Ref, *, at: int) -> int:
        keys = {"timeline": self.keys.timeline(owner, PRIVATE), "unfollowed": self.keys.unfollowed(owner)}
        args = {"actor": ref_field(actor), "actor_hash": entries.actor_hash(actor), "at": at}
        pipe = self.link.pipeline()  # the owner's keys: one node
        pipe.script(ScriptCall(REMOVE, keys, args))
        pipe.pipe.zrem(self.keys.pulling(owner), member(actor))
        result, _ = pipe.execute()
        self._collect((), result["saved"])
        return int(result["removed"])

    def find_targeted(self, owner: Ref, target: Ref) -> list[ActionRecord]:
        """The stored private entries with the target's identifier code (one ``page`` call), then
        their records (one pipeline), kept when their target is ``target``."""
        keys = {"timeline": self.keys.timeline(owner, PRIVATE)}
        args = {**self._filter_args(None, target.identifier), "desc": "0", "offset": 0, "limit": ""}
        rows = self.link.run(ScriptCall(PAGE, keys, args))
        return [r for r in decode_records(self._values([row.id for row in rows])) if r.target == target]

    def delete(self, record: ActionRecord, owner: Ref) -> bool:
        pipe = self.link.pipeline()
        pipe.pipe.delete(self.keys.action(record.id))
        for saved_here in (False, True):
            pipe.pipe.lrem(self.keys.timeline(owner, PRIVATE), 0, entries.pack(record, saved_here=saved_here))
        pipe.pipe.lrem(self.keys.timeline(owner, PUBLIC), 0, entries.pack(record))
        return bool(pipe.execute()[0])

    def forget_owner(self, owner: Ref) -> int:
        """The owner's own actions deleted (store and timelines), the actions others saved into its
        private timeline collected as a trim would, then its timelines and pull state deleted."""
        own = self.fetch(owner, PUBLIC, limit=int(sequere_settings.TIMELINE_MAX_LENGTH))
        deleted = sum(self.delete(record, owner) for record in own)
        private = self.keys.timeline(owner, PRIVATE)
        link = self.link
        with link.errors:
            raw = link.client.execute_command("LRANGE", private, 0, -1, **{NEVER_DECODE: True})
        saved = [entries.unpack_id(entry) for entry in raw if entries.is_saved_here(entry)]
        self._collect((), saved)
        with link.errors:
            link.client.delete(
                private,
                self.keys.timeline(owner, PUBLIC),
                self.keys.pulling(owner),
                self.keys.pull_mode(owner),
            )
        return deleted

    def set_read_at(self, owner: Ref, at: int) -> None:
        link = self.link
        with link.errors:
            link.client.set(self.keys.read_at(owner), int(at))
