"""Inactive followers (``SEQUERE_TIMELINE_INACTIVE_AFTER``): skipped by the fan-out, their feed
read from the pull path and rebuilt by a queued job; for every timeline and follow backend and
both hybrid modes."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from sequere.contrib.timeline import Timeline, inactive
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.contrib.timeline.checks import check_timeline
from sequere.models import follow
from sequere.outbox import PendingJob
from sequere.registration import registry
from sequere.timeutils import now_micros
from tests.contrib.timeline.test_fanout import sent_task_names
from tests.contrib.timeline.test_hybrid import stored_private
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction, LikeAction

DAY = 86_400 * 1_000_000


@pytest.mark.parametrize(
    ("value", "micros"), [(None, None), (timedelta(days=14), 14 * DAY), (3600, 3600 * 10**6), (0.5, 500_000)]
)
def test_the_setting(settings, value, micros):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = value
    assert inactive.inactive_after() == micros
    assert not [e for e in check_timeline() if e.id == "sequere.E112"]


@pytest.mark.parametrize("value", [0, -5, timedelta(0), "14 days", True, [1]])
def test_a_bad_setting_is_named(settings, value):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = value
    with pytest.raises(ImproperlyConfigured, match="SEQUERE_TIMELINE_INACTIVE_AFTER = .* timedelta"):
        inactive.inactive_after()
    assert [e.id for e in check_timeline() if e.id == "sequere.E112"] == ["sequere.E112"]


pytestmark_backends = pytest.mark.usefixtures("timeline", "follow_backend", "push_limit")


def users(*names):
    return [User.objects.create(username=name) for name in names]


def feed(user, **kwargs):
    return [str(action) for action in Timeline(user).get_private(desc=True, **kwargs)]


def ref(user):
    return registry.get_ref(user)


@contextmanager
def no_worker():
    """Jobs are sent to the test app's in-memory broker and left there (no worker runs them)."""
    from tests.celery_app import app

    sent_task_names(app)
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = True
        sent_task_names(app)
        PendingJob.objects.all().delete()


@pytestmark_backends
def test_fanout_skips_inactive_followers(settings, push_limit):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=1)
    star, active, away, never = users("star", "active", "away", "never")
    for user in (active, away, never):
        follow(user, star)
    backend = get_timeline_backend()
    Timeline(active).touch()
    backend.touch([ref(away)], now_micros() - 2 * DAY)
    Timeline(star).save(JoinAction(actor=star))
    pushed = push_limit != 0
    assert stored_private(active) == (1 if pushed else 0)
    assert stored_private(away) == stored_private(never) == 0  # skipped
    assert feed(active) == ["star join"]


@pytestmark_backends
def test_a_returning_follower_reads_from_the_pull_path_then_is_rebuilt(settings, push_limit, celery_eager):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=1)
    star, other, away = users("star", "other", "away")
    follow(away, star)
    follow(away, other)
    Timeline(away).touch()
    Timeline(star).save(LikeAction(actor=star))  # reaches away (active)
    get_timeline_backend().touch([ref(away)], now_micros() - 2 * DAY)
    Timeline(star).save(JoinAction(actor=star))  # away is inactive now: skipped
    Timeline(other).save(JoinAction(actor=other))
    held = stored_private(away)
    with no_worker() as app:
        items = Timeline(away).get_private(desc=True)
        assert [str(a) for a in items[0:10]] == ["other join", "star join", "star like"]
        assert items.count() == 3
        page = Timeline(away).get_private(desc=True).page(size=2)
        assert [str(a) for a in page.items] == ["other join", "star join"]
        rest = Timeline(away).get_private(desc=True).page(after=page.next_cursor, size=2)
        assert [str(a) for a in rest.items] == ["star like"]
        assert feed(away, action=JoinAction) == ["other join", "star join"]
        assert stored_private(away) == held  # the reads wrote nothing to the timeline
        assert "sequere.timeline.refresh" in sent_task_names(app)
    # the worker's job: marks it seen, then writes what it missed
    inactive.refresh(owner=list(ref(away)))
    assert stored_private(away) == (3 if push_limit != 0 else 0)  # pulled accounts stay merged
    assert inactive.refresh(owner=list(ref(away))) == 0  # active now: nothing more
    assert feed(away) == ["other join", "star join", "star like"]
    Timeline(star).save(LikeAction(actor=star))
    assert feed(away)[0] == "star like"


@pytestmark_backends
def test_an_active_reader_renews_its_mark(settings):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=1)
    (reader,) = users("reader")
    backend = get_timeline_backend()
    backend.touch([ref(reader)], now_micros() - DAY // 4)
    inactive._queued.clear()
    feed(reader)  # fresh: nothing queued, the mark stays
    assert backend.get_seen([ref(reader)])[ref(reader)] < now_micros() - DAY // 5
    backend.touch([ref(reader)], now_micros() - DAY * 3 // 4)
    feed(reader)  # due (older than half the setting): the refresh job renews it
    assert backend.get_seen([ref(reader)])[ref(reader)] > now_micros() - DAY // 5


@pytestmark_backends
def test_seen_marks_cost_one_call_per_chunk(settings, timeline_harness):
    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=1)
    owners = [ref(user) for user in users(*(f"u{i}" for i in range(30)))]
    backend = get_timeline_backend()
    backend.get_seen(owners)  # connections opened (on a cluster, to every node)
    backend.touch(owners[:20], now_micros() - DAY)  # the first marks (a database inserts rows)
    with timeline_harness.round_trips() as writes:
        backend.touch(owners[:20], now_micros())  # one SET pipeline, or one UPDATE
    with timeline_harness.round_trips() as reads:
        assert set(inactive.active(owners)) == set(owners[:20])
    nodes = max(timeline_harness.pull_round_trips, 1)
    assert reads.value <= nodes
    assert writes.value <= nodes
    assert backend.get_seen([]) == {} and inactive.active([]) == []


def test_off_by_default_costs_nothing(settings):
    from sequere.conf import sequere_settings
    from sequere.refs import Ref

    assert sequere_settings.TIMELINE_INACTIVE_AFTER is None
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "no.such.Backend"  # not even built
    owners = [Ref("user", "1"), Ref("user", "2")]
    assert inactive.active(owners) == owners
    assert inactive.seen_state(owners[0]) == (False, False, None)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_open_live_feed_keeps_its_owner_active(settings):
    """An owner who only watches its live feed (never reads a page) is not taken for inactive: the
    feed renews the seen mark when due, so the fan-out keeps writing to it and the feed has events."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    from sequere.contrib.timeline.live_events import live_events

    settings.SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=1)
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    star, watcher = await sync_to_async(users)("star", "watcher")
    await sync_to_async(follow)(watcher, star)
    inactive._queued.clear()
    assert await sync_to_async(inactive.seen_state)(ref(watcher)) == (True, True, None)  # never seen
    events = [
        event async for event in live_events(ref(watcher), lambda actions: ["{}"] * len(actions), once=True)
    ]
    assert events[0].startswith("retry:")
    stale, due, seen = await sync_to_async(inactive.seen_state)(ref(watcher))
    assert not stale and not due and seen is not None  # refresh ran (inline): marked seen
    assert await sync_to_async(inactive.active)([ref(watcher)]) == [ref(watcher)]  # the fan-out writes to it
    await sync_to_async(connections.close_all)()
