"""Cursor pages of timelines: the backend primitive (contract, every ``TIMELINE_BACKENDS`` entry)
and ``Timeline(owner).get_private(...).page(...)`` above it."""

from __future__ import annotations

import uuid

import pytest

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, get_timeline_backend
from sequere.cursors import sign_cursor
from sequere.exceptions import InvalidCursorException
from sequere.refs import Ref
from tests.contrib.timeline.test_timeline_contract import ALICE, BOB, PROJECT, T0, TAG, rec, stored


def keyset_walk(backend, owner, kind, size, **filters):
    """Every row of the list through ``fetch_keyset`` pages of ``size``, from the first on."""
    rows, after = [], None
    while True:
        page = backend.fetch_keyset(owner, kind, after=after, limit=size, **filters)
        rows.extend(page)
        if len(page) < size:
            return rows
        after = page[-1][0]


def mixed(n=23):
    """Records of several verbs and targets, three of them sharing one date (ties by id)."""
    out = []
    for i in range(n):
        at = 5 if i in (5, 6, 7) else i
        target = PROJECT if i % 3 == 0 else (TAG if i % 3 == 1 else None)
        out.append(rec(actor=BOB, verb="join" if i % 2 else "like", target=target, at=at))
    return out


@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize(
    "filters", [{}, {"verb": "join"}, {"target": "project"}, {"verb": "like", "target": "tag"}]
)
@pytest.mark.parametrize("size", [1, 4, 50])
def test_keyset_pages_are_the_list(timeline_backend, desc, filters, size):
    records = stored(timeline_backend, *mixed())
    timeline_backend.deliver(records, [ALICE])
    for owner, kind in ((ALICE, PRIVATE), (BOB, PUBLIC)):
        expected = timeline_backend.fetch(owner, kind, desc=desc, **filters)
        rows = keyset_walk(timeline_backend, owner, kind, size, desc=desc, **filters)
        assert [record for _, record in rows] == expected
        assert [key for key, _ in rows] == [(r.date, r.id) for r in expected]


def test_keyset_before_reads_the_nearest_entries_in_order(timeline_backend):
    records = stored(timeline_backend, *mixed())
    ordered = timeline_backend.fetch(BOB, PUBLIC)
    key = (ordered[10].date, ordered[10].id)
    rows = timeline_backend.fetch_keyset(BOB, PUBLIC, before=key, limit=4)
    assert [r for _, r in rows] == ordered[6:10]
    rows = timeline_backend.fetch_keyset(BOB, PUBLIC, before=key, limit=4, desc=True)
    assert [r for _, r in rows] == list(reversed(ordered[11:15]))
    rows = timeline_backend.fetch_keyset(BOB, PUBLIC, after=key, limit=100, verb="join")
    assert [r for _, r in rows] == [r for r in ordered[11:] if r.verb == "join"]
    assert timeline_backend.fetch_keyset(BOB, PUBLIC, before=(T0 - 1, ""), limit=5) == []
    assert timeline_backend.fetch_keyset(BOB, PUBLIC, after=(T0 + 10**9, ""), limit=5) == []
    assert records


def test_keyset_cursor_of_a_deleted_entry_and_gone_records(timeline_backend, timeline_harness):
    records = stored(timeline_backend, *[rec(actor=BOB, at=i) for i in range(10)])
    key = (records[4].date, records[4].id)
    timeline_backend.delete(records[4], BOB)
    timeline_harness.drop_action(records[6].id)  # its entry may stay behind
    rows = timeline_backend.fetch_keyset(BOB, PUBLIC, after=key, limit=3)
    keys = [k for k, _ in rows]
    assert keys == sorted(keys) and all(k > key for k in keys)
    # the gone record's entry comes as (key, None), or not at all
    assert [r for _, r in rows if r is not None] in ([records[5], records[7]], records[5:6] + records[7:9])


def test_keyset_page_costs_the_same_deep_as_first(timeline_harness):
    backend = get_timeline_backend()
    records = [rec(actor=BOB, at=i, target=PROJECT if i % 2 else None) for i in range(900)]
    stored(backend, *records)
    backend.fetch_keyset(BOB, PUBLIC, limit=1)  # scripts known to the server
    for filters in ({}, {"target": "project"}):
        with timeline_harness.round_trips() as first:
            top = backend.fetch_keyset(BOB, PUBLIC, desc=True, limit=21, **filters)
        deep_key = (records[40].date, records[40].id)
        with timeline_harness.round_trips() as deep:
            rows = backend.fetch_keyset(BOB, PUBLIC, desc=True, after=deep_key, limit=21, **filters)
        assert len(top) == 21 and len(rows) == 20 if filters else len(rows) == 21
        assert first.value == deep.value <= timeline_harness.page_round_trips


# -- Timeline(owner).get_private(...).page(...) ------------------------------------------------


def test_timeline_pages(thoas, project):
    from tests.testapp.models import User
    from tests.testapp.sequere_registry import JoinAction, LikeAction

    other = User.objects.create(username="other")
    timeline = Timeline(thoas)
    for i in range(7):
        timeline.save(LikeAction(actor=thoas, target=project if i % 2 else None))
        timeline.save(JoinAction(actor=thoas))
    Timeline(other).save(JoinAction(actor=other))
    for lazy in (
        timeline.get_private(desc=True),
        timeline.get_public(),
        timeline.get_private(action=LikeAction),
        timeline.get_public(action="like", target=project, desc=True),
    ):
        pages = [lazy.page(size=3)]
        while pages[-1].next_cursor:
            pages.append(lazy.page(after=pages[-1].next_cursor, size=3))
        assert [a for page in pages for a in page.items] == list(lazy)
        assert pages[0].previous_cursor is None
        back = lazy.page(before=pages[-1].previous_cursor, size=3) if len(pages) > 1 else pages[0]
        assert back.items == pages[-2].items if len(pages) > 1 else True
    newest = timeline.get_private(desc=True)
    first = newest.page(size=4)
    second = newest.page(after=first.next_cursor, size=4)
    timeline.save(LikeAction(actor=thoas))  # a new action above the pages
    assert Timeline(thoas).get_private(desc=True).page(after=first.next_cursor, size=4).items == second.items
    # a cursor is bound to its timeline: owner, kind, filters and order
    for foreign in (
        Timeline(other).get_private(desc=True),
        timeline.get_public(desc=True),
        timeline.get_private(),
        timeline.get_private(desc=True, action="like"),
        timeline.get_private(desc=True, target=project),
    ):
        with pytest.raises(InvalidCursorException, match="another list"):
            foreign.page(after=first.next_cursor)
    # a key of another shape, even signed, is refused
    wrong = sign_cursor(newest._scope(), ("x", 1))
    with pytest.raises(InvalidCursorException, match="does not fit"):
        newest.page(after=wrong)


def test_timeline_page_of_a_gone_owner_reference_is_empty(thoas):
    page = Timeline(thoas).get_private().page()
    assert page.items == [] and page.next_cursor is None and page.previous_cursor is None
    assert Ref("user", str(uuid.uuid4()))  # any owner
