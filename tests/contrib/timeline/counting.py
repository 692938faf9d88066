"""Redis clients that count network round trips, for ``SEQUERE_TIMELINE_CONNECTION_CLASS``.

Nothing is faked: they are redis-py's own clients on real servers, whose connections count each
packed send (one command, or one whole pipeline to one node = one round trip).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import redis
from redis.cluster import RedisCluster


class CountingConnection(redis.Connection):
    """A redis-py connection that counts what it sends."""

    sent = 0

    def send_packed_command(self, command, check_health=True):
        type(self).sent += 1
        return super().send_packed_command(command, check_health=check_health)


class CountingRedis(redis.Redis):
    """``redis.Redis`` whose connections count round trips."""

    @classmethod
    def from_url(cls, url, **kwargs):
        kwargs.setdefault("connection_class", CountingConnection)
        return super().from_url(url, **kwargs)


class CountingRedisCluster(RedisCluster):
    """``RedisCluster`` whose node connections count round trips."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("connection_class", CountingConnection)
        super().__init__(*args, **kwargs)


@dataclass
class RoundTrips:
    """What :func:`count_round_trips` measured."""

    value: int = 0


@contextmanager
def count_round_trips():
    """Count the round trips of every counting client inside the block."""
    result = RoundTrips()
    start = CountingConnection.sent
    try:
        yield result
    finally:
        result.value = CountingConnection.sent - start
