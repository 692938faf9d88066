"""Admin for the ``FollowRequest`` table: pending requests, with approve and deny actions.

The actions go through :func:`sequere.models.approve` and :func:`sequere.models.deny`, so their
signals (and the timeline import of an approval) run; rows whose objects are gone are deleted.
Like the follow admin, a changelist page loads its objects once per identifier.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ... import follow_requests
from ...admin_refs import IdentifierFilter, RefsModelAdmin, row_refs
from ...exceptions import BlockedException, FollowNotAllowedException, FollowRequestNotFoundException
from ...registration import registry
from .models import FollowRequest

SIDES = ("from", "to")


@admin.register(FollowRequest)
class FollowRequestAdmin(RefsModelAdmin):
    """Read-only list of pending follow requests; approve or deny them in bulk."""

    ref_sides = SIDES
    list_display = ("id", "requester", "account", "created_at")
    list_display_links = ("id",)
    list_filter = (
        IdentifierFilter.for_side("from", "requester type"),
        IdentifierFilter.for_side("to", "account type"),
        "created_at",
    )
    search_fields = ("=from_object_id", "=to_object_id", "=from_identifier", "=to_identifier")
    search_help_text = "Search by an exact object id or identifier."
    ordering = ("-created_at", "-id")
    list_per_page = 100
    readonly_fields = ("from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at")
    actions = ("approve_requests", "deny_requests")

    @admin.display(description="requester", ordering="from_identifier")
    def requester(self, row: FollowRequest) -> str:
        """The object that asked (linked to its admin page when it has one)."""
        return self.describe(row, "from")

    @admin.display(description="account", ordering="to_identifier")
    def account(self, row: FollowRequest) -> str:
        """The object asked, which approves its follows."""
        return self.describe(row, "to")

    def _answer(self, request: HttpRequest, queryset: QuerySet, answer: str) -> None:
        rows = list(queryset)
        refs = [row_refs(row, SIDES) for row in rows]
        instances = registry.load({ref for pair in refs for ref in pair.values() if ref is not None})
        done = refused = 0
        for row, pair in zip(rows, refs, strict=True):
            requester, account = instances.get(pair["from"]), instances.get(pair["to"])
            if requester is None or account is None:
                row.delete()
                continue
            try:
                getattr(follow_requests, answer)(account, requester)
            except FollowRequestNotFoundException:  # answered meanwhile
                continue
            except (BlockedException, FollowNotAllowedException):  # a block, or can_follow says no
                refused += 1
                continue
            done += 1
        verb = "approved" if answer == "approve" else "denied"
        self.message_user(request, f"{done} follow request(s) {verb}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} follow request(s) not approved: a block stands between the two, or "
                "can_follow() refuses the follow; they stay pending (deny them to drop them).",
                messages.WARNING,
            )

    @admin.action(description="Approve the selected follow requests", permissions=["delete"])
    def approve_requests(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Approve each selected request (signals sent, timeline import queued)."""
        self._answer(request, queryset, "approve")

    @admin.action(description="Deny the selected follow requests", permissions=["delete"])
    def deny_requests(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Deny each selected request."""
        self._answer(request, queryset, "deny")
