"""Test helpers for the Redis follow backend: per-test configuration and round-trip counting."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from sequere.redis.clients import get_client


class CountingConnection(redis.Connection):
    """A real connection that counts what it sends: one ``send_packed_command`` is one round trip."""

    sent = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).sent += 1
        super().send_packed_command(command, check_health)


class CountingRedis(redis.Redis):
    """``redis.Redis`` whose connections are :class:`CountingConnection` (a client-class setting)."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> CountingRedis:
        return super().from_url(url, connection_class=CountingConnection, **kwargs)


class CountingRedisCluster(redis.RedisCluster):
    """``redis.RedisCluster`` whose node connections are :class:`CountingConnection`."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> CountingRedisCluster:
        return super().from_url(url, connection_class=CountingConnection, **kwargs)


@contextmanager
def round_trips() -> Iterator[list[int]]:
    """Count round trips sent by every counting client inside the block: ``box[0]`` after it."""
    box = [0]
    before = CountingConnection.sent
    try:
        yield box
    finally:
        box[0] = CountingConnection.sent - before


@contextmanager
def configure_redis_backend(settings: Any, url: str) -> Iterator[str]:
    """Point the follow backend at ``url`` with a fresh prefix; delete that prefix's keys after."""
    prefix = f"sequere:test-{uuid.uuid4().hex[:10]}:"
    cluster = url.startswith("redis+cluster://")
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_CONNECTION = url
    settings.SEQUERE_REDIS_PREFIX = prefix
    settings.SEQUERE_REDIS_CONNECTION_CLASS = (
        "tests.backends.redis_helpers.CountingRedisCluster"
        if cluster
        else "tests.backends.redis_helpers.CountingRedis"
    )
    try:
        yield prefix
    finally:
        client = get_client("follow")
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            pipe = client.pipeline(transaction=False)
            for key in keys[start : start + 1000]:
                pipe.unlink(key)
            pipe.execute()
