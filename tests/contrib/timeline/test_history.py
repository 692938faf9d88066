"""History past the cap (``get_private(desc=True, history=True)``), for every timeline backend,
follow backend and both hybrid modes (everything pulled, the default limit)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from sequere.contrib.timeline import Timeline
from sequere.models import follow
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = pytest.mark.usefixtures("timeline", "follow_backend", "push_limit")

CAP = 5
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def users(*names):
    return [User.objects.create(username=name) for name in names]


def walk(items, size, **filters):
    """Every action of ``items`` through cursor pages of ``size``, and the pages' cursors."""
    page = items.page(size=size)
    out, pages = list(page.items), [page]
    while page.next_cursor:
        page = items.page(after=page.next_cursor, size=size)
        out.extend(page.items)
        pages.append(page)
    return out, pages


def ids(actions):
    return [action.id for action in actions]


@pytest.fixture
def world(settings):
    """A reader following a and b, who saved 8 actions each (three pairs sharing a date), the
    reader 2 of its own; every timeline keeps 5."""
    settings.SEQUERE_TIMELINE_MAX_LENGTH = CAP
    reader, a, b, stranger = users("reader", "a", "b", "stranger")
    project = Project.objects.create(name="p")
    follow(reader, a)
    follow(reader, b)
    saved = {a: [], b: [], reader: []}
    for i in range(8):
        at = T0 + timedelta(seconds=i * 10)
        saved[a].append(Timeline(a).save(LikeAction(actor=a, target=project if i % 2 else None, date=at)))
        # b's 4th to 6th share a's dates: the seam falls between two actions of one date
        late = timedelta(seconds=0 if i in (3, 4, 5) else 3)
        saved[b].append(Timeline(b).save(JoinAction(actor=b, date=at + late)))
    for i in range(2):
        at = T0 + timedelta(seconds=i * 31)
        saved[reader].append(Timeline(reader).save(JoinAction(actor=reader, date=at)))
    Timeline(stranger).save(JoinAction(actor=stranger, date=T0))
    return reader, saved


def expected(saved, keep=lambda action: True):
    """Every action the reader's history can reach: the newest CAP of each public timeline."""
    reachable = [action for actions in saved.values() for action in actions[-CAP:] if keep(action)]
    return sorted(reachable, key=lambda action: (action.date, action.id), reverse=True)


def test_cursor_pages_go_on_past_the_cap(world):
    reader, saved = world
    held = Timeline(reader).get_private(desc=True)
    feed = Timeline(reader).get_private(desc=True, history=True)
    assert len(held) == feed.count() == CAP  # count() is the held part's
    everything = expected(saved)
    assert len(everything) > CAP
    assert everything[CAP - 1].date == everything[CAP].date  # a tie across the seam
    assert ids(held) == ids(everything[:CAP])
    for size in (1, 3, CAP, 50):
        got, pages = walk(feed, size)
        assert ids(got) == ids(everything)
        # back up from the last page: previous pages are the same pages
        back = feed.page(before=pages[-1].previous_cursor, size=size) if len(pages) > 1 else None
        if back is not None:
            assert ids(back.items) == ids(pages[-2].items)


def test_offsets_past_the_end(world):
    reader, saved = world
    feed = Timeline(reader).get_private(desc=True, history=True)
    everything = expected(saved)
    assert ids(feed[0:100]) == ids(everything)
    assert ids(feed[3:9]) == ids(everything[3:9])
    assert ids(feed[CAP + 2 : CAP + 4]) == ids(everything[CAP + 2 : CAP + 4])
    assert feed[CAP + 1].id == everything[CAP + 1].id
    with pytest.raises(IndexError):
        feed[len(everything)]
    assert ids(feed[len(everything) : len(everything) + 5]) == []
    assert ids(list(feed)) == ids(everything)
    # oldest first: no history (it lies before the first entry)
    assert len(Timeline(reader).get_private(history=True)[0:100]) == CAP


def test_filters_apply_to_the_history(world):
    reader, saved = world
    likes = Timeline(reader).get_private(action=LikeAction, desc=True, history=True)
    assert ids(walk(likes, 2)[0]) == ids(expected(saved, lambda a: a.verb == "like"))
    targeted = Timeline(reader).get_private(target=Project, desc=True, history=True)
    assert ids(walk(targeted, 2)[0]) == ids(expected(saved, lambda a: a.target is not None))
    assert ids(targeted[0:50]) == ids(expected(saved, lambda a: a.target is not None))


def test_a_reader_holding_nothing_reads_the_history(world, settings):
    reader, saved = world
    (newcomer,) = users("newcomer")
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
    follow(newcomer, reader)
    assert Timeline(newcomer).get_private(desc=True).count() == 0
    got, _ = walk(Timeline(newcomer).get_private(desc=True, history=True), 4)
    assert ids(got) == ids(expected({reader: saved[reader]}))


def test_history_pages_cost_the_same_whatever_the_followings(world, timeline_harness):
    reader, saved = world
    feed = Timeline(reader).get_private(desc=True, history=True)
    first = feed.page(size=CAP)
    costs = []
    for extra in range(2):
        if extra:
            for user in users(*(f"more{i}" for i in range(6))):
                follow(reader, user)
        feed = Timeline(reader).get_private(desc=True, history=True)
        feed.page(size=CAP)  # what this process remembers of the owner's pulled followings is current
        with timeline_harness.round_trips() as trips:
            page = feed.page(after=first.next_cursor, size=3)
        assert len(page.items) == 3
        costs.append(trips.value)
    # on a cluster, more accounts reach more nodes: the merged held page, the public timelines and
    # their records are each one round trip per node
    nodes = max(timeline_harness.pull_round_trips, 1)
    assert costs[0] <= costs[1] <= costs[0] + 3 * (nodes - 1)
    # the held page (twice a page for a merged one), one read of the public timelines and one of
    # their records (per node), the followings (two reads of the follow backend, on SQL)
    assert costs[1] <= 2 * timeline_harness.page_round_trips + 3 * nodes + 2


def test_reads_do_not_write(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.contrib.timeline.counting import TIMELINE_COUNTS
    from tests.redis_counting import counting

    reader, saved = world
    feed = Timeline(reader).get_private(desc=True, history=True)
    with CaptureQueriesContext(connection) as queries, counting(TIMELINE_COUNTS) as counts:
        got = walk(feed, 3)[0] + list(feed[CAP : CAP + 4])
    assert ids(got) == ids(expected(saved)) + ids(expected(saved)[CAP : CAP + 4])
    assert not [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    # page.lua, seek.lua and merge_page.lua read only
    assert set(counts.seen) <= {"EVALSHA", "EVAL", "GET", "LRANGE", "ZRANGE", "LLEN"}


@pytest_asyncio.fixture
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
async def test_async_lists_read_the_history(world, close_worker_connections):
    reader, saved = world
    feed = Timeline(reader).aget_private(desc=True, history=True)
    page = await feed.page(size=4)
    got = list(page.items)
    while page.next_cursor:
        page = await feed.page(after=page.next_cursor, size=4)
        got.extend(page.items)
    assert ids(got) == ids(expected(saved))
    assert await feed.count() == CAP


@pytest.mark.usefixtures("timeline_backend")
def test_fetch_public_keys_merges_public_timelines(timeline_backend, timeline_harness):
    """The backend primitive: the union of public timelines past a key, in (date, id) order,
    each way, filtered, at most ``limit``, in one read whatever the number of owners."""
    from sequere.contrib.timeline.backends import PUBLIC
    from sequere.refs import Ref
    from tests.contrib.timeline.test_timeline_contract import rec, stored

    owners = [Ref("user", str(n)) for n in range(1, 5)]
    records = stored(
        timeline_backend,
        *[rec(actor=owners[i % 4], verb="like" if i % 3 else "join", at=i // 2) for i in range(16)],
    )
    everything = sorted(((r.date, r.id) for r in records), reverse=True)
    b = timeline_backend
    assert [k for k, _ in b.fetch_public_keys(owners, limit=100)] == everything
    assert [k for k, _ in b.fetch_public_keys(owners, desc=False, limit=100)] == everything[::-1]
    key = everything[5]
    assert [k for k, _ in b.fetch_public_keys(owners, after=key, limit=4)] == everything[6:10]
    assert [k for k, _ in b.fetch_public_keys(owners, after=key, desc=False, limit=3)] == everything[4:1:-1]
    joins = [(r.date, r.id) for r in records if r.verb == "join"]
    assert [k for k, _ in b.fetch_public_keys(owners, verb="join", limit=100)] == sorted(joins, reverse=True)
    assert b.fetch_public_keys(owners[:1], after=everything[-1], limit=5) == []
    assert b.fetch_public_keys([], limit=5) == []
    assert all(action_id == k[1] for k, action_id in b.fetch_public_keys(owners, limit=100))
    b.fetch_public_keys(owners, limit=1)  # connections opened, scripts known
    with timeline_harness.round_trips() as trips:
        b.fetch_public_keys(owners, after=key, limit=4)
    assert trips.value <= max(timeline_harness.pull_round_trips, 1)
    assert b.fetch_keyset(owners[0], PUBLIC, limit=1)


def test_muted_accounts_have_no_history(world):
    from sequere.relations import mute

    reader, saved = world
    (a, b) = [user for user in saved if user.username in ("a", "b")]
    mute(reader, a)
    got, _ = walk(Timeline(reader).get_private(desc=True, history=True), 3)
    assert got and all(action.actor != a for action in got)
    assert ids(got) == ids(expected({b: saved[b], reader: saved[reader]}))
