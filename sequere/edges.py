"""The refs of an API call's instances, shared by the follow, request and relation APIs.

Kept apart from :mod:`sequere.api` so that :mod:`sequere.follow_requests` and
:mod:`sequere.relations` need not import it (``api.follow`` calls into follow requests).
"""

from __future__ import annotations

from typing import Any

from .backends import get_backend
from .exceptions import InvalidInstanceException
from .refs import Ref
from .registration import registry
from .results import FollowList

__all__ = ["edge_refs", "identifier_filter", "ref_list", "ref_count"]


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


def ref_list(kind: str, instance: Any, identifier: Any = None, desc: bool = True) -> FollowList:
    """The lazy list of ``instance``'s ``kind`` (followers, blocks, requests...), no I/O yet."""
    return FollowList(
        get_backend(), kind, registry.get_ref(instance), identifier=identifier_filter(identifier), desc=desc
    )


def ref_count(kind: str, instance: Any, identifier: Any = None) -> int:
    """How many ``kind`` ``instance`` has (of type ``identifier`` when given): one backend count."""
    return get_backend().count(kind, registry.get_ref(instance), identifier=identifier_filter(identifier))
