"""``FollowView`` and ``UnFollowView``: the logged-in user follows or unfollows one object.

Both answer ``POST`` only, with the fields ``identifier`` (the sequere identifier of the object's
model) and ``object_id`` (its primary key, any type). As in the original django-sequere, the answer
is JSON counts (200) unless the form names a ``redirect_url`` (or ``next``): then it is a redirect
there when that URL is on this site, else to the object's page or :attr:`success_url`. Fetch/XHR
callers (``Accept: application/json``) always get JSON. For an object that requires approval,
``FollowView`` makes a follow request (JSON ``"requested": true``) and ``UnFollowView`` withdraws
a pending one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ... import api, follow_requests
from ...base import ModelBase
from ...exceptions import (
    AlreadyFollowingException,
    AlreadyRequestedException,
    BlockedException,
    FollowNotAllowedException,
    FollowRequestNotFoundException,
    InvalidInstanceException,
    NotFollowingException,
    NotRegisteredException,
)
from ...follow_results import REQUESTED
from ...registration import concrete, registry

__all__ = ["BaseFollowView", "FollowView", "UnFollowView", "follow_counts"]

REDIRECT_FIELDS = ("redirect_url", "next")


class RequestError(Exception):
    """The request names no object sequere can find; answered with ``status`` and the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def follow_counts(
    user: Any, instance: Any, identifier: str, following: bool, requested: bool = False
) -> dict[str, Any]:
    """The JSON body of both views, with the original django-sequere's names::

        {"followers_count": 12, "project_followers_count": 0,
         "followings_count": 3, "project_followings_count": 1, "following": true,
         "requested": false}

    ``followers_count`` is how many follow the object and ``<identifier>_followers_count`` how many
    of those are of the object's own type (both left out when
    :meth:`~sequere.base.ModelBase.can_view_followers` says no); ``followings_count`` is how many
    objects the user follows and ``<identifier>_followings_count`` how many of the object's type;
    ``following`` whether the user now follows the object; ``requested`` (added to the
    original's keys) whether the user's follow request is pending instead (the object requires
    approval, :doc:`/requests`): then ``following`` is false.
    """
    body: dict[str, Any] = {}
    # the object's followers are its own business: counted only for users who may see them
    if registry.get(instance).can_view_followers(user, instance):
        body["followers_count"] = api.get_followers_count(instance)
        body[f"{identifier}_followers_count"] = api.get_followers_count(instance, identifier=identifier)
    body["followings_count"] = api.get_followings_count(user)
    body[f"{identifier}_followings_count"] = api.get_followings_count(user, identifier=identifier)
    body["following"] = following
    body["requested"] = requested
    return body


@method_decorator([csrf_protect, never_cache], name="dispatch")
class BaseFollowView(View):
    """Shared request handling; subclasses implement :meth:`apply`."""

    http_method_names = ["post"]
    #: Whether the user follows the object once :meth:`apply` returned.
    following_after: bool
    #: Whether the user's follow request is pending once :meth:`apply` returned.
    requested_after: bool = False
    #: Where a form is sent when it names no safe ``redirect_url``/``next`` and the object has no
    #: ``get_absolute_url()``.
    success_url = "/"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Validate the fields, check permissions, follow or unfollow, then answer."""
        if not request.user.is_authenticated:
            if self.wants_json():
                return JsonResponse({"error": "Log in to follow."}, status=401)
            return redirect_to_login(self.get_redirect_url(None))
        try:
            options, instance = self.get_object()
        except RequestError as exc:
            return self.error(str(exc), status=exc.status)
        if not options.can_follow(request.user, instance):
            return self.error("You may not follow this object.", status=403)
        # the answer is settled before anything changes (finding it reads the Host header, which
        # may be refused)
        redirect_url = (
            None if self.wants_json() or not self.names_redirect() else self.get_redirect_url(instance)
        )
        try:
            self.apply(concrete(request.user), instance)
        except InvalidInstanceException as exc:  # following yourself
            return self.error(str(exc), status=400)
        except (BlockedException, FollowNotAllowedException):  # a block either way, or can_follow
            return self.error("You may not follow this object.", status=403)
        if redirect_url is not None:
            return HttpResponseRedirect(redirect_url)
        body = follow_counts(
            request.user, instance, options.identifier, self.following_after, self.requested_after
        )
        return JsonResponse(body)

    def apply(self, user: Any, instance: Any) -> None:
        """Follow or unfollow ``instance``; an already reached state is not an error."""
        raise NotImplementedError

    def get_object(self) -> tuple[ModelBase, Any]:
        """The registered options and the instance named by the POST fields.

        Raises :class:`RequestError` with status 400 on a missing or unknown identifier or a
        malformed id, and with status 404 when no such row exists.
        """
        data = self.request.POST
        identifier = data.get("identifier", "").strip()
        object_id = data.get("object_id", "").strip()
        if not identifier or not object_id:
            raise RequestError("Send both `identifier` and `object_id`.")
        if "\x00" in object_id:
            raise RequestError(f"Malformed object_id {object_id!r}: it holds a NUL character.")
        try:
            options = registry.get_by_identifier(identifier)
        except NotRegisteredException:
            raise RequestError(f"Unknown identifier {identifier!r}.") from None
        model = options.model
        try:
            pk = model._meta.pk.to_python(object_id)
            instance = model._default_manager.filter(pk=pk).first()
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise RequestError(f"Malformed object_id {object_id!r} for {identifier!r}.") from None
        if instance is None:
            raise RequestError(f"No {identifier} with id {object_id!r}.", status=404)
        return options, instance

    def wants_json(self) -> bool:
        """Whether the caller asked for JSON (``Accept: application/json``) rather than a page."""
        accept = self.request.headers.get("Accept", "")
        return "application/json" in accept or self.request.headers.get("X-Requested-With") == (
            "XMLHttpRequest"
        )

    def names_redirect(self) -> bool:
        """Whether the request names a ``redirect_url`` or ``next`` (a form that wants a page back)."""
        return any(self.request.POST.get(field) or self.request.GET.get(field) for field in REDIRECT_FIELDS)

    def error(self, message: str, *, status: int) -> HttpResponse:
        """An error answer: JSON ``{"error": ...}`` for JSON callers, plain text otherwise."""
        if self.wants_json():
            return JsonResponse({"error": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    def is_safe_url(self, url: str | None) -> bool:
        """Whether ``url`` stays on this site (never an open redirect)."""
        return bool(url) and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )

    def get_redirect_url(self, instance: Any) -> str:
        """``redirect_url`` or ``next`` when same-site, else the object's page, else ``success_url``."""
        for field in REDIRECT_FIELDS:
            url = self.request.POST.get(field) or self.request.GET.get(field)
            if self.is_safe_url(url):
                return url
        get_absolute_url = getattr(instance, "get_absolute_url", None)
        if get_absolute_url is not None:
            url = get_absolute_url()
            if self.is_safe_url(url):
                return url
        return self.success_url


def _check_user_registered(user: Any) -> None:
    if not registry.is_registered(user):
        raise ImproperlyConfigured(
            f"{user.__class__._meta.label} (the user model) is not registered with sequere; add "
            "'sequere.contrib.user' to INSTALLED_APPS or register it in a sequere_registry.py module."
        )


class FollowView(BaseFollowView):
    """The logged-in user follows the object (or asks to, when it requires approval); following
    it again answers the same counts."""

    following_after = True

    def apply(self, user: Any, instance: Any) -> None:
        """Follow ``instance``; ignore :class:`~sequere.exceptions.AlreadyFollowingException` and
        :class:`~sequere.exceptions.AlreadyRequestedException`."""
        _check_user_registered(user)
        try:
            result = api.follow(user, instance)
        except AlreadyFollowingException:
            result = None
        except AlreadyRequestedException:
            result = REQUESTED
        if result == REQUESTED:
            self.following_after, self.requested_after = False, True


class UnFollowView(BaseFollowView):
    """The logged-in user stops following the object, or withdraws a pending follow request;
    unfollowing again changes nothing."""

    following_after = False

    def apply(self, user: Any, instance: Any) -> None:
        """Unfollow ``instance``, else cancel a pending request; ignore that there is neither."""
        _check_user_registered(user)
        try:
            api.unfollow(user, instance)
        except NotFollowingException:
            try:
                follow_requests.cancel(user, instance)
            except FollowRequestNotFoundException:
                pass
