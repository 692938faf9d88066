"""The follow API, written once above the backends (re-exported by :mod:`sequere.models`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import outcomes
from .backends import FOLLOWERS, FOLLOWINGS, FRIENDS, get_backend
from .conf import sequere_settings
from .edges import edge_refs as _edge_refs
from .edges import ref_count as _count
from .edges import ref_list as _list
from .exceptions import (
    AlreadyFollowingException,
    BlockedException,
    NotFollowingException,
    OutcomeUnknownException,
)
from .follow_requests import request
from .follow_results import FollowResult
from .outbox import recording
from .registration import registry
from .relations import blocked_error, check_can_follow
from .results import FollowList
from .signals import followed, unfollowed

__all__ = [
    "follow",
    "unfollow",
    "is_following",
    "get_followers",
    "get_followings",
    "get_friends",
    "get_followers_count",
    "get_followings_count",
    "get_friends_count",
]


def follow(from_instance: Any, to_instance: Any) -> FollowResult | None:
    """Make ``from_instance`` follow ``to_instance`` and send :data:`~sequere.signals.followed`.

    Returns ``None``, as the original package did; but when ``to_instance``'s
    :meth:`~sequere.base.ModelBase.requires_approval` says True, it stores a pending follow
    request instead and returns :data:`~sequere.REQUESTED` (see :mod:`sequere.follow_requests`;
    :class:`~sequere.exceptions.AlreadyRequestedException` while one is pending).

    Raises :class:`~sequere.exceptions.AlreadyFollowingException` if it already does (a no-op
    when ``SEQUERE_FAIL_SILENTLY = True``);
    :class:`~sequere.exceptions.FollowNotAllowedException` when ``to_instance``'s
    :meth:`~sequere.base.ModelBase.can_follow` says no, and
    :class:`~sequere.exceptions.BlockedException` when either blocks the other
    (:func:`sequere.models.block`), whatever ``SEQUERE_FAIL_SILENTLY`` says. The edge and the
    derived work of the signal's receivers (the timeline import) are recorded as one step
    (:func:`sequere.outbox.recording`): on an error, nothing is stored, except after
    :class:`~sequere.exceptions.OutcomeUnknownException`, when the outbox finds out later
    (:mod:`sequere.outcomes`).
    """
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    check_can_follow(from_instance, to_instance)
    if registry.get(to_instance).requires_approval(to_instance):
        return request(from_instance, to_instance, from_ref, to_ref)
    created_at = timezone.now()
    backend = get_backend()
    try:
        with recording(
            joins_database_transaction=backend.joins_database_transaction, service="follow"
        ) as change:
            added = backend.add(from_ref, to_ref, created_at)
            if added:
                change.undo = lambda: backend.remove(from_ref, to_ref)
                followed.send(
                    sender=type(from_instance),
                    from_instance=from_instance,
                    to_instance=to_instance,
                    created_at=created_at,
                )
    except OutcomeUnknownException as exc:
        outcomes.record(exc)
        raise
    except BlockedException as exc:
        raise blocked_error(exc, from_instance, to_instance) from exc
    if not added and not sequere_settings.FAIL_SILENTLY:
        raise AlreadyFollowingException(
            f"{from_instance!r} already follows {to_instance!r}; check is_following() first or "
            "set SEQUERE_FAIL_SILENTLY = True to ignore repeated follows."
        )
    return None


def unfollow(from_instance: Any, to_instance: Any) -> None:
    """Stop ``from_instance`` following ``to_instance`` and send :data:`~sequere.signals.unfollowed`.

    Raises :class:`~sequere.exceptions.NotFollowingException` if it did not follow it (a no-op
    when ``SEQUERE_FAIL_SILENTLY = True``). Recorded with its derived work as :func:`follow` is.
    """
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    backend = get_backend()
    try:
        with recording(
            joins_database_transaction=backend.joins_database_transaction, service="unfollow"
        ) as change:
            removed = backend.remove(from_ref, to_ref)
            if removed:
                # the edge comes back with a date of now: the original date is not known here
                change.undo = lambda: backend.add(from_ref, to_ref, timezone.now())
                unfollowed.send(
                    sender=type(from_instance), from_instance=from_instance, to_instance=to_instance
                )
    except OutcomeUnknownException as exc:
        outcomes.record(exc)
        raise
    if not removed and not sequere_settings.FAIL_SILENTLY:
        raise NotFollowingException(
            f"{from_instance!r} does not follow {to_instance!r}; check is_following() first or "
            "set SEQUERE_FAIL_SILENTLY = True to ignore it."
        )


def is_following(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance`` follows ``to_instance``."""
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    return get_backend().exists(from_ref, to_ref)


def get_followers(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """Who follows ``instance``: a lazy list of ``(follower, followed_at)``, newest first.

    ``identifier`` (a string, a model or an instance) keeps one type of follower.
    """
    return _list(FOLLOWERS, instance, identifier, desc)


def get_followings(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """What ``instance`` follows: a lazy list of ``(followed, followed_at)``, newest first."""
    return _list(FOLLOWINGS, instance, identifier, desc)


def get_friends(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """Mutual follows of ``instance``: ``(friend, since)`` where ``since`` is when it became mutual."""
    return _list(FRIENDS, instance, identifier, desc)


def get_followers_count(instance: Any, identifier: Any = None) -> int:
    """How many follow ``instance`` (of type ``identifier`` when given)."""
    return _count(FOLLOWERS, instance, identifier)


def get_followings_count(instance: Any, identifier: Any = None) -> int:
    """How many resources ``instance`` follows (of type ``identifier`` when given)."""
    return _count(FOLLOWINGS, instance, identifier)


def get_friends_count(instance: Any, identifier: Any = None) -> int:
    """How many mutual follows ``instance`` has (of type ``identifier`` when given)."""
    return _count(FRIENDS, instance, identifier)
