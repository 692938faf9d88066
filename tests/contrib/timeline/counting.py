"""Round-trip counting for the timeline tests (``SEQUERE_TIMELINE_CONNECTION_CLASS``).

The clients are those of :mod:`tests.redis_counting` (redis-py's own, on real servers), counting
into :data:`TIMELINE_COUNTS`, apart from the follow backend's clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests import redis_counting
from tests.redis_counting import Counts, counting

__all__ = ["CountingRedis", "CountingRedisCluster", "RoundTrips", "count_round_trips"]

TIMELINE_COUNTS = Counts()


class TimelineConnection(redis_counting.CountingConnection):
    """Counts into :data:`TIMELINE_COUNTS`."""

    counts = TIMELINE_COUNTS


class CountingRedis(redis_counting.CountingRedis):
    """The counting ``redis.Redis`` of the timeline tests."""

    connection_class = TimelineConnection


class CountingRedisCluster(redis_counting.CountingRedisCluster):
    """The counting ``RedisCluster`` of the timeline tests."""

    connection_class = TimelineConnection


@dataclass
class RoundTrips:
    """What :func:`count_round_trips` measured."""

    value: int = 0


@contextmanager
def count_round_trips() -> Iterator[RoundTrips]:
    """Count the round trips of every counting client inside the block."""
    result = RoundTrips()
    with counting(TIMELINE_COUNTS) as counts:
        yield result
    result.value = counts.round_trips
