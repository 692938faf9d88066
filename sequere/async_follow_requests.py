"""Async twins of the follow-request API (re-exported by :mod:`sequere.models`).

Reads are native: the lists and counts go through the backend's async methods
(``redis.asyncio``, Django's async ORM) like :func:`~sequere.models.aget_followers`, and
:func:`ahas_requested` is one awaited read. The answers (:func:`aapprove`, :func:`adeny`,
:func:`acancel`) run their sync twins in Django's thread-sensitive worker thread: each records
its signals' derived work in the outbox, a database transaction, and Django has no async ones.
A follow request itself is :func:`~sequere.models.afollow`.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from . import follow_requests
from .async_api import _acount, _alist
from .async_results import AsyncFollowList
from .backends import REQUESTS, SENT_REQUESTS, get_backend
from .edges import edge_refs as _edge_refs

__all__ = [
    "aget_follow_requests",
    "aget_follow_requests_count",
    "aget_sent_requests",
    "aget_sent_requests_count",
    "ahas_requested",
    "aapprove",
    "adeny",
    "acancel",
]


def aget_follow_requests(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """Pending requests to follow ``instance``, as an async lazy list (no I/O until read)."""
    return _alist(REQUESTS, instance, identifier, desc)


def aget_sent_requests(instance: Any, identifier: Any = None, desc: bool = True) -> AsyncFollowList:
    """``instance``'s own pending requests, as an async lazy list."""
    return _alist(SENT_REQUESTS, instance, identifier, desc)


async def aget_follow_requests_count(instance: Any, identifier: Any = None) -> int:
    """How many requests to follow ``instance`` are pending, awaited."""
    return await _acount(REQUESTS, instance, identifier)


async def aget_sent_requests_count(instance: Any, identifier: Any = None) -> int:
    """How many of ``instance``'s requests are pending, awaited."""
    return await _acount(SENT_REQUESTS, instance, identifier)


async def ahas_requested(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance``'s request to follow ``to_instance`` is pending, awaited."""
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    return await get_backend().arequest_exists(from_ref, to_ref)


async def aapprove(instance: Any, requester: Any) -> None:
    """:func:`~sequere.models.approve`, awaited."""
    await sync_to_async(follow_requests.approve)(instance, requester)


async def adeny(instance: Any, requester: Any) -> None:
    """:func:`~sequere.models.deny`, awaited."""
    await sync_to_async(follow_requests.deny)(instance, requester)


async def acancel(requester: Any, instance: Any) -> None:
    """:func:`~sequere.models.cancel`, awaited."""
    await sync_to_async(follow_requests.cancel)(requester, instance)
