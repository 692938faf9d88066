"""The follow-request contract, async: the twins answer as the sync API on every backend."""

from __future__ import annotations

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from sequere.exceptions import AlreadyRequestedException, FollowRequestNotFoundException
from sequere.models import (
    REQUESTED,
    aapprove,
    acancel,
    adeny,
    afollow,
    aget_follow_requests,
    aget_follow_requests_count,
    aget_followers_count,
    aget_sent_requests,
    aget_sent_requests_count,
    ahas_requested,
    ais_following,
)
from tests.testapp.models import User

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("follow_backend", "close_worker_connections"),
]


@pytest_asyncio.fixture
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()


async def test_request_approve_deny_cancel_async():
    private = await User.objects.acreate(username="private", is_private=True)
    fans = [await User.objects.acreate(username=f"fan{i}") for i in range(3)]
    for fan in fans:
        assert await afollow(fan, private) is REQUESTED
    with pytest.raises(AlreadyRequestedException):
        await afollow(fans[0], private)
    assert await aget_follow_requests_count(private) == 3
    assert await aget_follow_requests_count(private, identifier="user") == 3
    assert [u async for u, _ in aget_follow_requests(private)] == list(reversed(fans))
    page = await aget_follow_requests(private).page(size=2)
    assert [u for u, _ in page.items] == [fans[2], fans[1]]
    assert [u for u, _ in await aget_sent_requests(fans[0]).all()] == [private]
    assert await aget_sent_requests_count(fans[0]) == 1
    assert await ahas_requested(fans[0], private)
    await aapprove(private, fans[0])
    await adeny(private, fans[1])
    await acancel(fans[2], private)
    assert await ais_following(fans[0], private)
    assert not await ais_following(fans[1], private)
    assert await aget_followers_count(private) == 1
    assert await aget_follow_requests_count(private) == 0
    assert not await ahas_requested(fans[2], private)
    with pytest.raises(FollowRequestNotFoundException):
        await aapprove(private, fans[1])
