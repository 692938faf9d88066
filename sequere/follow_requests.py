"""Follow requests and private accounts (re-exported by :mod:`sequere.models`; see :doc:`/requests`).

An account whose :meth:`~sequere.base.ModelBase.requires_approval` says True approves its
follows: :func:`~sequere.models.follow` stores a pending request instead of the edge and answers
:data:`~sequere.REQUESTED` (a plain follow answers ``None``). The account approves it (the edge
is made, ``follow_approved`` then ``followed`` sent, so the timeline import runs as after a
follow) or denies it; the requester may cancel it. Pending requests are not follows: follower,
following and friend lists and counts leave them out, and :func:`~sequere.models.is_following`
says False.

Argument order reads as a sentence: ``approve(account, requester)`` ("the account approves
the requester"), ``deny(account, requester)``, ``cancel(requester, account)``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .backends import REQUESTS, SENT_REQUESTS, get_backend
from .backends.base import ADDED, APPROVED, FOLLOWING, MISSING
from .conf import sequere_settings
from .edges import edge_refs as _edge_refs
from .edges import ref_count, ref_list
from .exceptions import (
    AlreadyFollowingException,
    AlreadyRequestedException,
    BlockedException,
    FollowRequestNotFoundException,
    OutcomeUnknownException,
)
from .follow_results import REQUESTED, FollowResult
from .outbox import defer, recording
from .refs import Ref
from .registration import registry
from .relations import blocked_error, check_can_follow
from .results import FollowList
from .signals import follow_approved, follow_cancelled, follow_denied, follow_requested, followed
from .timeutils import from_micros, to_micros

__all__ = [
    "requires_approval",
    "get_follow_requests",
    "get_follow_requests_count",
    "get_sent_requests",
    "get_sent_requests_count",
    "has_requested",
    "approve",
    "deny",
    "cancel",
]


def requires_approval(instance: Any) -> bool:
    """Whether a follow of ``instance`` waits for its approval (its ``ModelBase`` says so)."""
    return bool(registry.get(instance).requires_approval(instance))


def request(from_instance: Any, to_instance: Any, from_ref: Ref, to_ref: Ref) -> FollowResult | None:
    """What :func:`~sequere.models.follow` does for an account that requires approval.

    One write (one SQL statement; one round trip, one per slot on a cluster). Returns
    :data:`~sequere.REQUESTED`. Raises :class:`BlockedException` when either blocks the other
    (whatever ``SEQUERE_FAIL_SILENTLY`` says; checked in the same statement or script),
    :class:`AlreadyFollowingException` when the edge exists and
    :class:`AlreadyRequestedException` when a request is pending; with
    ``SEQUERE_FAIL_SILENTLY`` nothing changes and it returns what is in force (``None`` for the
    follow, :data:`~sequere.REQUESTED` for the pending request).
    """
    created_at = timezone.now()
    backend = get_backend()
    try:
        with recording(
            joins_database_transaction=backend.joins_database_transaction, service="follow request"
        ) as change:
            outcome = backend.add_request(from_ref, to_ref, created_at)
            if outcome == ADDED:
                change.undo = lambda: backend.remove_request(from_ref, to_ref)
                follow_requested.send(
                    sender=type(from_instance),
                    from_instance=from_instance,
                    to_instance=to_instance,
                    created_at=created_at,
                )
    except BlockedException as exc:
        raise blocked_error(exc, from_instance, to_instance) from exc
    if outcome == ADDED:
        return REQUESTED
    if sequere_settings.FAIL_SILENTLY:
        return None if outcome == FOLLOWING else REQUESTED
    if outcome == FOLLOWING:
        raise AlreadyFollowingException(
            f"{from_instance!r} already follows {to_instance!r}; check is_following() first or "
            "set SEQUERE_FAIL_SILENTLY = True to ignore repeated follows."
        )
    raise AlreadyRequestedException(
        f"{from_instance!r} already asked to follow {to_instance!r}, which has not answered yet; "
        "check has_requested() first, cancel() the request, or set SEQUERE_FAIL_SILENTLY = True "
        "to ignore repeated follows."
    )


def get_follow_requests(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """Pending requests to follow ``instance``: a lazy list of ``(requester, requested_at)``.

    Newest first (``desc=False``: oldest first); ``identifier`` keeps one type of requester.
    Like :func:`~sequere.models.get_followers`: ``len()``, ``count()``, slices, iteration,
    ``page()`` cursors, one backend read plus one query per model type per page.
    """
    return ref_list(REQUESTS, instance, identifier, desc)


def get_sent_requests(instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """The pending requests ``instance`` made: a lazy list of ``(account, requested_at)``."""
    return ref_list(SENT_REQUESTS, instance, identifier, desc)


def get_follow_requests_count(instance: Any, identifier: Any = None) -> int:
    """How many requests to follow ``instance`` are pending (of type ``identifier`` if given)."""
    return ref_count(REQUESTS, instance, identifier)


def get_sent_requests_count(instance: Any, identifier: Any = None) -> int:
    """How many of ``instance``'s requests are pending."""
    return ref_count(SENT_REQUESTS, instance, identifier)


def has_requested(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance``'s request to follow ``to_instance`` is pending."""
    from_ref, to_ref = _edge_refs(from_instance, to_instance)
    return get_backend().request_exists(from_ref, to_ref)


def _not_found(requester: Any, instance: Any, verb: str) -> FollowRequestNotFoundException:
    return FollowRequestNotFoundException(
        f"{requester!r} has no pending request to follow {instance!r} to {verb}: it was never "
        "made, or was approved, denied or cancelled already; list them with get_follow_requests()."
    )


def approve(instance: Any, requester: Any) -> None:
    """``instance`` approves ``requester``'s pending request: the edge is made, dated now.

    Atomic (see :meth:`~sequere.backends.base.BaseBackend.approve_request`); sends
    ``follow_approved`` then ``followed``, recorded with their derived work (the timeline
    import) as :func:`~sequere.models.follow` records its own. Raises
    :class:`FollowRequestNotFoundException` (nothing changed) when no request is pending, even
    with ``SEQUERE_FAIL_SILENTLY``; :class:`BlockedException` (nothing changed, the request
    stays) while either blocks the other; :class:`FollowNotAllowedException` (nothing changed,
    the request stays) when :meth:`~sequere.base.ModelBase.can_follow` no longer allows the
    follow, as :func:`~sequere.models.follow` would refuse it now. When ``requester`` already
    follows ``instance`` (it followed while the account did not require approval) the request
    is removed and nothing is sent.
    """
    from_ref, to_ref = _edge_refs(requester, instance)
    check_can_follow(requester, instance)
    created_at = timezone.now()
    backend = get_backend()
    try:
        with recording(
            joins_database_transaction=backend.joins_database_transaction, service="approval"
        ) as change:
            outcome = backend.approve_request(from_ref, to_ref, created_at)
            if outcome == APPROVED:
                change.undo = lambda: _unapprove(backend, from_ref, to_ref, created_at)
                _send_approved(requester, instance, created_at)
    except BlockedException as exc:
        raise blocked_error(exc, requester, instance) from exc
    except OutcomeUnknownException as exc:
        defer(
            finish_approval,
            reason=f"{type(exc).__name__}: {exc}",
            follower=list(from_ref),
            followed=list(to_ref),
            token=str(to_micros(created_at)),
        )
        raise
    if outcome == MISSING:
        raise _not_found(requester, instance, "approve")


def _send_approved(requester: Any, instance: Any, created_at: Any) -> None:
    sender = type(requester)
    follow_approved.send(sender=sender, from_instance=requester, to_instance=instance, created_at=created_at)
    followed.send(sender=sender, from_instance=requester, to_instance=instance, created_at=created_at)


def _unapprove(backend: Any, from_ref: Ref, to_ref: Ref, created_at: Any) -> None:
    backend.remove(from_ref, to_ref)
    backend.add_request(from_ref, to_ref, created_at)


def finish_approval(follower: list[str], followed: list[str], token: str) -> int:
    """Outbox job after an approval raised OutcomeUnknownException: complete it, send its signals.

    Returns 1 when the approval was made (its signals sent now), 0 when it was not or either
    instance is gone.
    """
    from_ref, to_ref = Ref(*follower), Ref(*followed)
    created_at = from_micros(int(token))
    if not get_backend().finish_approval(from_ref, to_ref, created_at):
        return 0
    found = registry.load([from_ref, to_ref])
    if from_ref not in found or to_ref not in found:
        return 0
    _send_approved(found[from_ref], found[to_ref], created_at)
    return 1


def _drop(requester: Any, instance: Any, verb: str, signal: Any) -> None:
    from_ref, to_ref = _edge_refs(requester, instance)
    backend = get_backend()
    with recording(joins_database_transaction=backend.joins_database_transaction, service=verb):
        removed = backend.remove_request(from_ref, to_ref)
        if removed:
            signal.send(sender=type(requester), from_instance=requester, to_instance=instance)
    if not removed:
        raise _not_found(requester, instance, verb)


def deny(instance: Any, requester: Any) -> None:
    """``instance`` denies ``requester``'s pending request (deleted; ``follow_denied`` sent).

    :class:`FollowRequestNotFoundException` when none is pending. The requester may ask again.
    """
    _drop(requester, instance, "deny", follow_denied)


def cancel(requester: Any, instance: Any) -> None:
    """``requester`` withdraws its pending request to follow ``instance`` (``follow_cancelled``).

    :class:`FollowRequestNotFoundException` when none is pending.
    """
    _drop(requester, instance, "cancel", follow_cancelled)
