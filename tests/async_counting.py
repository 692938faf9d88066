"""``redis.asyncio`` clients that count their round trips, for the async client-class settings.

A real client on a real server: :class:`CountingAsyncRedis` counts each command it sends and each
pipeline it executes (one round trip each on a single Redis).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from redis import asyncio as aredis


@dataclass
class AsyncCounts:
    round_trips: int = 0


COUNTS = AsyncCounts()


class CountingAsyncRedis(aredis.Redis):
    """``redis.asyncio.Redis`` counting each command it sends and each pipeline it executes."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        COUNTS.round_trips += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        pipe = super().pipeline(*args, **kwargs)
        execute = pipe.execute

        async def counted(*a: Any, **kw: Any) -> Any:
            COUNTS.round_trips += 1
            return await execute(*a, **kw)

        pipe.execute = counted
        return pipe


@contextmanager
def counting() -> Iterator[AsyncCounts]:
    """``with counting() as c:``: ``c.round_trips`` made inside the block."""
    seen = AsyncCounts()
    start = COUNTS.round_trips
    try:
        yield seen
    finally:
        seen.round_trips = COUNTS.round_trips - start
