"""The REST views of follow requests (:doc:`/requests`): the logged-in user's incoming and sent
requests, approve, deny, and withdrawing one's own request.

==================================================================  ===============================
``GET requests/``                                                    cursor page of requests received
``GET requests/sent/``                                               cursor page of requests sent
``POST requests/<identifier>/<object_id>/approve/``                  approve that requester
``POST requests/<identifier>/<object_id>/deny/``                     deny that requester
``GET|DELETE objects/<identifier>/<object_id>/request/``            is my request pending; cancel it
==================================================================  ===============================

Only the account approves or denies: the views act on the requests *received by* the account
:meth:`RequestsView.get_account` names, the logged-in user by default (subclass it for accounts
that are not users, e.g. a project its owner answers for, and check ownership there). Answering a
request that is not pending is a 404. Items of the lists are ``{"object": ..., "since": ...}``,
``since`` the date of the request.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from ... import api, follow_requests
from ...exceptions import BlockedException, FollowNotAllowedException, FollowRequestNotFoundException
from ...registration import registry
from .serializers import FollowSerializer, RequestStateSerializer
from .views import SequereAPIView

__all__ = ["RequestsView", "SentRequestsView", "ApproveView", "DenyView", "OwnRequestView"]


class NotPending(exceptions.NotFound):
    """404: no such pending follow request."""

    default_code = "no_pending_request"


class RequestsView(SequereAPIView):
    """``GET``: a cursor page of the follow requests the account received (newest first).

    ``?identifier=`` keeps one type of requester, ``?desc=0`` lists oldest first.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = FollowSerializer
    schema = AutoSchema(operation_id_base="FollowRequest", tags=["follow requests"])
    #: the list function: requests received (SentRequestsView: sent)
    lists = staticmethod(follow_requests.get_follow_requests)

    def get_account(self) -> Any:
        """The account whose requests these are: the logged-in user (override for others)."""
        return self.get_user()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        identifier = request.query_params.get("identifier") or None
        if identifier is not None:
            registry.get_by_identifier(identifier)  # 400 naming the registered ones
        return self.paged(self.lists(self.get_account(), identifier=identifier, desc=self.desc()))


class SentRequestsView(RequestsView):
    """``GET``: a cursor page of the account's own pending requests."""

    schema = AutoSchema(operation_id_base="SentFollowRequest", tags=["follow requests"])
    lists = staticmethod(follow_requests.get_sent_requests)


class AnswerView(RequestsView):
    """``POST``: the account answers the request of the requester the URL names."""

    serializer_class = RequestStateSerializer
    pagination_class = None
    #: "approve" or "deny"
    answer = "approve"

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("GET")

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, requester = self.get_target()
        account = self.get_account()
        try:
            getattr(follow_requests, self.answer)(account, requester)
        except FollowRequestNotFoundException as exc:
            raise NotPending(str(exc)) from exc
        except (BlockedException, FollowNotAllowedException):  # a block either way, or can_follow
            raise exceptions.PermissionDenied("This request may not be approved.") from None
        following = self.answer == "approve"
        return Response({"following": following, "requested": False})


class ApproveView(AnswerView):
    """``POST``: approve; the requester follows the account now (``{"following": true}``)."""

    answer = "approve"
    schema = AutoSchema(operation_id_base="ApproveFollowRequest", tags=["follow requests"])


class DenyView(AnswerView):
    """``POST``: deny; the request is deleted (the requester may ask again)."""

    answer = "deny"
    schema = AutoSchema(operation_id_base="DenyFollowRequest", tags=["follow requests"])


class OwnRequestView(SequereAPIView):
    """The logged-in user's request to follow the object: pending? (``GET``), cancel (``DELETE``)."""

    permission_classes = [IsAuthenticated]
    serializer_class = RequestStateSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="OwnFollowRequest", tags=["follow requests"])

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        user = self.get_user()
        return Response(
            {
                "following": api.is_following(user, instance),
                "requested": follow_requests.has_requested(user, instance),
            }
        )

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, instance = self.get_target()
        try:
            follow_requests.cancel(self.get_user(), instance)
        except FollowRequestNotFoundException as exc:
            raise NotPending(str(exc)) from exc
        return Response({"following": False, "requested": False})
