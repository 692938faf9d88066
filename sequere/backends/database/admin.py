"""Admin for the ``Follow``, ``Block`` and ``Mute`` tables: list, search, filter by identifier; no
N+1 on the changelist.

A changelist page loads the objects on both sides of its rows in one query per identifier
(:meth:`sequere.registration.Registry.load`), whatever the page size. Deleting rows here goes
through :func:`sequere.models.unfollow` (``unblock``, ``unmute`` for the other two), so the
receivers (the timeline) run.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ... import api, relations
from ...admin_refs import IdentifierFilter, RefsModelAdmin, row_refs
from ...backends import get_backend
from ...exceptions import NotBlockedException, NotFollowingException, NotMutedException
from ...registration import registry
from .backend import DatabaseBackend
from .models import Block, Follow, Mute

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


class RelationAdmin(RefsModelAdmin):
    """Read-only list of blocks or mutes; delete lifts them through the API (signals sent)."""

    ref_sides = SIDES
    list_display = ("id", "source", "other", "created_at")
    list_display_links = ("id",)
    list_filter = (
        IdentifierFilter.for_side("from", "type"),
        IdentifierFilter.for_side("to", "other type"),
        "created_at",
    )
    search_fields = FollowAdmin.search_fields
    search_help_text = FollowAdmin.search_help_text
    ordering = ("-created_at", "-id")
    list_per_page = 100
    readonly_fields = FollowAdmin.readonly_fields
    #: the API call that lifts one row (``relations.unblock`` or ``relations.unmute``)
    lift = staticmethod(relations.unblock)
    #: what the API raises when the row went meanwhile
    gone = NotBlockedException

    @admin.display(description="who", ordering="from_identifier")
    def source(self, row: Block | Mute) -> str:
        """The one who blocks or mutes (linked to its admin page when it has one)."""
        return self.describe(row, "from")

    @admin.display(description="whom", ordering="to_identifier")
    def other(self, row: Block | Mute) -> str:
        """The blocked or muted object."""
        return self.describe(row, "to")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Block | Mute) -> None:
        """Lift through the API when both objects exist, else drop the row."""
        self.delete_queryset(request, type(obj)._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Like :meth:`delete_model` for every row; one load query per identifier."""
        rows = list(queryset)
        if not isinstance(get_backend(), DatabaseBackend):
            queryset.delete()
            return
        refs = [row_refs(row, SIDES) for row in rows]
        instances = registry.load({ref for pair in refs for ref in pair.values() if ref is not None})
        for row, pair in zip(rows, refs, strict=True):
            source, other = instances.get(pair["from"]), instances.get(pair["to"])
            if source is None or other is None or pair["from"] == pair["to"]:
                row.delete()
                continue
            try:
                self.lift(source, other)
            except self.gone:  # lifted meanwhile
                pass


@admin.register(Block)
class BlockAdmin(RelationAdmin):
    """Blocks: deleting one unblocks (the follows it removed do not come back)."""


@admin.register(Mute)
class MuteAdmin(RelationAdmin):
    """Mutes: deleting one unmutes (the actions come back to the timeline)."""

    lift = staticmethod(relations.unmute)
    gone = NotMutedException
