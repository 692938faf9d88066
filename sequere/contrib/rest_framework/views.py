"""The REST views: follow lists, follow state, timelines, unread count (see the package doc).

Every view is a :class:`~rest_framework.generics.GenericAPIView`, so a project subclasses one to
change its ``permission_classes``, ``authentication_classes`` or serializer, and routes it itself.
Throttling: ``SEQUERE_REST_THROTTLE_CLASSES`` (dotted paths; None: DRF's
``DEFAULT_THROTTLE_CLASSES``); every view has ``throttle_scope = "sequere"`` for
:class:`~rest_framework.throttling.ScopedRateThrottle`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONOpenAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema, SchemaGenerator

from ... import api, follow_requests, relations
from ...backends import FOLLOWERS, FOLLOWINGS, FRIENDS
from ...base import ModelBase
from ...conf import sequere_settings
from ...exceptions import (
    AlreadyFollowingException,
    AlreadyRequestedException,
    BackendUnavailableException,
    BlockedException,
    FollowNotAllowedException,
    FollowRequestNotFoundException,
    InvalidInstanceException,
    NotFollowingException,
    NotRegisteredException,
)
from ...follow_results import REQUESTED
from ...registration import concrete, registry
from ..timeline import Timeline, get_actions
from .pagination import CursorPagination
from .serializers import (
    ActionSerializer,
    FollowSerializer,
    MarkReadSerializer,
    RequestStateSerializer,
    UnreadSerializer,
)

__all__ = [
    "FollowListView",
    "FollowersView",
    "FollowingsView",
    "FriendsView",
    "FollowView",
    "MarkReadView",
    "PrivateTimelineView",
    "PublicTimelineView",
    "SchemaView",
    "SequereAPIView",
    "UnreadView",
]

#: Query-string values read as False (``?desc=0``).
FALSE = ("0", "false", "no", "off")


class Unavailable(exceptions.APIException):
    """503: the follow or timeline store did not answer."""

    status_code = 503
    default_detail = "The follow or timeline store is unavailable; try again later."
    default_code = "unavailable"


class SequereAPIView(GenericAPIView):
    """What every sequere REST view shares: throttles, errors, and naming objects from the URL."""

    pagination_class = CursorPagination
    throttle_scope = "sequere"

    def get_throttles(self) -> list[Any]:
        paths = sequere_settings.REST_THROTTLE_CLASSES
        if paths is None:
            return super().get_throttles()
        try:
            return [import_string(path)() if isinstance(path, str) else path() for path in paths]
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"SEQUERE_REST_THROTTLE_CLASSES = {paths!r}: {exc}; list dotted paths of throttle classes."
            ) from exc

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BackendUnavailableException):
            exc = Unavailable()
        elif isinstance(exc, (InvalidInstanceException, NotRegisteredException)):
            exc = exceptions.ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)

    def get_target(self) -> tuple[ModelBase, Any]:
        """The options and instance named by the URL: 404 for an unknown identifier or row,
        400 for a malformed pk."""
        identifier, object_id = self.kwargs["identifier"], self.kwargs["object_id"]
        options = registry.for_identifier(identifier)
        if options is None:
            raise Http404(f"No model is registered under {identifier!r}.")
        model = options.model
        if "\x00" in object_id:
            raise exceptions.ValidationError({"detail": "The object id holds a NUL character."})
        try:
            pk = model._meta.pk.to_python(object_id)
            instance = model._default_manager.filter(pk=pk).first()
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise exceptions.ValidationError(
                {"detail": f"Malformed id {object_id[:40]!r} for {identifier!r}."}
            ) from None
        if instance is None:
            raise Http404(f"No {identifier} with id {object_id[:40]!r}.")
        return options, instance

    def get_user(self) -> Any:
        """The logged-in user; ImproperlyConfigured when its model is not registered."""
        user = concrete(self.request.user)
        if not registry.is_registered(user):
            raise ImproperlyConfigured(
                f"{user.__class__._meta.label} (the user model) is not registered with sequere; add "
                "'sequere.contrib.user' to INSTALLED_APPS or register it in a sequere_registry.py module."
            )
        return user

    def desc(self) -> bool:
        """``?desc=`` (default True: newest first)."""
        return self.request.query_params.get("desc", "1").lower() not in FALSE

    def paged(self, lazy: Any) -> Response:
        items = self.paginate_queryset(lazy)
        return self.get_paginated_response(self.get_serializer(items, many=True).data)


class FollowListView(SequereAPIView):
    """``GET``: a cursor page of an object's followers, followings or friends (``kind``).

    ``?identifier=`` keeps one type on the other side, ``?desc=0`` lists oldest first. Followers
    and friends are shown to users whom ``ModelBase.can_view_followers`` allows (403 otherwise).
    """

    permission_classes = [AllowAny]
    serializer_class = FollowSerializer
    #: which list: FOLLOWERS, FOLLOWINGS or FRIENDS (the subclasses below set it)
    kind = FOLLOWERS
    lists = {FOLLOWERS: api.get_followers, FOLLOWINGS: api.get_followings, FRIENDS: api.get_friends}

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        options, instance = self.get_target()
        if self.kind in (FOLLOWERS, FRIENDS) and not options.can_view_followers(request.user, instance):
            raise exceptions.PermissionDenied("You may not see who follows this object.")
        identifier = request.query_params.get("identifier") or None
        if identifier is not None:
            registry.get_by_identifier(identifier)  # 400 naming the registered ones
        return self.paged(self.lists[self.kind](instance, identifier=identifier, desc=self.desc()))


class FollowersView(FollowListView):
    """``GET``: who follows the object."""

    kind = FOLLOWERS
    schema = AutoSchema(operation_id_base="Follower", tags=["follows"])


class FollowingsView(FollowListView):
    """``GET``: what the object follows."""

    kind = FOLLOWINGS
    schema = AutoSchema(operation_id_base="Following", tags=["follows"])


class FriendsView(FollowListView):
    """``GET``: the object's mutual follows."""

    kind = FRIENDS
    schema = AutoSchema(operation_id_base="Friend", tags=["follows"])


class FollowView(SequereAPIView):
    """Whether the logged-in user follows the object (``GET``), follow (``POST``), unfollow (``DELETE``).

    ``POST`` answers 201 when the follow is new, 200 when it existed; for an object that
    requires approval it makes a follow request instead and answers 202
    (``{"following": false, "requested": true}``; 200 when it was pending already). ``DELETE``
    unfollows, or withdraws a pending request; 200 either way. Every answer has ``following``
    and ``requested``; ``POST`` and ``DELETE`` add ``followers_count`` (after the change) for
    users ``can_view_followers`` allows. ``ModelBase.can_follow`` decides who may follow or
    unfollow (403 otherwise).
    """

    permission_classes = [IsAuthenticated]
    serializer_class = RequestStateSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="Follow", tags=["follows"])

    def _allowed(self) -> tuple[Any, Any, ModelBase]:
        options, instance = self.get_target()
        user = self.get_user()
        if not options.can_follow(user, instance):
            raise exceptions.PermissionDenied("You may not follow this object.")
        return user, instance, options

    def _state(
        self, following: bool, user: Any, instance: Any, options: ModelBase, requested: bool = False
    ) -> dict[str, Any]:
        """The answer of a follow or unfollow: ``following``, ``requested``, and
        ``followers_count`` after it for users whom ``can_view_followers`` allows."""
        data: dict[str, Any] = {"following": following, "requested": requested}
        if options.can_view_followers(user, instance):
            data["followers_count"] = api.get_followers_count(instance)
        return data

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        user = self.get_user()
        following = api.is_following(user, instance)
        requested = not following and follow_requests.has_requested(user, instance)
        return Response({"following": following, "requested": requested})

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, instance, options = self._allowed()
        try:
            result = api.follow(user, instance)
        except AlreadyFollowingException:
            return Response(self._state(True, user, instance, options))
        except AlreadyRequestedException:
            return Response(self._state(False, user, instance, options, requested=True))
        except (BlockedException, FollowNotAllowedException):  # a block either way, or can_follow
            raise exceptions.PermissionDenied("You may not follow this object.") from None
        if result == REQUESTED:
            state = self._state(False, user, instance, options, requested=True)
            return Response(state, status=status.HTTP_202_ACCEPTED)
        return Response(self._state(True, user, instance, options), status=status.HTTP_201_CREATED)

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, instance, options = self._allowed()
        try:
            api.unfollow(user, instance)
        except NotFollowingException:
            try:
                follow_requests.cancel(user, instance)
            except FollowRequestNotFoundException:
                pass
        return Response(self._state(False, user, instance, options))


class TimelineView(SequereAPIView):
    """Shared by the timeline views: the ``action=``/``target=`` filters, checked."""

    serializer_class = ActionSerializer

    def filters(self) -> dict[str, Any]:
        params = self.request.query_params
        verb = params.get("action") or None
        if verb is not None and verb not in get_actions():
            known = ", ".join(sorted(get_actions())) or "none"
            raise exceptions.ValidationError({"action": f"Unknown action {verb[:40]!r} (known: {known})."})
        target = params.get("target") or None
        if target is not None:
            registry.get_by_identifier(target)  # 400 naming the registered ones
        return {"action": verb, "target": target, "desc": self.desc()}


class PublicTimelineView(TimelineView):
    """``GET``: a cursor page of an object's public timeline (the actions it performed).

    ``?action=`` keeps one verb, ``?target=`` one target identifier; newest first unless ``?desc=0``.
    A logged-in user that the object blocks gets 403 (one more read; anonymous readers see it).
    """

    permission_classes = [AllowAny]
    schema = AutoSchema(operation_id_base="PublicAction", tags=["timelines"])

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        viewer = concrete(request.user)
        if (
            viewer.is_authenticated
            and registry.is_registered(viewer)
            and registry.get_ref(viewer) != registry.get_ref(instance)
            and relations.is_blocked(instance, viewer)
        ):
            raise exceptions.PermissionDenied("This account blocks you: its timeline is not shown to you.")
        return self.paged(Timeline(instance).get_public(**self.filters()))


class PrivateTimelineView(TimelineView):
    """``GET``: a cursor page of the logged-in user's private timeline; filters as the public one."""

    permission_classes = [IsAuthenticated]
    schema = AutoSchema(operation_id_base="PrivateAction", tags=["timelines"])

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.paged(Timeline(self.get_user()).get_private(**self.filters()))


class UnreadView(SequereAPIView):
    """``GET``: how many private actions the logged-in user has not read, and its read mark."""

    permission_classes = [IsAuthenticated]
    serializer_class = UnreadSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="Unread", tags=["timelines"])

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        timeline = Timeline(self.get_user())
        data = {"unread_count": timeline.get_unread_count(), "read_at": timeline.read_at}
        return Response(UnreadSerializer(data).data)


class MarkReadView(SequereAPIView):
    """``POST``: mark the logged-in user's private timeline read up to ``at`` (default: now)."""

    permission_classes = [IsAuthenticated]
    serializer_class = MarkReadSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="Read", tags=["timelines"])

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = MarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        timeline = Timeline(self.get_user())
        at = timeline.mark_as_read(form.validated_data.get("at") or timezone.now())
        data = {"unread_count": timeline.get_unread_count(), "read_at": at}
        return Response(UnreadSerializer(data).data)


class SchemaView(SequereAPIView):
    """``GET``: the OpenAPI 3 schema of this API (DRF's generator), paths under this include."""

    permission_classes = [AllowAny]
    pagination_class = None
    schema = None  # not a path of its own schema
    renderer_classes = [JSONOpenAPIRenderer]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from .urls import api_patterns

        base = request.path[: -len("schema/")] if request.path.endswith("schema/") else "/"
        generator = SchemaGenerator(
            title="django-sequere",
            description="Follows and timelines of registered objects (cursor pages).",
            version="1",
            url=base,
            patterns=api_patterns,
        )
        return Response(generator.get_schema(request=request, public=True))
