"""Exceptions raised by sequere; every one is a :class:`SequereException`."""

from __future__ import annotations


class SequereException(Exception):
    """Base class of every error sequere raises on purpose."""


class AlreadyFollowingException(SequereException):
    """``follow(a, b)`` when ``a`` already follows ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class NotFollowingException(SequereException):
    """``unfollow(a, b)`` when ``a`` does not follow ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class AlreadyRequestedException(SequereException):
    """``follow(a, b)`` when ``b`` requires approval and ``a``'s request is still pending (and
    ``SEQUERE_FAIL_SILENTLY`` is off)."""


class FollowRequestNotFoundException(SequereException):
    """``approve``, ``deny`` or ``cancel`` of a follow request that is not pending (never made,
    or already approved, denied or cancelled); nothing was changed."""


class BlockedException(SequereException):
    """``follow(a, b)`` while ``a`` blocks ``b`` or ``b`` blocks ``a`` (see :func:`sequere.models.block`).

    A block forbids follows both ways. ``blocker`` and ``blocked`` are the block's
    :class:`~sequere.refs.Ref` pair (who blocks whom, whichever way the follow went). Raised
    whatever ``SEQUERE_FAIL_SILENTLY`` says: nothing was stored.
    """

    def __init__(self, message: str, *, blocker: object = None, blocked: object = None):
        super().__init__(message)
        self.blocker = blocker
        self.blocked = blocked


class FollowNotAllowedException(SequereException):
    """``follow(a, b)`` when the ``can_follow(a, b)`` of ``b``'s :class:`~sequere.base.ModelBase`
    says no; nothing was stored."""


class NotBlockedException(SequereException):
    """``unblock(a, b)`` when ``a`` does not block ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class AlreadyBlockedException(SequereException):
    """``block(a, b)`` when ``a`` already blocks ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class NotMutedException(SequereException):
    """``unmute(a, b)`` when ``a`` has not muted ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class AlreadyMutedException(SequereException):
    """``mute(a, b)`` when ``a`` has already muted ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class NotRegisteredException(SequereException):
    """A model (or identifier) that was never passed to :func:`sequere.register`."""


class AlreadyRegisteredException(SequereException):
    """A model, or an identifier, registered twice."""


class InvalidIdentifierException(SequereException):
    """A ``ModelBase.identifier`` that cannot be stored: not a string, empty, too long, or with a NUL."""


class InvalidInstanceException(SequereException):
    """An instance sequere cannot store: not a model instance, unsaved, a primary key with a NUL
    character, or a resource following itself."""


class BackendUnavailableException(SequereException):
    """The storage server could not be reached or did not answer in time.

    ``__cause__`` holds the client library's original error.
    """


class OutcomeUnknownException(BackendUnavailableException):
    """A write was sent, but no reply came, and a resend got none either: it may have been stored.

    Raised by the Redis follow backend when a ``follow()`` or ``unfollow()`` lost its reply (a
    timeout, a cut connection, a server paused or killed) and sequere's one resend could not
    learn what the first try did. The change may have been made, or may be made later by a server
    that was only paused; no ``followed``/``unfollowed`` signal was sent for it. Once the server
    answers, :func:`~sequere.models.is_following` tells which; what the timeline derived from the
    edge is put right by the outbox (below).

    A :class:`BackendUnavailableException`, so code that handles an unreachable server handles
    this too. ``operation`` is ``"follow"`` or ``"unfollow"``, ``follower`` and ``followed`` the
    edge's :class:`~sequere.refs.Ref` pair, ``token`` what tells this write from any other (a
    follow's date in microseconds, an unfollow's operation id); ``__cause__`` holds the client
    library's last error. ``follow()`` and ``unfollow()`` record a job in the outbox before they
    raise it, which finds out once the server answers and sends the signal of a change that was
    made (:func:`sequere.outcomes.settle`).
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        follower: object = None,
        followed: object = None,
        token: str = "",
    ):
        super().__init__(message)
        self.operation = operation
        self.follower = follower
        self.followed = followed
        self.token = token


class InvalidPageException(SequereException):
    """A cursor page asked for with bad arguments: a size out of range, or both ``after`` and ``before``."""


class InvalidCursorException(InvalidPageException):
    """A cursor that this list did not hand out: forged, tampered with, signed with another
    ``SECRET_KEY``, or taken from another list (another object, filter, order or backend).

    Cursors come from a :class:`~sequere.cursors.CursorPage`'s ``next_cursor`` and
    ``previous_cursor``; the fix is to start again from the first page. The REST API answers 400.
    """
