"""Template filters: ``{% load sequere_tags %}``.

``{{ project|identifier }}``, ``{{ project|followers_count }}``,
``{{ project|followers_count:"user" }}``, ``{{ user|followings_count }}``,
``{% if request.user|is_following:project %}``, ``{% if request.user|has_requested:account %}``
(a pending follow request).

And a follow/unfollow button for the logged-in user (needs ``sequere.contrib.user``'s URLs)::

    {% sequere_follow_button project %}
    {% sequere_follow_button project next="/projects/" show_count=True %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from .. import api, follow_requests
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


@register.filter
def has_requested(from_instance: Any, to_instance: Any) -> bool:
    """``{% if request.user|has_requested:account %}``: a pending follow request; False for an
    anonymous user."""
    if not getattr(from_instance, "is_authenticated", True):
        return False
    return follow_requests.has_requested(from_instance, to_instance)


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        raise ImproperlyConfigured(
            f"{{% sequere_follow_button %}} cannot find the URL named {name!r}; add "
            "path('sequere/', include('sequere.contrib.user.urls')) to your URLconf."
        ) from None


@register.inclusion_tag("sequere/follow_button.html", takes_context=True)
def sequere_follow_button(
    context: template.Context, instance: Any, next: str | None = None, show_count: bool = False
) -> dict[str, Any]:
    """Render a follow/unfollow form for ``instance``: a real ``<form>``, so it works without JS.

    Anonymous users get a "log in to follow" link; nothing is rendered for the user's own
    object or when :meth:`~sequere.base.ModelBase.can_follow` says no. ``next`` is where the
    view sends the browser back (default: the current page); ``show_count`` adds the number of
    followers (unless :meth:`~sequere.base.ModelBase.can_view_followers` says no). The form
    carries ``data-sequere-*`` attributes for scripts that enhance it. For an object that
    requires approval (:meth:`~sequere.base.ModelBase.requires_approval`) with the user's
    request pending, the button says "Requested" and withdraws the request
    (``data-requested="true"``); that check costs one read, for such objects only.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if next is None and request is not None:
        next = request.get_full_path()
    options = registry.get(instance)
    show_count = show_count and options.can_view_followers(user, instance)
    data: dict[str, Any] = {"state": "hidden", "instance": instance, "show_count": show_count}
    if show_count:
        data["followers_count"] = api.get_followers_count(instance)
    if user is None or not user.is_authenticated:
        login_url = resolve_url(settings.LOGIN_URL)
        if next:
            login_url = f"{login_url}?{urlencode({'next': next})}"
        data.update(state="login", login_url=login_url)
        return data
    if user == instance or not options.can_follow(user, instance):
        return data
    following = api.is_following(user, instance)
    requested = (
        not following
        and options.requires_approval(instance)
        and follow_requests.has_requested(user, instance)
    )
    data.update(
        state="form",
        following=following,
        requested=requested,
        identifier=options.identifier,
        object_id=str(instance.pk),
        next=next or "",
        follow_url=_reverse("sequere_follow"),
        unfollow_url=_reverse("sequere_unfollow"),
    )
    data["action_url"] = data["unfollow_url"] if following or requested else data["follow_url"]
    return data
