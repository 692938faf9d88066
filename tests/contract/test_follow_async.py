"""The follow contract, async: every backend in ``FOLLOW_BACKENDS`` answers the async twins as the
sync API does, on real Redis (single and cluster) and the database."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from sequere import signals
from sequere.exceptions import (
    AlreadyFollowingException,
    InvalidCursorException,
    InvalidInstanceException,
    NotFollowingException,
    NotRegisteredException,
)
from sequere.models import (
    afollow,
    aget_followers,
    aget_followers_count,
    aget_followings,
    aget_followings_count,
    aget_friends,
    aget_friends_count,
    ais_following,
    aunfollow,
    follow,
    get_followers,
    is_following,
)

try:
    from tests.async_counting import counting
except ImportError:  # the core without extras: no redis-py, and no Redis test to count in
    counting = None
from tests.testapp.models import Project, Unregistered, User

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("follow_backend", "close_worker_connections"),
]


@pytest_asyncio.fixture
async def close_worker_connections():
    """Close the connections the worker thread opened (sync_to_async), so the test database can go."""
    yield
    await sync_to_async(connections.close_all)()


async def make_users(n: int, prefix: str = "u") -> list[User]:
    return [await User.objects.acreate(username=f"{prefix}{i}") for i in range(n)]


@pytest.fixture
def received():
    """Every followed/unfollowed signal sent during the test, as (name, from, to)."""
    got = []

    def on_followed(sender, from_instance, to_instance, **kwargs):
        got.append(("followed", from_instance.pk, to_instance.pk))

    def on_unfollowed(sender, from_instance, to_instance, **kwargs):
        got.append(("unfollowed", from_instance.pk, to_instance.pk))

    signals.followed.connect(on_followed, weak=False, dispatch_uid="test-async-followed")
    signals.unfollowed.connect(on_unfollowed, weak=False, dispatch_uid="test-async-unfollowed")
    yield got
    signals.followed.disconnect(dispatch_uid="test-async-followed")
    signals.unfollowed.disconnect(dispatch_uid="test-async-unfollowed")


async def test_readme_session_async(received):
    thoas = await User.objects.acreate(username="thoas")
    project = await Project.objects.acreate(name="La classe americaine")
    await afollow(thoas, project)
    assert await ais_following(thoas, project) is True
    assert await ais_following(project, thoas) is False
    assert await aget_followers_count(project) == 1
    assert await aget_followings_count(thoas) == 1
    assert await aget_followers(thoas).all() == []
    [(follower, at)] = [pair async for pair in aget_followers(project)]
    assert follower == thoas
    assert isinstance(at, datetime) and at.tzinfo is not None
    [(followed, at2)] = await aget_followings(thoas).all()
    assert followed == project and at2 == at
    assert received == [("followed", thoas.pk, project.pk)]
    await aunfollow(thoas, project)
    assert not await ais_following(thoas, project)
    assert await aget_followers_count(project) == 0
    assert received[-1] == ("unfollowed", thoas.pk, project.pk)


async def test_same_answers_as_sync():
    a, b, c = await make_users(3)
    await afollow(a, b)
    await sync_to_async(follow)(b, a)
    await afollow(c, a)
    assert await sync_to_async(is_following)(a, b)
    sync_followers = await sync_to_async(lambda: list(get_followers(a)))()
    assert await aget_followers(a).all() == sync_followers
    assert [u for u, _ in await aget_friends(a).all()] == [b]
    assert await aget_friends_count(a) == 1 and await aget_friends_count(c) == 0
    assert await aget_followers_count(a, identifier=User) == 2
    assert await aget_followers_count(a, identifier="project") == 0
    assert await aget_followers(a, desc=False).all() == sync_followers[::-1]
    assert await aget_followers(a).slice(1, 1) == sync_followers[1:2]


async def test_errors_as_sync(received):
    a, b = await make_users(2)
    await afollow(a, b)
    with pytest.raises(AlreadyFollowingException):
        await afollow(a, b)
    with pytest.raises(NotFollowingException):
        await aunfollow(b, a)
    with pytest.raises(InvalidInstanceException):
        await afollow(a, a)
    with pytest.raises(NotRegisteredException):
        await afollow(a, await Unregistered.objects.acreate())
    assert received == [("followed", a.pk, b.pk)]


async def test_fail_silently(settings, received):
    settings.SEQUERE_FAIL_SILENTLY = True
    a, b = await make_users(2)
    await afollow(a, b)
    await afollow(a, b)
    await aunfollow(a, b)
    await aunfollow(a, b)
    assert received == [("followed", a.pk, b.pk), ("unfollowed", a.pk, b.pk)]


async def test_concurrent_follows_of_one_edge_make_one_change(received):
    a, b = await make_users(2)
    results = await asyncio.gather(*(afollow(a, b) for _ in range(10)), return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, AlreadyFollowingException) for r in results if r is not None)
    assert received == [("followed", a.pk, b.pk)]
    assert await aget_followers_count(b) == 1


async def test_many_concurrent_follows(received):
    users = await make_users(30)
    hub = users[0]
    await asyncio.gather(*(afollow(u, hub) for u in users[1:]))
    assert await aget_followers_count(hub) == 29
    assert len(received) == 29
    await asyncio.gather(*(aunfollow(u, hub) for u in users[1:15]))
    assert await aget_followers_count(hub) == 15
    assert len(received) == 43


async def test_cursor_pages_match_sync_and_are_interchangeable():
    users = await make_users(25)
    hub = users[0]
    for u in users[1:]:
        await afollow(u, hub)
    sync_all = await sync_to_async(lambda: list(get_followers(hub)))()
    first = await aget_followers(hub).page(size=10)
    assert first.items == sync_all[:10] and first.previous_cursor is None
    sync_second = await sync_to_async(lambda: get_followers(hub).page(after=first.next_cursor, size=10))()
    second = await aget_followers(hub).page(after=first.next_cursor, size=10)
    assert second.items == sync_second.items == sync_all[10:20]
    # the strings may differ (django.core.signing stamps them with the second), not where they lead
    last = await aget_followers(hub).page(after=second.next_cursor, size=10)
    assert last.items == sync_all[20:] and last.next_cursor is None
    from_sync = await aget_followers(hub).page(after=sync_second.next_cursor, size=10)
    assert from_sync.items == last.items
    back = await aget_followers(hub).page(before=second.previous_cursor, size=10)
    assert back.items == first.items
    with pytest.raises(InvalidCursorException):
        await aget_followings(hub).page(after=first.next_cursor)
    with pytest.raises(InvalidCursorException):
        await aget_followers(hub).page(after="forged")


async def test_iteration_in_chunks():
    users = await make_users(130, prefix="c")
    hub = users[0]
    await asyncio.gather(*(afollow(u, hub) for u in users[1:]))
    seen = [u.pk async for u, _ in aget_followers(hub, desc=False)]
    assert sorted(seen) == sorted(u.pk for u in users[1:]) and len(seen) == 129


@pytest.mark.redis
async def test_round_trips_on_redis(follow_backend):
    if follow_backend != "redis":
        pytest.skip(
            "round trips are counted on a single Redis (redis.asyncio's cluster takes no connection class)"
        )
    a, b = await make_users(2)
    await ais_following(a, b)  # connections open
    with counting() as writes:
        await afollow(a, b)
    with counting() as reads:
        await ais_following(a, b)
        await aget_followers_count(b, identifier=User)
        await aget_followers(b).page(size=20)
    # one script per follow
    assert writes.round_trips == 1
    assert reads.round_trips == 3


async def test_a_failing_receiver_leaves_nothing(follow_backend):
    """A receiver that raises: the caller gets its error and no edge is stored, as with follow()."""
    a, b = await make_users(2)

    def broken(sender, **kwargs):
        raise RuntimeError("receiver failed")

    signals.followed.connect(broken, weak=False, dispatch_uid="test-async-broken")
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            await afollow(a, b)
    finally:
        signals.followed.disconnect(dispatch_uid="test-async-broken")
    assert not await ais_following(a, b)
    assert await aget_followers_count(b) == 0
    await afollow(a, b)  # and a later follow works
    assert await ais_following(a, b)
