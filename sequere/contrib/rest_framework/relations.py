"""REST endpoints of blocks and mutes, for the logged-in user (included by ``urls.py``).

* ``objects/<identifier>/<id>/block/``: ``GET`` whether the user blocks the object, ``POST`` block
  (201 when new, 200 when it was blocked already), ``DELETE`` unblock (200 either way).
* ``objects/<identifier>/<id>/mute/``: the same for mutes.
* ``blocks/`` and ``mutes/``: cursor pages of what the user blocks or mutes (``?identifier=``,
  ``?desc=0``, ``?size=``), items as the follow lists' (``{"object": ..., "since": ...}``).

Blocking or muting oneself answers 400; an unknown object 404; an anonymous user 401/403.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from ... import relations
from ...exceptions import (
    AlreadyBlockedException,
    AlreadyMutedException,
    NotBlockedException,
    NotMutedException,
)
from ...registration import registry
from .serializers import FollowSerializer
from .views import SequereAPIView

__all__ = ["BlockView", "MuteView", "BlockListView", "MuteListView"]


class BlockStateSerializer(serializers.Serializer):
    """Whether the logged-in user blocks the object."""

    blocked = serializers.BooleanField(read_only=True)


class MuteStateSerializer(serializers.Serializer):
    """Whether the logged-in user mutes the object."""

    muted = serializers.BooleanField(read_only=True)


class RelationView(SequereAPIView):
    """``GET`` the state, ``POST`` set it, ``DELETE`` lift it (subclasses name the calls)."""

    permission_classes = [IsAuthenticated]
    pagination_class = None
    #: the answer's key, and the API calls and exceptions of the relation
    field = "blocked"
    check = staticmethod(relations.is_blocked)
    add = staticmethod(relations.block)
    lift = staticmethod(relations.unblock)
    already: type[Exception] = AlreadyBlockedException
    missing: type[Exception] = NotBlockedException

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        return Response({self.field: self.check(self.get_user(), instance)})

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        try:
            self.add(self.get_user(), instance)
        except self.already:
            return Response({self.field: True})
        return Response({self.field: True}, status=status.HTTP_201_CREATED)

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        try:
            self.lift(self.get_user(), instance)
        except self.missing:
            pass
        return Response({self.field: False})


class BlockView(RelationView):
    """Whether the logged-in user blocks the object (``GET``), block (``POST``), unblock (``DELETE``)."""

    serializer_class = BlockStateSerializer
    schema = AutoSchema(operation_id_base="Block", tags=["relations"])


class MuteView(RelationView):
    """Whether the logged-in user mutes the object (``GET``), mute (``POST``), unmute (``DELETE``)."""

    serializer_class = MuteStateSerializer
    schema = AutoSchema(operation_id_base="Mute", tags=["relations"])
    field = "muted"
    check = staticmethod(relations.is_muted)
    add = staticmethod(relations.mute)
    lift = staticmethod(relations.unmute)
    already = AlreadyMutedException
    missing = NotMutedException


class BlockListView(SequereAPIView):
    """``GET``: a cursor page of what the logged-in user blocks."""

    permission_classes = [IsAuthenticated]
    serializer_class = FollowSerializer
    schema = AutoSchema(operation_id_base="Blocked", tags=["relations"])
    read = staticmethod(relations.get_blocked)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        identifier = request.query_params.get("identifier") or None
        if identifier is not None:
            registry.get_by_identifier(identifier)  # 400 naming the registered ones
        return self.paged(self.read(self.get_user(), identifier=identifier, desc=self.desc()))


class MuteListView(BlockListView):
    """``GET``: a cursor page of what the logged-in user mutes."""

    schema = AutoSchema(operation_id_base="Muted", tags=["relations"])
    read = staticmethod(relations.get_muted)
