"""Cursor pagination of sequere's lazy lists for Django REST framework views."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ...conf import sequere_settings
from ...cursors import CursorPage
from ...exceptions import InvalidPageException

__all__ = ["BadPage", "CursorPagination"]


class BadPage(APIException):
    """400: a cursor this list did not hand out, both cursors, or a size that is not a number."""

    status_code = 400
    default_code = "invalid_page"


class CursorPagination(BasePagination):
    """Reads one :meth:`~sequere.results.LazyList.page` of a follow list or timeline.

    Query parameters: ``after`` (a ``next_cursor``), ``before`` (a ``previous_cursor``) and
    ``size`` (default ``SEQUERE_REST_PAGE_SIZE``; larger sizes are cut to
    ``SEQUERE_REST_MAX_PAGE_SIZE``). The answer is
    ``{"next": url, "previous": url, "next_cursor": ..., "previous_cursor": ..., "results": [...]}``.
    """

    after_query_param = "after"
    before_query_param = "before"
    size_query_param = "size"

    def get_size(self, request: Request) -> int:
        """The page size asked for, capped; :class:`BadPage` when it is not a whole number >= 1."""
        raw = request.query_params.get(self.size_query_param)
        default, cap = int(sequere_settings.REST_PAGE_SIZE), int(sequere_settings.REST_MAX_PAGE_SIZE)
        if raw in (None, ""):
            return min(default, cap)
        if not (raw.isascii() and raw.isdigit()) or int(raw[:12]) < 1:
            raise BadPage(f"size must be a whole number from 1 to {cap}, not {raw[:20]!r}.")
        return min(int(raw[:12]), cap)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        """The items of one page of the lazy list ``queryset``."""
        self.request = request
        params = request.query_params
        try:
            self.page: CursorPage = queryset.page(
                after=params.get(self.after_query_param) or None,
                before=params.get(self.before_query_param) or None,
                size=self.get_size(request),
            )
        except InvalidPageException as exc:
            raise BadPage(str(exc)) from None
        return self.page.items

    def _link(self, name: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        other = self.before_query_param if name == self.after_query_param else self.after_query_param
        return replace_query_param(remove_query_param(url, other), name, cursor)

    def get_paginated_response(self, data: list[Any]) -> Response:
        page = self.page
        return Response(
            {
                "next": self._link(self.after_query_param, page.next_cursor),
                "previous": self._link(self.before_query_param, page.previous_cursor),
                "next_cursor": page.next_cursor,
                "previous_cursor": page.previous_cursor,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        cursor = {"type": "string", "nullable": True}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": link,
                "previous": link,
                "next_cursor": cursor,
                "previous_cursor": cursor,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        cap = int(sequere_settings.REST_MAX_PAGE_SIZE)
        return [
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": "The next_cursor of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.before_query_param,
                "required": False,
                "in": "query",
                "description": "The previous_cursor of the next page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page (at most {cap}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": cap},
            },
        ]
