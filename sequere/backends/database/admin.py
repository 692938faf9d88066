"""Admin for the ``Follow`` table: list, search, filter by identifier; no N+1 on the changelist.

A changelist page loads the objects on both sides of its rows in one query per identifier
(:meth:`sequere.registration.Registry.load`), whatever the page size. Deleting rows here goes
through :func:`sequere.models.unfollow`, so ``unfollowed`` receivers (the timeline) run.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ... import api
from ...admin_refs import IdentifierFilter, RefsModelAdmin, row_refs
from ...backends import get_backend
from ...exceptions import NotFollowingException
from ...registration import registry
from .backend import DatabaseBackend
from .models import Follow

FollowerIdentifierFilter = IdentifierFilter.for_side("from", "follower type")
FollowedIdentifierFilter = IdentifierFilter.for_side("to", "followed type")
SIDES = ("from", "to")


@admin.register(Follow)
class FollowAdmin(RefsModelAdmin):
    """Read-only list of edges; delete unfollows through the API."""

    ref_sides = SIDES
    list_display = ("id", "follower", "followed", "created_at")
    list_display_links = ("id",)
    list_filter = (FollowerIdentifierFilter, FollowedIdentifierFilter, "created_at")
    search_fields = ("=from_object_id", "=to_object_id", "=from_identifier", "=to_identifier")
    search_help_text = "Search by an exact object id or identifier."
    ordering = ("-created_at", "-id")
    list_per_page = 100
    readonly_fields = ("from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at")

    @admin.display(description="follower", ordering="from_identifier")
    def follower(self, row: Follow) -> str:
        """The following object (linked to its admin page when it has one), or why it is missing."""
        return self.describe(row, "from")

    @admin.display(description="followed", ordering="to_identifier")
    def followed(self, row: Follow) -> str:
        """The followed object, like :meth:`follower`."""
        return self.describe(row, "to")

    def delete_model(self, request: HttpRequest, obj: Follow) -> None:
        """Unfollow through the API (signals sent) when both objects exist, else drop the row."""
        self.delete_queryset(request, Follow._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Like :meth:`delete_model` for every row; one load query per identifier.

        When another backend is configured (this table is then a copy), rows are only deleted.
        """
        rows = list(queryset)
        if not isinstance(get_backend(), DatabaseBackend):
            queryset.delete()
            return
        refs = [row_refs(row, SIDES) for row in rows]
        instances = registry.load({ref for pair in refs for ref in pair.values() if ref is not None})
        for row, pair in zip(rows, refs, strict=True):
            from_ref, to_ref = pair["from"], pair["to"]
            follower, followed = instances.get(from_ref), instances.get(to_ref)
            if follower is None or followed is None or from_ref == to_ref:
                row.delete()
                continue
            try:
                api.unfollow(follower, followed)
            except NotFollowingException:  # removed meanwhile
                pass


from .request_admin import FollowRequestAdmin  # noqa: E402, F401  (registers the requests' admin)
