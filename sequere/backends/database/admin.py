"""Admin for the ``Follow`` table: list, search, filter by identifier; no N+1 on the changelist.

A changelist page loads the objects on both sides of its rows in one query per identifier
(:meth:`sequere.registration.Registry.load`), whatever the page size. Deleting rows here goes
through :func:`sequere.models.unfollow`, so ``unfollowed`` receivers (the timeline) run.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from ... import api
from ...backends import get_backend
from ...exceptions import NotFollowingException
from ...refs import Ref
from ...registration import registry
from .backend import DatabaseBackend
from .models import Follow


class _IdentifierFilter(admin.SimpleListFilter):
    """Filter one side of the edge by identifier; choices come from the registry (no query)."""

    side: str

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        identifiers = sorted(registry.get_identifier(model) for model in registry.models)
        return [(identifier, identifier) for identifier in identifiers]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value:
            return queryset.filter(**{f"{self.side}_identifier": value})
        return queryset


class FollowerIdentifierFilter(_IdentifierFilter):
    """``?from=<identifier>``: edges whose follower is of that type."""

    title = "follower type"
    parameter_name = "from"
    side = "from"


class FollowedIdentifierFilter(_IdentifierFilter):
    """``?to=<identifier>``: edges whose followed object is of that type."""

    title = "followed type"
    parameter_name = "to"
    side = "to"


class FollowChangeList(ChangeList):
    """Loads the objects behind the page's rows in one query per identifier."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        refs = {ref for row in rows for ref in _refs(row)}
        instances = registry.load(refs)
        for row in rows:
            from_ref, to_ref = _refs(row)
            row._sequere_from = instances.get(from_ref)
            row._sequere_to = instances.get(to_ref)
        self.result_list = rows


def _refs(row: Follow) -> tuple[Ref, Ref]:
    return Ref(row.from_identifier, row.from_object_id), Ref(row.to_identifier, row.to_object_id)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    """Read-only list of edges; delete unfollows through the API."""

    list_display = ("id", "follower", "followed", "created_at")
    list_display_links = ("id",)
    list_filter = (FollowerIdentifierFilter, FollowedIdentifierFilter, "created_at")
    search_fields = ("from_object_id", "to_object_id", "=from_identifier", "=to_identifier")
    search_help_text = "Search by object id, or by an exact identifier."
    ordering = ("-created_at", "-id")
    list_per_page = 100
    readonly_fields = ("from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return FollowChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Follows are created with :func:`sequere.models.follow`, not typed in."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Follow | None = None) -> bool:
        return False

    @admin.display(description="follower", ordering="from_identifier")
    def follower(self, row: Follow) -> str:
        """The following object (linked to its admin page when it has one), or why it is missing."""
        return self._describe(row, "from")

    @admin.display(description="followed", ordering="to_identifier")
    def followed(self, row: Follow) -> str:
        """The followed object, like :meth:`follower`."""
        return self._describe(row, "to")

    def _describe(self, row: Follow, side: str) -> str:
        identifier = getattr(row, f"{side}_identifier")
        object_id = getattr(row, f"{side}_object_id")
        instance = getattr(row, f"_sequere_{side}", None)
        if instance is None:
            return format_html("{}:{} <em>(missing)</em>", identifier, object_id)
        url = self._admin_url(instance)
        if url is None:
            return format_html("{} <small>({}:{})</small>", instance, identifier, object_id)
        return format_html('<a href="{}">{}</a> <small>({}:{})</small>', url, instance, identifier, object_id)

    def _admin_url(self, instance: Any) -> str | None:
        meta = instance._meta
        if not self.admin_site.is_registered(instance.__class__):
            return None
        try:
            return reverse(
                f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_change", args=[instance.pk]
            )
        except NoReverseMatch:
            return None

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
        instances = registry.load({ref for row in rows for ref in _refs(row)})
        for row in rows:
            from_ref, to_ref = _refs(row)
            follower, followed = instances.get(from_ref), instances.get(to_ref)
            if follower is None or followed is None or from_ref == to_ref:
                row.delete()
                continue
            try:
                api.unfollow(follower, followed)
            except NotFollowingException:  # removed meanwhile
                pass
