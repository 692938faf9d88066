"""Blocks and mutes, and the ``can_follow`` gate of ``follow()`` (re-exported by :mod:`sequere.models`).

* ``block(a, b)``: ``a`` blocks ``b``. The follows between them go, both ways (one
  :data:`~sequere.signals.unfollowed` signal for each, so the timeline takes their actions back
  through the outbox), and neither may follow the other until ``unblock(a, b)``:
  ``follow(a, b)`` and ``follow(b, a)`` raise :class:`~sequere.exceptions.BlockedException`, as on
  Twitter or Mastodon. ``b``'s actions no longer reach ``a``'s timelines and ``a``'s no longer
  reach ``b``'s, including those delivered through a followed target (``Action.deliver_to``).
  A block is one-way as a record: ``is_blocked(a, b)`` is True, ``is_blocked(b, a)`` is not, and
  only ``a`` may lift it.
* ``mute(a, b)``: ``a`` keeps following ``b``, but ``b``'s actions leave ``a``'s private timeline
  and stop reaching it; ``unmute(a, b)`` brings ``b``'s recent actions back, as following does.

Lists (``get_blocked(a)``, ``get_muted(a)``) are lazy like ``get_followings``: ``len()``,
``.count()``, slicing, iteration, ``desc=``, ``identifier=`` and cursor pages (``.page()``), with
``(instance, blocked_at)`` items, newest first.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.utils import timezone

from . import signals
from .backends import BLOCKS, MUTES, get_backend
from .base import ModelBase
from .conf import sequere_settings
from .edges import edge_refs as _pair
from .edges import ref_count, ref_list
from .exceptions import (
    AlreadyBlockedException,
    AlreadyMutedException,
    BackendUnavailableException,
    BlockedException,
    FollowNotAllowedException,
    NotBlockedException,
    NotMutedException,
)
from .outbox import defer, recording
from .refs import Ref
from .registration import registry
from .results import FollowList
from .signals import blocked, muted, unblocked, unfollowed, unmuted

logger = logging.getLogger("sequere")

__all__ = [
    "block",
    "unblock",
    "is_blocked",
    "get_blocked",
    "get_blocked_count",
    "mute",
    "unmute",
    "is_muted",
    "get_muted",
    "get_muted_count",
]


def _not_allowed(from_instance: Any, to_instance: Any, options: ModelBase) -> FollowNotAllowedException:
    return FollowNotAllowedException(
        f"{type(options).__name__}.can_follow({from_instance!r}, {to_instance!r}) said no, so the follow "
        "was refused and nothing stored; change can_follow() on the ModelBase registered for "
        f"{type(to_instance).__name__}, or check it before calling follow()."
    )


def check_can_follow(from_instance: Any, to_instance: Any) -> None:
    """Raise :class:`~sequere.exceptions.FollowNotAllowedException` unless the
    :meth:`~sequere.base.ModelBase.can_follow` of ``to_instance``'s registration allows it."""
    options = registry.get(to_instance)
    if not options.can_follow(from_instance, to_instance):
        raise _not_allowed(from_instance, to_instance, options)


async def acheck_can_follow(from_instance: Any, to_instance: Any) -> None:
    """:func:`check_can_follow` for async callers: an overridden ``can_follow`` (which may query
    the database) runs in Django's worker thread; the default runs inline."""
    options = registry.get(to_instance)
    hook = options.can_follow
    if type(options).can_follow is ModelBase.can_follow:
        allowed = hook(from_instance, to_instance)
    else:
        allowed = await sync_to_async(hook)(from_instance, to_instance)
    if not allowed:
        raise _not_allowed(from_instance, to_instance, options)


def blocked_error(exc: BlockedException, from_instance: Any, to_instance: Any) -> BlockedException:
    """The backend's refusal, reworded with the instances (raise it ``from exc``)."""
    error = BlockedException(
        f"{from_instance!r} cannot follow {to_instance!r}: a block stands between them (either "
        "blocks the other; see is_blocked()). Nothing was stored; the one who blocks must "
        "unblock() first.",
        blocker=exc.blocker,
        blocked=exc.blocked,
    )
    return error


def _block(backend: Any, from_ref: Ref, to_ref: Ref, from_instance: Any, to_instance: Any) -> Any:
    with recording(joins_database_transaction=backend.joins_database_transaction, service="block") as change:
        outcome = backend.block(from_ref, to_ref, timezone.now())

        def undo() -> None:
            if outcome.created:
                backend.unblock(from_ref, to_ref)
            # the follows come back dated now: their dates are not known here
            if outcome.forward:
                backend.add(from_ref, to_ref, timezone.now())
            if outcome.backward:
                backend.add(to_ref, from_ref, timezone.now())

        change.undo = undo
        if outcome.forward:
            unfollowed.send(sender=type(from_instance), from_instance=from_instance, to_instance=to_instance)
        if outcome.backward:
            unfollowed.send(sender=type(to_instance), from_instance=to_instance, to_instance=from_instance)
        if outcome.created:
            # pending follow requests of the pair go too; none can be made once the block stands
            backend.remove_requests_between(from_ref, to_ref)
            blocked.send(sender=type(from_instance), from_instance=from_instance, to_instance=to_instance)
    return outcome


def settle_block(blocker: list[str], blocked: list[str]) -> int:
    """Outbox job recorded when a block's store failed to answer: once it answers, if the block is
    there, send :data:`~sequere.signals.blocked` (the timeline then takes each side's actions out
    of the other's timelines). Returns 1 if sent, else 0 (no block, or an instance is gone)."""
    from_ref, to_ref = Ref(*blocker), Ref(*blocked)
    if not get_backend().is_blocked(from_ref, to_ref):
        return 0
    found = registry.load([from_ref, to_ref])
    if from_ref not in found or to_ref not in found:
        return 0
    source, target = found[from_ref], found[to_ref]
    signals.blocked.send(sender=type(source), from_instance=source, to_instance=target)
    return 1


def block(from_instance: Any, to_instance: Any) -> None:
    """``from_instance`` blocks ``to_instance``: follows both ways go and cannot come back.

    Sends :data:`~sequere.signals.unfollowed` for each follow removed, then
    :data:`~sequere.signals.blocked`; the timeline app takes the actions of each side out of the
    other's timelines. The block and that derived work are recorded as one step
    (:func:`sequere.outbox.recording`). Raises
    :class:`~sequere.exceptions.AlreadyBlockedException` when the block exists (a no-op with
    ``SEQUERE_FAIL_SILENTLY = True``), :class:`~sequere.exceptions.InvalidInstanceException`
    for blocking oneself, :class:`~sequere.exceptions.NotRegisteredException` for a model that
    is not registered; nothing is stored then. When Redis does not answer
    (:class:`~sequere.exceptions.BackendUnavailableException`), the block may have been stored:
    a :func:`settle_block` job in the outbox finds out once it answers.
    """
    from_ref, to_ref = _pair(from_instance, to_instance, "block")
    backend = get_backend()
    try:
        outcome = _block(backend, from_ref, to_ref, from_instance, to_instance)
    except BackendUnavailableException as exc:
        if not backend.joins_database_transaction:
            # the block may have been stored without its signals: found out later (settle_block)
            try:
                defer(
                    settle_block,
                    reason=f"{type(exc).__name__}: {exc}",
                    blocker=list(from_ref),
                    blocked=list(to_ref),
                )
            except DatabaseError:  # the outbox is down too: the original failure is the one to raise
                logger.exception("sequere: could not record the settle job of a failed block")
        raise
    if not outcome.created and not sequere_settings.FAIL_SILENTLY:
        raise AlreadyBlockedException(
            f"{from_instance!r} already blocks {to_instance!r}; check is_blocked() first or set "
            "SEQUERE_FAIL_SILENTLY = True to ignore repeated blocks."
        )


def unblock(from_instance: Any, to_instance: Any) -> None:
    """Lift the block ``from_instance`` put on ``to_instance`` (the follows do not come back).

    Raises :class:`~sequere.exceptions.NotBlockedException` when there is none (a no-op with
    ``SEQUERE_FAIL_SILENTLY = True``). Sends :data:`~sequere.signals.unblocked`.
    """
    from_ref, to_ref = _pair(from_instance, to_instance, "unblock")
    backend = get_backend()
    with recording(joins_database_transaction=backend.joins_database_transaction, service="unblock"):
        removed = backend.unblock(from_ref, to_ref)
        if removed:
            unblocked.send(sender=type(from_instance), from_instance=from_instance, to_instance=to_instance)
    if not removed and not sequere_settings.FAIL_SILENTLY:
        raise NotBlockedException(
            f"{from_instance!r} does not block {to_instance!r}; check is_blocked() first or set "
            "SEQUERE_FAIL_SILENTLY = True to ignore it."
        )


def is_blocked(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance`` blocks ``to_instance`` (one way: ask both ways for "either")."""
    from_ref, to_ref = _pair(from_instance, to_instance, "block")
    return get_backend().is_blocked(from_ref, to_ref)


def get_blocked(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """Who ``instance`` blocks: a lazy list of ``(blocked, blocked_at)``, newest first."""
    return ref_list(BLOCKS, instance, identifier, desc)


def get_blocked_count(instance: Any, identifier: Any = None) -> int:
    """How many ``instance`` blocks (of type ``identifier`` when given)."""
    return ref_count(BLOCKS, instance, identifier)


def mute(from_instance: Any, to_instance: Any) -> None:
    """``from_instance`` mutes ``to_instance``: it still follows, but no longer sees its actions.

    The actions already in ``from_instance``'s private timeline leave it (a job queued through
    the outbox, as an unfollow's removal is). Raises
    :class:`~sequere.exceptions.AlreadyMutedException` when it is muted already (a no-op with
    ``SEQUERE_FAIL_SILENTLY = True``). Sends :data:`~sequere.signals.muted`. Muting needs no
    follow: a mute set first holds when a follow comes later.
    """
    from_ref, to_ref = _pair(from_instance, to_instance, "mute")
    backend = get_backend()
    with recording(joins_database_transaction=backend.joins_database_transaction, service="mute") as change:
        added = backend.mute(from_ref, to_ref, timezone.now())
        if added:
            change.undo = lambda: backend.unmute(from_ref, to_ref)
            muted.send(sender=type(from_instance), from_instance=from_instance, to_instance=to_instance)
    if not added and not sequere_settings.FAIL_SILENTLY:
        raise AlreadyMutedException(
            f"{from_instance!r} already mutes {to_instance!r}; check is_muted() first or set "
            "SEQUERE_FAIL_SILENTLY = True to ignore repeated mutes."
        )


def unmute(from_instance: Any, to_instance: Any) -> None:
    """Stop muting ``to_instance``: its recent actions come back as when following it.

    Raises :class:`~sequere.exceptions.NotMutedException` when it was not muted (a no-op with
    ``SEQUERE_FAIL_SILENTLY = True``). Sends :data:`~sequere.signals.unmuted`.
    """
    from_ref, to_ref = _pair(from_instance, to_instance, "unmute")
    backend = get_backend()
    with recording(joins_database_transaction=backend.joins_database_transaction, service="unmute"):
        removed = backend.unmute(from_ref, to_ref)
        if removed:
            unmuted.send(sender=type(from_instance), from_instance=from_instance, to_instance=to_instance)
    if not removed and not sequere_settings.FAIL_SILENTLY:
        raise NotMutedException(
            f"{from_instance!r} does not mute {to_instance!r}; check is_muted() first or set "
            "SEQUERE_FAIL_SILENTLY = True to ignore it."
        )


def is_muted(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance`` mutes ``to_instance``."""
    from_ref, to_ref = _pair(from_instance, to_instance, "mute")
    return get_backend().is_muted(from_ref, to_ref)


def get_muted(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """Who ``instance`` mutes: a lazy list of ``(muted, muted_at)``, newest first."""
    return ref_list(MUTES, instance, identifier, desc)


def get_muted_count(instance: Any, identifier: Any = None) -> int:
    """How many ``instance`` mutes (of type ``identifier`` when given)."""
    return ref_count(MUTES, instance, identifier)
