"""Test helpers for the Redis follow backend: per-test configuration and round-trip counting."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sequere.redis.clients import get_client
from tests.redis_counting import CountingRedis, CountingRedisCluster, counting

__all__ = ["CountingRedis", "CountingRedisCluster", "configure_redis_backend", "round_trips"]


@contextmanager
def round_trips() -> Iterator[list[int]]:
    """Count round trips sent by every counting client inside the block: ``box[0]`` after it."""
    box = [0]
    with counting() as counts:
        yield box
    box[0] = counts.round_trips


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
    # redis.asyncio's cluster client takes no connection class: round trips are counted on one Redis
    settings.SEQUERE_REDIS_ASYNC_CONNECTION_CLASS = (
        None if cluster else "tests.async_counting.CountingAsyncRedis"
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
