"""The refs of an API call's instances, shared by the follow, request and relation APIs.

Kept apart from :mod:`sequere.api` so that :mod:`sequere.follow_requests` and
:mod:`sequere.relations` need not import it (``api.follow`` calls into follow requests).
"""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidInstanceException
from .refs import Ref
from .registration import registry

__all__ = ["edge_refs", "identifier_filter"]


def edge_refs(from_instance: Any, to_instance: Any, verb: str = "follow") -> tuple[Ref, Ref]:
    """The refs of two different registered instances; :class:`InvalidInstanceException` when
    they are one and the same (``verb`` names what it cannot do to itself)."""
    from_ref = registry.get_ref(from_instance)
    to_ref = registry.get_ref(to_instance)
    if from_ref == to_ref:
        raise InvalidInstanceException(f"{from_instance!r} cannot {verb} itself; pass two different objects.")
    return from_ref, to_ref


def identifier_filter(identifier: Any) -> str | None:
    """Accept an identifier string, a registered model or an instance for ``identifier=``."""
    return None if identifier is None else registry.get_identifier(identifier)
