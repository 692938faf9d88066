"""Template filters: ``{% load sequere_tags %}``.

``{{ project|identifier }}``, ``{{ project|followers_count }}``,
``{{ project|followers_count:"user" }}``, ``{{ user|followings_count }}``,
``{% if request.user|is_following:project %}``.
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import api
from ..registration import registry

register = template.Library()


@register.filter
def identifier(instance: Any) -> str:
    """The sequere identifier of a registered instance or model."""
    return registry.get_identifier(instance)


@register.filter
def followers_count(instance: Any, identifier: str | None = None) -> int:
    """Number of followers (of type ``identifier`` when given)."""
    return api.get_followers_count(instance, identifier=identifier or None)


@register.filter
def followings_count(instance: Any, identifier: str | None = None) -> int:
    """Number of followed resources (of type ``identifier`` when given)."""
    return api.get_followings_count(instance, identifier=identifier or None)


@register.filter
def is_following(from_instance: Any, to_instance: Any) -> bool:
    """Whether ``from_instance`` follows ``to_instance``; False for anonymous or unsaved users."""
    if not getattr(from_instance, "is_authenticated", True) or getattr(from_instance, "pk", None) is None:
        return False
    if from_instance == to_instance:
        return False
    return api.is_following(from_instance, to_instance)
