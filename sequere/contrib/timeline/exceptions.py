"""Errors raised by the timeline engine; each is a :class:`~sequere.exceptions.SequereException`."""

from __future__ import annotations

from ...exceptions import SequereException


class InvalidActionException(SequereException):
    """An action that cannot be saved: no verb, an unregistered verb, or extra data that is not JSON."""
