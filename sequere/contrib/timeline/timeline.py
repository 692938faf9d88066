"""The timeline API: ``Timeline(instance)`` saves actions and reads lazy, filtered lists of them."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from ...conf import sequere_settings
from ...cursors import sign_cursor
from ...outbox import enqueue, recording
from ...registration import registry
from ...results import LazyList
from ...timeutils import from_micros, now_micros, to_micros
from . import jobs, signals
from .actions import Action, get_actions
from .backends import PRIVATE, PUBLIC, BaseTimelineBackend, get_timeline_backend
from .exceptions import InvalidActionException
from .records import ActionRecord

__all__ = ["Timeline", "ActionList"]

logger = logging.getLogger("sequere.timeline")


def _verb(action: Any) -> str | None:
    """Accept ``None``, a verb string, an Action subclass or an Action for ``action=``."""
    if action is None or isinstance(action, str):
        return action
    if isinstance(action, Action) or (isinstance(action, type) and issubclass(action, Action)):
        if action.verb:
            return action.verb
    raise InvalidActionException(
        f"action= takes a verb string or an Action subclass with a verb, not {action!r}."
    )


def _target(target: Any) -> str | None:
    """Accept ``None``, an identifier, a registered model or an instance for ``target=``."""
    return None if target is None else registry.get_identifier(target)


def build_actions(records: list[ActionRecord]) -> list[Action]:
    """Actions for ``records``: one SQL query per model type among their actors and targets.

    A record whose verb is no longer registered, or whose actor or target row is gone, is
    skipped and logged.
    """
    return assemble_actions(records, registry.load(action_refs(records)))


def action_refs(records: list[ActionRecord]) -> set:
    """The refs of every actor and target of ``records``."""
    refs = {record.actor for record in records}
    refs.update(record.target for record in records if record.target is not None)
    return refs


def assemble_actions(records: list[ActionRecord], instances: dict) -> list[Action]:
    """:func:`build_actions` once the instances are loaded (skipping and logging as it says)."""
    verbs = get_actions()
    actions = []
    for record in records:
        action_class = verbs.get(record.verb)
        actor = instances.get(record.actor)
        target = instances.get(record.target) if record.target is not None else None
        if action_class is None:
            logger.warning(
                "timeline: action %s has the unregistered verb %r; skipped", record.id, record.verb
            )
        elif actor is None:
            logger.warning("timeline: actor %s of action %s is gone; skipped", record.actor, record.id)
        elif record.target is not None and target is None:
            logger.warning("timeline: target %s of action %s is gone; skipped", record.target, record.id)
        else:
            actions.append(action_class.from_record(record, actor, target))
    return actions


class ActionList(LazyList):
    """One owner's private or public timeline, optionally filtered, read lazily.

    Supports ``len()``, :meth:`count`, slicing, indexing, iteration, truth and ``repr``, so
    :class:`django.core.paginator.Paginator` accepts it. A slice costs a constant number of backend
    round trips plus one SQL query per model type among the page's actors and targets.
    """

    def __init__(
        self,
        backend: BaseTimelineBackend,
        owner: Any,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
    ) -> None:
        self.backend = backend
        self.owner = owner
        self.kind = kind
        self.verb = verb
        self.target = target
        self.desc = desc
        self._count: int | None = None

    def count(self) -> int:
        """How many entries the timeline holds with these filters (one backend call, cached)."""
        if self._count is None:
            self._count = self.backend.count(self.owner, self.kind, verb=self.verb, target=self.target)
        return self._count

    noun = "timeline"
    #: whether reads go past the backend's stored timeline (history, inactive owners), so the
    #: async twin runs this list's own reads in a thread instead of the backend's async ones
    reads_beyond_store = False

    def _fetch(self, offset: int, limit: int | None) -> list[ActionRecord]:
        return self.backend.fetch(
            self.owner,
            self.kind,
            verb=self.verb,
            target=self.target,
            desc=self.desc,
            offset=offset,
            limit=limit,
        )

    def _load(self, records: list[ActionRecord]) -> list[Action]:
        return build_actions(records)

    def _scope(self) -> str:
        backend = type(self.backend)
        path = f"{backend.__module__}.{backend.__qualname__}"
        return json.dumps(["timeline", path, self.kind, *self.owner, self.verb, self.target, self.desc])

    def _seek(self, after: tuple | None, before: tuple | None, limit: int) -> list[tuple]:
        return self.backend.fetch_keyset(
            self.owner,
            self.kind,
            verb=self.verb,
            target=self.target,
            desc=self.desc,
            after=after,
            before=before,
            limit=limit,
        )

    def _is_key(self, key: tuple) -> bool:
        return self.backend.is_key(key)

    def cursor_at(self, action: Action) -> str:
        """The cursor of ``action``'s place in this list, as a page's cursors are: ``page(after=)``
        reads what follows it in the list's order, ``page(before=)`` what precedes it.

        A page rendered from offsets (a ``Paginator``) hands it to a client that goes on with
        cursor pages, or to the live feed (``?last_event_id=``) so it resumes after the newest
        entry shown. ``action`` is one read from a timeline or returned by ``save()``.
        """
        if action.id is None:
            raise InvalidActionException(f"cursor_at() takes a saved Action, not {action!r}.")
        return sign_cursor(self._scope(), (to_micros(action.date), action.id))


class Timeline:
    """The timelines of one registered instance (no I/O until a method is called).

    ``save`` puts an action in the instance's private timeline, and, when the instance is the
    action's actor, in its public timeline and (through a fan-out job) in every follower's
    private timeline.
    """

    def __init__(self, instance: Any) -> None:
        self.instance = instance
        self.ref = registry.get_ref(instance)

    def __repr__(self) -> str:
        return f"<Timeline of {self.instance!r}>"

    @property
    def backend(self) -> BaseTimelineBackend:
        """The configured timeline backend."""
        return get_timeline_backend()

    def save(self, action: Action) -> Action:
        """Store ``action`` and fan it out; return it with :attr:`Action.id` set.

        Raises :class:`~sequere.contrib.timeline.exceptions.InvalidActionException` (or the core's
        exceptions for unregistered or unsaved instances) before anything is written.
        """
        if not isinstance(action, Action):
            raise InvalidActionException(f"Timeline.save() takes an Action instance, not {action!r}.")
        record = action.to_record()
        sender = type(action)
        signals.pre_save.send(sender=sender, instance=self.instance, timeline=self, action=action)
        public = record.actor == self.ref
        backend = self.backend
        with recording(
            joins_database_transaction=backend.joins_database_transaction, service="timeline"
        ) as change:
            backend.store(record, self.ref, public=public)
            change.undo = lambda: backend.delete(record, self.ref)
            if public:
                enqueue(jobs.dispatch, record=record.to_dict())
        signals.send_delivered(backend, record, [self.ref])
        action.id = record.id
        signals.post_save.send(sender=sender, instance=self.instance, timeline=self, action=action)
        return action

    def delete(self, action: Action) -> bool:
        """Delete a saved action from the store and from this owner's timelines.

        When the owner is the actor, a fan-out job removes it from the followers' timelines too.
        Returns False if it was not stored. Raises InvalidActionException for an unsaved action.
        """
        if not isinstance(action, Action) or action.id is None:
            raise InvalidActionException(
                f"Timeline.delete() takes an Action read from a timeline or returned by save(), "
                f"not {action!r}."
            )
        record = action.to_record()
        sender = type(action)
        signals.pre_delete.send(sender=sender, instance=self.instance, timeline=self, action=action)
        backend = self.backend
        with recording(joins_database_transaction=backend.joins_database_transaction, service="timeline"):
            existed = backend.delete(record, self.ref)
            if existed and record.actor == self.ref:
                enqueue(jobs.retract, record=record.to_dict())
        signals.post_delete.send(sender=sender, instance=self.instance, timeline=self, action=action)
        return existed

    def _list(self, kind: str, action: Any, target: Any, desc: bool) -> ActionList:
        return ActionList(self.backend, self.ref, kind, verb=_verb(action), target=_target(target), desc=desc)

    def get_private(
        self, action: Any = None, target: Any = None, desc: bool = False, *, history: bool = False
    ) -> ActionList:
        """Actions of this owner and of what it follows, oldest first (``desc=True``: newest first).

        ``action`` (a verb or an Action class) keeps one verb; ``target`` (an identifier, a model or
        an instance) keeps actions whose target is of that type; both combine. ``history=True``
        (newest first) goes on past the cap from the followed accounts' public timelines, see
        :mod:`~sequere.contrib.timeline.history`.
        """
        if history or sequere_settings.TIMELINE_INACTIVE_AFTER is not None:
            from .history import HistoryActionList, PrivateActionList

            kind = HistoryActionList if history else PrivateActionList
            verb, target = _verb(action), _target(target)
            return kind(self.backend, self.ref, PRIVATE, verb=verb, target=target, desc=desc)
        return self._list(PRIVATE, action, target, desc)

    def get_public(self, action: Any = None, target: Any = None, desc: bool = False) -> ActionList:
        """Actions this owner performed itself; filters as in :meth:`get_private`."""
        return self._list(PUBLIC, action, target, desc)

    def get_private_count(self, action: Any = None, target: Any = None) -> int:
        """How many actions :meth:`get_private` lists with these filters."""
        return self.backend.count(self.ref, PRIVATE, verb=_verb(action), target=_target(target))

    def get_public_count(self, action: Any = None, target: Any = None) -> int:
        """How many actions :meth:`get_public` lists with these filters."""
        return self.backend.count(self.ref, PUBLIC, verb=_verb(action), target=_target(target))

    def get_unread_count(self, action: Any = None, target: Any = None) -> int:
        """How many private actions are dated after :attr:`read_at` (all of them if never read)."""
        return self.backend.count_unread(self.ref, verb=_verb(action), target=_target(target))

    def mark_as_read(self, timestamp: datetime | None = None, *, at: datetime | None = None) -> datetime:
        """Mark everything up to ``timestamp`` (default: now) as read; return that moment.

        ``at`` is another name for ``timestamp``. A naive datetime is read in the current time zone,
        as Django reads one (and returned aware when ``USE_TZ = True``); anything but a datetime is a
        ``TypeError``.
        """
        moment = self._read_moment(timestamp, at)
        self.backend.set_read_at(self.ref, to_micros(moment))
        if sequere_settings.TIMELINE_INACTIVE_AFTER is not None:
            self.touch()
        return moment

    def touch(self) -> None:
        """Record that this owner is active now (``SEQUERE_TIMELINE_INACTIVE_AFTER``, see
        :mod:`~sequere.contrib.timeline.inactive`): one read of its seen mark, then one write;
        when it was inactive, the :func:`~sequere.contrib.timeline.inactive.refresh` job is
        queued instead, which marks it and rebuilds its feed. Nothing when the setting is off."""
        from . import inactive

        stale, _, _ = inactive.seen_state(self.ref)
        if stale:
            enqueue(inactive.refresh, owner=list(self.ref))
        elif inactive.inactive_after() is not None:
            self.backend.touch([self.ref], now_micros())

    @staticmethod
    def _read_moment(timestamp: datetime | None, at: datetime | None) -> datetime:
        if timestamp is not None and at is not None:
            raise TypeError("mark_as_read() takes timestamp= or at=, not both.")
        moment = timestamp if timestamp is not None else at
        if moment is None:
            moment = timezone.now()
        elif not isinstance(moment, datetime):
            raise TypeError(
                f"mark_as_read() takes a datetime.datetime (or nothing, for now), not "
                f"{type(moment).__name__} {moment!r}."
            )
        elif settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    # -- async twins (see sequere.contrib.timeline.async_timeline) ------------------------------
    async def asave(self, action: Action) -> Action:
        """:meth:`save`, awaited: the store write on ``redis.asyncio``, the fan-out job recorded in
        the outbox in Django's worker thread (see :mod:`~sequere.contrib.timeline.async_timeline`)."""
        from .async_timeline import asave

        return await asave(self, action)

    def aget_private(
        self, action: Any = None, target: Any = None, desc: bool = False, *, history: bool = False
    ) -> Any:
        """:meth:`get_private` as an async lazy list: ``await .page()``, ``async for``, ``await .count()``."""
        from .async_timeline import AsyncActionList

        return AsyncActionList(self.get_private(action, target, desc, history=history))

    def aget_public(self, action: Any = None, target: Any = None, desc: bool = False) -> Any:
        """:meth:`get_public` as an async lazy list."""
        from .async_timeline import AsyncActionList

        return AsyncActionList(self.get_public(action, target, desc))

    async def aget_private_count(self, action: Any = None, target: Any = None) -> int:
        """:meth:`get_private_count`, awaited."""
        return await self.backend.acount(self.ref, PRIVATE, verb=_verb(action), target=_target(target))

    async def aget_public_count(self, action: Any = None, target: Any = None) -> int:
        """:meth:`get_public_count`, awaited."""
        return await self.backend.acount(self.ref, PUBLIC, verb=_verb(action), target=_target(target))

    async def aget_unread_count(self, action: Any = None, target: Any = None) -> int:
        """:meth:`get_unread_count`, awaited."""
        return await self.backend.acount_unread(self.ref, verb=_verb(action), target=_target(target))

    async def amark_as_read(
        self, timestamp: datetime | None = None, *, at: datetime | None = None
    ) -> datetime:
        """:meth:`mark_as_read`, awaited (same arguments and errors)."""
        moment = self._read_moment(timestamp, at)
        await self.backend.aset_read_at(self.ref, to_micros(moment))
        return moment

    async def aread_at(self) -> datetime | None:
        """:attr:`read_at`, awaited."""
        micros = await self.backend.aget_read_at(self.ref)
        return None if micros is None else from_micros(micros)

    @property
    def read_at(self) -> datetime | None:
        """When the timeline was last marked as read, or None if never."""
        micros = self.backend.get_read_at(self.ref)
        return None if micros is None else from_micros(micros)
