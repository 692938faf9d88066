"""Async twins of the block and mute API (re-exported by :mod:`sequere.models`).

Each answers what its sync twin in :mod:`sequere.relations` answers, raises what it raises and
sends the same signals. Writes and point reads run the sync call in Django's thread-sensitive
worker thread (a block or mute is recorded with its derived work in the outbox, a database table,
and Django has no async transactions); lists are async lazy lists (``await .page()``,
``async for``) and counts use the backend's async count, as ``aget_followings`` does.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from . import relations
from .async_results import AsyncFollowList
from .backends import BLOCKS, MUTES, get_backend
from .edges import identifier_filter
from .registration import registry

__all__ = [
    "ablock",
    "aunblock",
    "ais_blocked",
    "aget_blocked",
    "aget_blocked_count",
    "amute",
    "aunmute",
    "ais_muted",
    "aget_muted",
    "aget_muted_count",
]


async def ablock(from_instance: Any, to_instance: Any) -> None:
    """:func:`~sequere.models.block`, awaited."""
    await sync_to_async(relations.block)(from_instance, to_instance)


async def aunblock(from_instance: Any, to_instance: Any) -> None:
    """:func:`~sequere.models.unblock`, awaited."""
    await sync_to_async(relations.unblock)(from_instance, to_instance)


async def ais_blocked(from_instance: Any, to_instance: Any) -> bool:
    """:func:`~sequere.models.is_blocked`, awaited."""
    return await sync_to_async(relations.is_blocked)(from_instance, to_instance)


async def amute(from_instance: Any, to_instance: Any) -> None:
    """:func:`~sequere.models.mute`, awaited."""
    await sync_to_async(relations.mute)(from_instance, to_instance)


async def aunmute(from_instance: Any, to_instance: Any) -> None:
    """:func:`~sequere.models.unmute`, awaited."""
    await sync_to_async(relations.unmute)(from_instance, to_instance)


async def ais_muted(from_instance: Any, to_instance: Any) -> bool:
    """:func:`~sequere.models.is_muted`, awaited."""
    return await sync_to_async(relations.is_muted)(from_instance, to_instance)


def aget_blocked(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """Who ``instance`` blocks, as an async lazy list; no I/O until it is read."""
    return AsyncFollowList(relations.get_blocked(instance, identifier=identifier, desc=desc))


def aget_muted(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """Who ``instance`` mutes, as an async lazy list; no I/O until it is read."""
    return AsyncFollowList(relations.get_muted(instance, identifier=identifier, desc=desc))


async def _acount(kind: str, instance: Any, identifier: Any) -> int:
    ident = identifier_filter(identifier)
    return await get_backend().acount(kind, registry.get_ref(instance), identifier=ident)


async def aget_blocked_count(instance: Any, identifier: Any = None) -> int:
    """How many ``instance`` blocks, awaited."""
    return await _acount(BLOCKS, instance, identifier)


async def aget_muted_count(instance: Any, identifier: Any = None) -> int:
    """How many ``instance`` mutes, awaited."""
    return await _acount(MUTES, instance, identifier)
