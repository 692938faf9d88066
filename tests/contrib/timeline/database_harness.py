"""The contract-suite harness of the database timeline backend (SQLite or ``DATABASE_URL``)."""

from __future__ import annotations

from tests.contrib.timeline.conftest import Harness, SQLRoundTrips


class DatabaseHarness(SQLRoundTrips, Harness):
    """``sequere.contrib.timeline.backends.database.DatabaseBackend`` on the test database."""

    name = "database"
    #: one SELECT of entries joined to the action store
    page_round_trips = 1
    #: store: action, entries, trim; deliver: unfollow marks, entries, trim
    write_round_trips = 3
    #: the read mark as a subquery of the count
    unread_round_trips = 1
    #: the merge is one statement with the page
    pull_round_trips = 0

    def configure(self) -> None:
        self.request.getfixturevalue("db")
        self.settings.SEQUERE_TIMELINE_BACKEND_CLASS = (
            "sequere.contrib.timeline.backends.database.DatabaseBackend"
        )

    def corrupt(self, action_id: str) -> None:
        from sequere.contrib.timeline.models import StoredAction

        StoredAction.objects.filter(id=action_id).update(payload="{not json")

    def drop_action(self, action_id: str) -> None:
        from sequere.contrib.timeline.models import StoredAction

        StoredAction.objects.filter(id=action_id).delete()
