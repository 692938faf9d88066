"""The async follow API: ``afollow``, ``aunfollow``, ``ais_following``, ``aget_*`` (re-exported by
:mod:`sequere.models`).

Each answers what its sync twin answers, raises what it raises and sends the same signals once per
real change. What is async and what is not:

* Redis follow backend: the edge write and every read are native ``redis.asyncio`` calls (the
  backend's ``aadd``/``aremove``/``aexists``/``acount``/``afetch``/``afetch_keyset``); then the
  ``followed``/``unfollowed`` signal is sent, and the derived work its receivers queue is recorded
  in the outbox, in Django's thread-sensitive worker thread (:func:`sequere.async_outbox.record_after`):
  the outbox is a database table and Django has no async transactions. When nobody listens to the
  signal, there is nothing to record and no thread is used.
* Database follow backend: reads through Django's async ORM (``aexists``, ``acount``, ``async for``,
  ``ain_bulk``); a follow or unfollow is the sync one in the worker thread, since the edge row and
  the outbox row belong in one transaction.
* Instances on a page are loaded with ``ain_bulk``: one query per model type, as in the sync API.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from . import api, outcomes
from .api import _list
from .async_outbox import record_after, shielded
from .async_results import AsyncFollowList
from .backends import FOLLOWERS, FOLLOWINGS, FRIENDS, get_backend
from .conf import sequere_settings
from .edges import edge_refs as _edge_refs
from .exceptions import (
    AlreadyFollowingException,
    BlockedException,
    NotFollowingException,
    OutcomeUnknownException,
)
from .follow_results import FollowResult
from .registration import registry
from .relations import acheck_can_follow, blocked_error
from .signals import followed, unfollowed

__all__ = [
    "afollow",
    "aunfollow",
    "ais_following",
    "aget_followers",
    "aget_followings",
    "aget_friends",
    "aget_followers_count",
    "aget_followings_count",
    "aget_friends_count",
]


async def _write(coroutine: Any) -> bool:
    try:
        return await coroutine
    except OutcomeUnknownException as exc:
        await sync_to_async(outcomes.record)(exc)
        raise


async def afollow(from_instance: Any, to_instance: Any) -> FollowResult | None:
    """:func:`~sequere.models.follow`, awaited (see the module doc for what runs where).

    A follow of an account that requires approval (a follow request) is the sync call in the
    worker thread; ``requires_approval()`` itself is called here, in the event loop, so it
    should read the instance rather than query.
    """
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    backend = get_backend()
    if backend.joins_database_transaction or registry.get(to_instance).requires_approval(to_instance):
        return await sync_to_async(api.follow)(from_instance, to_instance)
    await acheck_can_follow(from_instance, to_instance)
    created_at = timezone.now()
    sender = type(from_instance)

    async def work() -> bool:
        try:
            added = await _write(backend.aadd(from_ref, to_ref, created_at))
        except BlockedException as exc:
            raise blocked_error(exc, from_instance, to_instance) from exc
        if added and followed.has_listeners(sender):
            await record_after(
                service="follow",
                record=lambda: followed.send(
                    sender=sender, from_instance=from_instance, to_instance=to_instance, created_at=created_at
                ),
                undo=lambda: backend.aremove(from_ref, to_ref),
            )
        return added

    if not await shielded(work()) and not sequere_settings.FAIL_SILENTLY:
        raise AlreadyFollowingException(
            f"{from_instance!r} already follows {to_instance!r}; check ais_following() first or "
            "set SEQUERE_FAIL_SILENTLY = True to ignore repeated follows."
        )
    return None


async def aunfollow(from_instance: Any, to_instance: Any) -> None:
    """:func:`~sequere.models.unfollow`, awaited."""
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    backend = get_backend()
    if backend.joins_database_transaction:
        return await sync_to_async(api.unfollow)(from_instance, to_instance)
    sender = type(from_instance)

    async def work() -> bool:
        removed = await _write(backend.aremove(from_ref, to_ref))
        if removed and unfollowed.has_listeners(sender):
            await record_after(
                service="unfollow",
                record=lambda: unfollowed.send(
                    sender=sender, from_instance=from_instance, to_instance=to_instance
                ),
                # the edge comes back with a date of now, as in the sync API
                undo=lambda: backend.aadd(from_ref, to_ref, timezone.now()),
            )
        return removed

    if not await shielded(work()) and not sequere_settings.FAIL_SILENTLY:
        raise NotFollowingException(
            f"{from_instance!r} does not follow {to_instance!r}; check ais_following() first or "
            "set SEQUERE_FAIL_SILENTLY = True to ignore it."
        )


async def ais_following(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance`` follows ``to_instance``, awaited."""
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    return await get_backend().aexists(from_ref, to_ref)


def _alist(kind: str, instance: Any, identifier: Any, desc: bool) -> AsyncFollowList:
    return AsyncFollowList(_list(kind, instance, identifier, desc))


async def _acount(kind: str, instance: Any, identifier: Any) -> int:
    ident = None if identifier is None else registry.get_identifier(identifier)
    return await get_backend().acount(kind, registry.get_ref(instance), identifier=ident)


def aget_followers(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """Who follows ``instance``, as an async lazy list (``await .page()``, ``async for``); no I/O
    until then. Arguments as :func:`~sequere.models.get_followers`."""
    return _alist(FOLLOWERS, instance, identifier, desc)


def aget_followings(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """What ``instance`` follows, as an async lazy list."""
    return _alist(FOLLOWINGS, instance, identifier, desc)


def aget_friends(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """Mutual follows of ``instance``, as an async lazy list."""
    return _alist(FRIENDS, instance, identifier, desc)


async def aget_followers_count(instance: Any, identifier: Any = None) -> int:
    """How many follow ``instance``, awaited."""
    return await _acount(FOLLOWERS, instance, identifier)


async def aget_followings_count(instance: Any, identifier: Any = None) -> int:
    """How many resources ``instance`` follows, awaited."""
    return await _acount(FOLLOWINGS, instance, identifier)


async def aget_friends_count(instance: Any, identifier: Any = None) -> int:
    """How many mutual follows ``instance`` has, awaited."""
    return await _acount(FRIENDS, instance, identifier)
