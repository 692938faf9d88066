"""Admin for the tables of the database timeline backend: actions and timeline entries.

Read-only lists with search and filters (identifier, verb, kind); the actors, targets and owners
of a page are loaded once per identifier, never once per row. The tables stay empty when the
Redis timeline backend is configured.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ...admin_refs import IdentifierFilter, RefsModelAdmin
from ...registration import registry
from ...timeutils import from_micros
from .models import Entry, StoredAction


class VerbFilter(admin.SimpleListFilter):
    """Filter by verb; the choices are the registered actions' verbs (no query)."""

    title = "verb"
    parameter_name = "verb"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        verbs = {
            action.verb
            for model in registry.models
            for action in registry.get(model).actions
            if getattr(action, "verb", None)
        }
        return [(verb, verb) for verb in sorted(verbs)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(verb=value) if value else queryset


@admin.register(StoredAction)
class StoredActionAdmin(RefsModelAdmin):
    """Every stored action once, with its actor and target."""

    ref_sides = ("actor", "target")
    list_display = ("id", "actor", "verb", "target", "when")
    list_filter = (IdentifierFilter.for_side("actor", "actor type"), VerbFilter)
    search_fields = ("=id", "=actor_object_id", "=target_object_id", "=verb")
    search_help_text = "Search by an exact action id, actor or target id, or verb."
    ordering = ("-date", "-id")
    list_per_page = 100
    readonly_fields = (
        "id",
        "verb",
        "actor_identifier",
        "actor_object_id",
        "target_identifier",
        "target_object_id",
        "date",
        "payload",
    )

    @admin.display(description="actor", ordering="actor_identifier")
    def actor(self, row: StoredAction) -> str:
        """The actor, linked to its admin page when it has one."""
        return self.describe(row, "actor")

    @admin.display(description="target")
    def target(self, row: StoredAction) -> str:
        """The target, or ``-`` for an action without one."""
        return self.describe(row, "target")

    @admin.display(description="date", ordering="date")
    def when(self, row: StoredAction) -> Any:
        """The action's date as a datetime (stored as microseconds)."""
        return from_micros(row.date)


@admin.register(Entry)
class EntryAdmin(RefsModelAdmin):
    """One line per action in one owner's private or public timeline."""

    ref_sides = ("owner", "actor")
    list_display = ("id", "owner", "kind", "actor", "verb", "action_id", "when")
    list_filter = (IdentifierFilter.for_side("owner", "owner type"), "kind", VerbFilter)
    search_fields = ("=owner_object_id", "=actor_object_id", "=action__id")
    search_help_text = "Search by an exact owner id, actor id or action id."
    ordering = ("-date", "-id")
    list_per_page = 100

    def get_readonly_fields(self, request: HttpRequest, obj: Entry | None = None) -> list[str]:
        return [field.name for field in Entry._meta.fields]

    @admin.display(description="owner", ordering="owner_identifier")
    def owner(self, row: Entry) -> str:
        """Whose timeline the entry is in."""
        return self.describe(row, "owner")

    @admin.display(description="actor", ordering="actor_identifier")
    def actor(self, row: Entry) -> str:
        """Who did the action."""
        return self.describe(row, "actor")

    @admin.display(description="date", ordering="date")
    def when(self, row: Entry) -> Any:
        """The action's date as a datetime (stored as microseconds)."""
        return from_micros(row.date)
