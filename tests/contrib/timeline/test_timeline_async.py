"""The Timeline API's async twins, on every timeline backend: the same answers as the sync API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.exceptions import InvalidActionException
from sequere.exceptions import InvalidCursorException
from sequere.models import afollow, aunfollow
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("timeline", "close_worker_connections")]


@pytest_asyncio.fixture
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()


def sync(fn, *args, **kwargs):
    return sync_to_async(fn)(*args, **kwargs)


async def test_readme_session_async(follow_backend):
    thoas = await User.objects.acreate(username="thoas")
    project = await Project.objects.acreate(name="La classe americaine")
    timeline = Timeline(thoas)
    saved = await timeline.asave(JoinAction(actor=thoas))
    assert saved.id
    assert [repr(a) async for a in timeline.aget_private()] == ["<JoinAction: thoas join>"]
    assert [repr(a) for a in await timeline.aget_public().all()] == ["<JoinAction: thoas join>"]

    newbie = await User.objects.acreate(username="newbie")
    await afollow(newbie, thoas)  # the timeline app's receiver imports thoas's actions
    assert [repr(a) for a in await Timeline(newbie).aget_private().all()] == ["<JoinAction: thoas join>"]
    await aunfollow(newbie, thoas)
    assert await Timeline(newbie).aget_private().all() == []

    await timeline.asave(LikeAction(actor=thoas, target=project))
    assert await timeline.aget_private_count() == 2
    assert await timeline.aget_public_count(target=Project) == 1
    assert [repr(a) for a in await timeline.aget_private(target="project").all()] == [
        "<LikeAction: thoas like La classe americaine>"
    ]


async def test_fan_out_and_unread(follow_backend):
    author = await User.objects.acreate(username="author")
    readers = [await User.objects.acreate(username=f"r{i}") for i in range(3)]
    for reader in readers:
        await afollow(reader, author)
    base = timezone.now() - timedelta(hours=1)
    for i in range(5):
        await Timeline(author).asave(JoinAction(actor=author, date=base + timedelta(minutes=i)))
    for reader in readers:
        assert await Timeline(reader).aget_private_count() == 5
        assert await Timeline(reader).aget_unread_count() == 5
    moment = await Timeline(readers[0]).amark_as_read(base + timedelta(minutes=2, seconds=30))
    assert await Timeline(readers[0]).aread_at() == moment
    assert await Timeline(readers[0]).aget_unread_count() == 2
    assert await Timeline(readers[0]).aget_unread_count() == await sync(Timeline(readers[0]).get_unread_count)
    assert await Timeline(author).aget_unread_count() == 0  # nobody has unread posts of their own
    with pytest.raises(TypeError):
        await Timeline(author).amark_as_read("yesterday")


async def test_pages_match_sync_and_cursors_are_shared():
    author = await User.objects.acreate(username="author")
    base = timezone.now() - timedelta(hours=1)
    for i in range(12):
        await Timeline(author).asave(JoinAction(actor=author, date=base + timedelta(minutes=i)))
    timeline = Timeline(author)
    everything = await sync(lambda: list(timeline.get_private(desc=True)))
    first = await timeline.aget_private(desc=True).page(size=5)
    assert [a.id for a in first.items] == [a.id for a in everything[:5]]
    sync_second = await sync(lambda: timeline.get_private(desc=True).page(after=first.next_cursor, size=5))
    second = await timeline.aget_private(desc=True).page(after=first.next_cursor, size=5)
    assert [a.id for a in second] == [a.id for a in sync_second] == [a.id for a in everything[5:10]]
    last = await timeline.aget_private(desc=True).page(after=second.next_cursor, size=5)
    assert [a.id for a in last] == [a.id for a in everything[10:]] and last.next_cursor is None
    back = await timeline.aget_private(desc=True).page(before=second.previous_cursor, size=5)
    assert [a.id for a in back] == [a.id for a in first]
    assert await timeline.aget_private(desc=True).count() == 12
    assert [a.id for a in await timeline.aget_private().slice(2, 3)] == [a.id for a in everything[::-1][2:5]]
    with pytest.raises(InvalidCursorException):
        await timeline.aget_public(desc=True).page(after=first.next_cursor)


async def test_bad_input():
    author = await User.objects.acreate(username="author")
    with pytest.raises(InvalidActionException):
        await Timeline(author).asave("join")
