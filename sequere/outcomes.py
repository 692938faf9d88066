"""Writes whose outcome is unknown: found out later, through the outbox, and their signal sent once.

A follow or unfollow whose reply was lost twice raises
:class:`~sequere.exceptions.OutcomeUnknownException` to its caller, after recording a
:func:`settle` job in the outbox (:func:`record`). The job waits for the outbox's first retry
delay (a server that was only paused has run what it had been sent by then), asks the backend
whether that very write was made (:meth:`~sequere.backends.base.BaseBackend.made`) and, when it
was, sends the ``followed`` or ``unfollowed`` signal the call could not send, so the timeline
import or removal follows. While the store does not answer, the job is postponed with backoff.
"""

from __future__ import annotations

from typing import Any

from . import signals
from .backends import get_backend
from .exceptions import OutcomeUnknownException
from .outbox import defer
from .refs import Ref
from .registration import registry
from .timeutils import from_micros

__all__ = ["record", "settle"]


def record(exc: OutcomeUnknownException) -> None:
    """Record the :func:`settle` job of ``exc``'s write in the outbox."""
    defer(
        settle,
        reason=f"{type(exc).__name__}: {exc}",
        operation=exc.operation,
        follower=list(exc.follower),
        followed=list(exc.followed),
        token=exc.token,
    )


def settle(operation: str, follower: list[str], followed: list[str], token: str) -> int:
    """Job: send the signal of the write ``token`` names if it was made; returns 1 if so, else 0.

    Nothing is sent when the write was not made, or when either instance is gone (deleting it
    cleans up after the edge).
    """
    from_ref, to_ref = Ref(*follower), Ref(*followed)
    if not get_backend().made(operation, from_ref, to_ref, token):
        return 0
    found = registry.load([from_ref, to_ref])
    if from_ref not in found or to_ref not in found:
        return 0
    from_instance, to_instance = found[from_ref], found[to_ref]
    sender: Any = type(from_instance)
    if operation == "follow":
        signals.followed.send(
            sender=sender,
            from_instance=from_instance,
            to_instance=to_instance,
            created_at=from_micros(int(token)),
        )
    else:
        signals.unfollowed.send(sender=sender, from_instance=from_instance, to_instance=to_instance)
    return 1
