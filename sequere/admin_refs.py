"""Admin helpers for tables that name objects by ``(identifier, object_id)`` columns.

:class:`RefsModelAdmin` shows the object behind each such pair, linked to its admin page, and
loads the objects of a whole changelist page with one query per identifier
(:meth:`sequere.registration.Registry.load`): no N+1 whatever the page size. The follow admin
and the timeline admins build on it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .refs import Ref
from .registration import registry


def row_refs(row: Model, sides: tuple[str, ...]) -> dict[str, Ref | None]:
    """The :class:`Ref` of each side of ``row`` (None when its identifier column is empty)."""
    refs: dict[str, Ref | None] = {}
    for side in sides:
        identifier = getattr(row, f"{side}_identifier")
        object_id = getattr(row, f"{side}_object_id")
        refs[side] = Ref(identifier, object_id) if identifier and object_id is not None else None
    return refs


def load_sides(rows: list[Model], sides: tuple[str, ...]) -> None:
    """Set ``row._sequere_<side>`` to the instance of every side of every row (None if gone)."""
    refs = {ref for row in rows for ref in row_refs(row, sides).values() if ref is not None}
    instances = registry.load(refs)
    for row in rows:
        for side, ref in row_refs(row, sides).items():
            setattr(row, f"_sequere_{side}", None if ref is None else instances.get(ref))


class RefsChangeList(ChangeList):
    """A changelist that loads the objects behind the page's rows once per identifier."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        load_sides(rows, self.model_admin.ref_sides)
        self.result_list = rows


class IdentifierFilter(admin.SimpleListFilter):
    """Filter one side by identifier; the choices come from the registry (no query).

    Make one with :meth:`for_side`.
    """

    side: ClassVar[str]

    @classmethod
    def for_side(cls, side: str, title: str) -> type[IdentifierFilter]:
        """A filter class on ``<side>_identifier`` with query parameter ``side``."""
        return type(
            f"{side.title()}IdentifierFilter", (cls,), {"side": side, "title": title, "parameter_name": side}
        )

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        identifiers = sorted(registry.get_identifier(model) for model in registry.models)
        return [(identifier, identifier) for identifier in identifiers]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value:
            return queryset.filter(**{f"{self.side}_identifier": value})
        return queryset


class RefsModelAdmin(admin.ModelAdmin):
    """Read-only admin for a table of refs; set ``ref_sides`` to the column prefixes."""

    #: Column prefixes of the ``<side>_identifier`` / ``<side>_object_id`` pairs to show.
    ref_sides: ClassVar[tuple[str, ...]] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RefsChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Rows are written through sequere's API, not typed in."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def describe(self, row: Model, side: str) -> str:
        """HTML for one side: the object linked to its admin page, or why it is missing."""
        identifier = getattr(row, f"{side}_identifier")
        object_id = getattr(row, f"{side}_object_id")
        if not identifier:
            return "-"
        if not hasattr(row, f"_sequere_{side}"):  # a page outside the changelist
            load_sides([row], (side,))
        instance = getattr(row, f"_sequere_{side}")
        if instance is None:
            return format_html("{}:{} <em>(missing)</em>", identifier, object_id)
        url = self._admin_url(instance)
        if url is None:
            return format_html("{} <small>({}:{})</small>", instance, identifier, object_id)
        return format_html('<a href="{}">{}</a> <small>({}:{})</small>', url, instance, identifier, object_id)

    def _admin_url(self, instance: Any) -> str | None:
        if not self.admin_site.is_registered(instance.__class__):
            return None
        meta = instance._meta
        try:
            return reverse(
                f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_change", args=[instance.pk]
            )
        except NoReverseMatch:
            return None
