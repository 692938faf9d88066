"""The live feed endpoint in process: what one read sends (under WSGI the view sends one read and
ends, the browser reconnecting with ``Last-Event-ID``), on every timeline backend.

Streaming under a real ASGI server, pub/sub and disconnects: tests/contrib/timeline/test_live_asgi.py.
"""

from __future__ import annotations

import json
import warnings

import pytest

from sequere.contrib.timeline import Timeline
from sequere.models import follow
from tests.contrib.rest_framework.conftest import url
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction, LikeAction

LIVE = url("timeline", "live")


def read(client, **headers) -> list[dict]:
    response = client.get(LIVE, **headers)
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    # under WSGI the view made its one read already: a plain iterator, which WSGI serves without
    # Django's warning about consuming an async one (the warning would be an error here)
    assert not response.is_async
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if fields:
            events.append(fields)
    return events


def test_one_read_under_wsgi_and_resume(timeline, django_capture_on_commit_callbacks, client_of, member):
    thoas = User.objects.create(username="thoas")
    follow(member, thoas)
    client = client_of(member)
    first = Timeline(thoas).save(JoinAction(actor=thoas))
    events = read(client)
    # no Last-Event-ID: the feed starts after the newest entry, and sends the unread count
    assert events == [{"retry": "3000"}, {"event": "unread", "data": '{"unread_count": 1}'}]
    cursor = Timeline(member).get_private().cursor_at(first)
    liked = [Timeline(thoas).save(LikeAction(actor=thoas, note=i)) for i in range(2)]
    events = read(client, HTTP_LAST_EVENT_ID=cursor)
    actions = [e for e in events if e.get("event") == "action"]
    assert [json.loads(e["data"])["id"] for e in actions] == [a.id for a in liked]
    data = json.loads(actions[0]["data"])
    assert data["verb"] == "like" and data["data"] == {"note": 0}
    assert data["actor"] == {"identifier": "user", "id": str(thoas.pk), "display": "thoas"}
    assert events[-1] == {"event": "unread", "data": '{"unread_count": 3}'}
    # each id resumes after its entry
    again = read(client, HTTP_LAST_EVENT_ID=actions[0]["id"])
    assert [json.loads(e["data"])["id"] for e in again if e.get("event") == "action"] == [liked[1].id]
    # ?last_event_id= does the same for a first connection (a page resuming after what it shows)
    by_query = client.get(LIVE, {"last_event_id": actions[1]["id"]})
    assert by_query.status_code == 200


@pytest.mark.django_db
def test_anonymous_and_wrong_method(anonymous, client_of, member):
    response = anonymous.get(LIVE)
    assert response.status_code == 403 and "detail" in response.json()
    assert client_of(member).post(LIVE).status_code == 405


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_redis_down_the_feed_still_reads(settings, caplog):
    """The ``redis`` transport with its Redis unreachable: the stream subscribes in vain, logs it,
    and goes on reading its timeline at each heartbeat (the database timeline here)."""
    from sequere.contrib.timeline.live_events import live_events
    from sequere.refs import Ref
    from tests.servers import free_port

    settings.SEQUERE_TIMELINE_LIVE_TRANSPORT = "redis"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = f"redis://127.0.0.1:{free_port()}/0"
    settings.SEQUERE_TIMELINE_LIVE_HEARTBEAT = 0.05
    stream = live_events(Ref("user", "nobody"), lambda actions: [], last_event_id=None)
    received = []
    with caplog.at_level("WARNING", logger="sequere.timeline.live"):
        async for event in stream:
            received.append(event)
            if len(received) == 4:
                break
        await stream.aclose()
    assert received[0] == "retry: 3000\n\n" and received[1].startswith("event: unread")
    assert received[2:] == [": keep-alive\n\n", ": keep-alive\n\n"]
    assert "subscribing to" in caplog.text
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()  # the worker thread's connection (PostgreSQL)


@pytest.mark.asyncio
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_closing_streams_leaves_no_task_or_connection(settings, redis_url):
    """Two streams share one subscriber connection and reader task; the last one out closes both
    (what a disconnect does: Django cancels the response, the stream's ``finally`` leaves)."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    from sequere.contrib.timeline.live import get_hub
    from sequere.contrib.timeline.live_events import live_events
    from sequere.refs import Ref

    settings.SEQUERE_TIMELINE_LIVE_TRANSPORT = "redis"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = redis_url
    settings.SEQUERE_TIMELINE_LIVE_HEARTBEAT = 30
    streams = [live_events(Ref("user", name), lambda actions: []) for name in ("a", "b")]
    for stream in streams:
        for _ in range(2):  # retry, unread
            await stream.__anext__()
    # each is now waiting for a message: subscribed, on the hub of this loop
    pending = [asyncio.ensure_future(stream.__anext__()) for stream in streams]
    await asyncio.sleep(0.2)
    hub = get_hub()
    assert len(hub.queues) == 2 and hub.reader is not None and not hub.reader.done()
    reader = hub.reader
    for task in pending:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0)
    assert hub.queues == {} and hub.pubsub is None and hub.reader is None and reader.done()
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_streams_per_owner_are_limited(settings, async_client, member):
    """SEQUERE_TIMELINE_LIVE_MAX_STREAMS feeds of one owner open in this process: the next one is
    a 429 with Retry-After, another owner is not affected, and a closed stream frees its place."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    from sequere.contrib.timeline.live_events import live_events, open_streams
    from sequere.registration import registry

    settings.SEQUERE_TIMELINE_LIVE_MAX_STREAMS = 2
    settings.SEQUERE_TIMELINE_LIVE_HEARTBEAT = 30
    owner = registry.get_ref(member)
    streams = [live_events(owner, lambda actions: []) for _ in range(2)]
    assert open_streams(owner) == 0  # counted from the first step only
    for stream in streams:
        await stream.__anext__()
    assert open_streams(owner) == 2
    await sync_to_async(async_client.force_login)(member)
    refused = await async_client.get(LIVE)
    assert (
        refused.status_code == 429
        and refused["Retry-After"] == "3"
        and "at most 2" in refused.json()["detail"]
    )
    await streams[0].aclose()
    assert open_streams(owner) == 1
    await streams[1].aclose()
    assert open_streams(owner) == 0
    await sync_to_async(connections.close_all)()
