"""Live delivery: what wakes a live feed when an action reaches its owner's private timeline.

``SEQUERE_TIMELINE_LIVE_TRANSPORT`` picks one of two transports:

``"poll"`` (the default)
    Each open feed reads its timeline after its last entry every
    ``SEQUERE_TIMELINE_LIVE_POLL_INTERVAL`` seconds: one keyset read (one SQL query on the
    database backend, one script call on Redis), nothing at all written on delivery. It needs no
    Redis, so the embedded defaults (SQLite, the database timeline backend) stream too.

``"redis"``
    Redis pub/sub on the timeline's Redis (``SEQUERE_TIMELINE_REDIS_CONNECTION``, the configured
    client, whichever timeline backend stores the entries). :func:`publish`, a receiver of
    :data:`~sequere.contrib.timeline.signals.delivered`, sends one message per owner of the chunk
    on the owner's channel (:meth:`KeyBuilder.live_channel
    <sequere.contrib.timeline.backends.keys.KeyBuilder.live_channel>`, ``<prefix>:{user:1}:live``),
    all in one pipeline: one round trip per chunk (per node on a cluster). Each process serving
    feeds holds one subscriber connection per event loop (:class:`Hub`), shared by every feed it
    serves. On Redis Cluster the channels are sharded (``SPUBLISH``/``SSUBSCRIBE``, Redis 7+, with
    redis-py's cluster pub/sub): a message travels to the shard of the owner's hash tag only.
    A redis-py whose asyncio cluster client has no pub/sub (5.x) cannot subscribe there: feeds
    then poll, as with ``"poll"``, and say so in a warning.

Pub/sub delivers at most once (a message sent while a subscriber reconnects is lost), so a
message only wakes a feed, which then reads its timeline from its last entry; and every feed also
reads at each heartbeat (``SEQUERE_TIMELINE_LIVE_HEARTBEAT`` seconds), so a lost message or a
failed publish delays an entry by one heartbeat at most, never loses it. A failed publish is
logged, never raised into the fan-out; a feed that cannot subscribe (Redis down) reads at each
heartbeat instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ...conf import on_reload, sequere_settings
from ...refs import Ref

__all__ = ["Hub", "TRANSPORTS", "channel", "publish", "subscription", "transport"]

logger = logging.getLogger("sequere.timeline.live")

TRANSPORTS = ("poll", "redis")


def transport() -> str:
    """``SEQUERE_TIMELINE_LIVE_TRANSPORT``, checked (``"auto"`` reads as ``"poll"``)."""
    value = sequere_settings.TIMELINE_LIVE_TRANSPORT
    if value == "auto":
        return "poll"
    if value not in TRANSPORTS:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_LIVE_TRANSPORT = {value!r} is not supported; use 'poll' (the default: "
            "feeds read their timeline every SEQUERE_TIMELINE_LIVE_POLL_INTERVAL seconds) or 'redis' "
            "(pub/sub on SEQUERE_TIMELINE_REDIS_CONNECTION)."
        )
    return value


def _keys() -> Any:
    from .backends.keys import KeyBuilder

    return KeyBuilder(sequere_settings.TIMELINE_REDIS_PREFIX)


def channel(owner: Ref) -> str:
    """The pub/sub channel of ``owner``'s live feed."""
    return _keys().live_channel(owner)


def publish(sender: Any, owners: Sequence[Ref], record: Any, **kwargs: Any) -> None:
    """Receiver of ``delivered``: with the ``"redis"`` transport, one message per owner's channel
    (the action id), in one pipeline. Does nothing with ``"poll"``."""
    if transport() != "redis" or not owners:
        return
    from ...redis.clients import get_client, is_cluster

    try:
        client = get_client("timeline")
        cluster = is_cluster(client)
        pipe = client.pipeline(transaction=False)
        keys = _keys()
        for owner in owners:
            name = keys.live_channel(owner)
            if cluster:
                pipe.spublish(name, record.id)
            else:
                pipe.publish(name, record.id)
        pipe.execute()
    except Exception:  # noqa: BLE001 - feeds catch up at their next heartbeat
        logger.warning(
            "live feed: publishing action %s to %d owner(s) failed; their feeds catch up at the next "
            "heartbeat",
            record.id,
            len(owners),
            exc_info=True,
        )


class Hub:
    """One pub/sub connection of one event loop, shared by every live feed served on that loop.

    :meth:`join` subscribes a feed's queue to a channel (the first feed of a channel subscribes
    it), :meth:`leave` takes it off (the last one unsubscribes; the last feed of all closes the
    connection and stops the reader task). The reader task puts each message's action id on the
    queues of its channel.
    """

    def __init__(self, client: Any, cluster: bool) -> None:
        self.client = client
        self.cluster = cluster
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.pubsub: Any = None
        self.reader: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def join(self, name: str, queue: asyncio.Queue) -> None:
        """Deliver ``name``'s messages to ``queue`` from now on (subscribed when this returns)."""
        async with self.lock:
            if self.pubsub is None:
                self.pubsub = self.client.pubsub()
            if name not in self.queues:
                if self.cluster:
                    await self.pubsub.ssubscribe(name)
                else:
                    await self.pubsub.subscribe(name)
            self.queues.setdefault(name, set()).add(queue)
            if self.reader is None:
                self.reader = asyncio.get_running_loop().create_task(self._read())

    async def leave(self, name: str, queue: asyncio.Queue) -> None:
        """Stop delivering to ``queue``; the last feed out closes the connection."""
        async with self.lock:
            queues = self.queues.get(name, set())
            queues.discard(queue)
            if not queues and name in self.queues:
                del self.queues[name]
                if self.queues:
                    with contextlib.suppress(Exception):
                        if self.cluster:
                            await self.pubsub.sunsubscribe(name)
                        else:
                            await self.pubsub.unsubscribe(name)
            if not self.queues:
                await self._close()

    async def _close(self) -> None:
        reader, pubsub = self.reader, self.pubsub
        self.reader = self.pubsub = None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if pubsub is not None:
            with contextlib.suppress(Exception):
                # aclose() from redis-py 5.0.1 on; reset() (the same) before
                await (getattr(pubsub, "aclose", None) or pubsub.reset)()

    async def _read(self) -> None:
        pubsub = self.pubsub
        while True:
            try:
                if self.cluster:
                    message = await pubsub.get_sharded_message(ignore_subscribe_messages=True, timeout=1.0)
                else:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - redis-py reconnects and resubscribes on the next read
                logger.warning("live feed: the pub/sub connection failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if message is None or message.get("type") not in ("message", "smessage"):
                continue
            for queue in tuple(self.queues.get(message["channel"], ())):
                queue.put_nowait(message["data"])


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub | None:
    """The :class:`Hub` of the running event loop, on the timeline group's asyncio client; None
    on Redis Cluster with a redis-py whose asyncio cluster client has no pub/sub (before 6.x)."""
    from ...redis.clients import get_async_client, is_cluster

    loop = asyncio.get_running_loop()
    client = get_async_client("timeline")
    hub = _hubs.get(loop)
    if hub is None or hub.client is not client:
        cluster = is_cluster(client)
        if cluster and not hasattr(client, "pubsub"):
            return None
        hub = _hubs[loop] = Hub(client, cluster)
    return hub


class Wake:
    """What a live feed waits on between reads (see :func:`subscription`)."""

    def __init__(self, queue: asyncio.Queue | None, poll: float) -> None:
        self.queue = queue
        self.poll = poll

    async def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a reason to read; True if one came (a message, or
        the poll interval), False when the time ran out."""
        if self.queue is None:
            if timeout < self.poll:
                await asyncio.sleep(max(timeout, 0))
                return False
            await asyncio.sleep(self.poll)
            return True
        try:
            await asyncio.wait_for(self.queue.get(), timeout=max(timeout, 0))
        except asyncio.TimeoutError:
            return False
        while not self.queue.empty():  # many deliveries, one read
            self.queue.get_nowait()
        return True


@contextlib.asynccontextmanager
async def subscription(owner: Ref) -> AsyncIterator[Wake]:
    """A :class:`Wake` for ``owner``'s feed under the configured transport; on the way out the
    feed leaves its hub (shielded, so a cancelled request still unsubscribes)."""
    if transport() == "poll":
        yield Wake(None, float(sequere_settings.TIMELINE_LIVE_POLL_INTERVAL))
        return
    hub, name, queue = get_hub(), channel(owner), asyncio.Queue()
    if hub is None:
        logger.warning(
            "live feed: this redis-py has no asyncio pub/sub for Redis Cluster (pip install -U redis); "
            "the feed polls its timeline every SEQUERE_TIMELINE_LIVE_POLL_INTERVAL seconds"
        )
        yield Wake(None, float(sequere_settings.TIMELINE_LIVE_POLL_INTERVAL))
        return
    try:
        await hub.join(name, queue)
    except Exception:  # noqa: BLE001 - Redis down: the feed reads at its heartbeats instead
        logger.warning("live feed: subscribing to %s failed; reading at each heartbeat", name, exc_info=True)
        await asyncio.shield(hub.leave(name, queue))
        yield Wake(None, float(sequere_settings.TIMELINE_LIVE_HEARTBEAT))
        return
    try:
        yield Wake(queue, 0.0)
    finally:
        await asyncio.shield(hub.leave(name, queue))


@on_reload
def _forget_hubs() -> None:
    # their connections close with their clients (settings changed)
    _hubs.clear()
