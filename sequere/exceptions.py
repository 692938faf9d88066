"""Exceptions raised by sequere; every one is a :class:`SequereException`."""

from __future__ import annotations


class SequereException(Exception):
    """Base class of every error sequere raises on purpose."""


class AlreadyFollowingException(SequereException):
    """``follow(a, b)`` when ``a`` already follows ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


class NotFollowingException(SequereException):
    """``unfollow(a, b)`` when ``a`` does not follow ``b`` (and ``SEQUERE_FAIL_SILENTLY`` is off)."""


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
