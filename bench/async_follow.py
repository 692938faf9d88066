"""Async follow figures: ``afollow`` throughput with 50 tasks on one event loop, beside ``follow``.

Run alone with ``python -m bench.async_follow`` (it starts its own redis-server and creates, then
drops, its own PostgreSQL database like ``make bench``), or through ``make bench``, which calls
:func:`run`. The baseline is what a user would otherwise write: the sync ``follow()`` called in one
thread, on the same Redis follow backend, Django settings and database, measured in alternating
rounds with the async side in the same run. Target: ≥ 3x.

Both sides do the same work per follow: one ``EVALSHA`` of the follow script, then the
``followed`` signal and the outbox's transaction (the timeline app's receivers are connected;
``SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False`` as for every follow case). The async side sends
its Redis calls with ``redis.asyncio`` from 50 concurrent tasks and records the signal's work in
Django's worker thread (see :mod:`sequere.async_api`).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
from typing import Any

from . import REPEATS, rate_row
from .redis_follow import REDIS_BACKEND, _drop_prefix, _users

FOLLOWS_PER_ROUND = 1000
TASKS = 50
PREFIX = "bench:af:"


def afollow_rate_row() -> dict:
    """afollow() per second, 50 tasks on one loop, beside follow() per second in one thread."""
    from django.test.utils import override_settings

    from sequere.models import afollow, follow, unfollow
    from sequere.redis.clients import get_client

    users = _users("af-", 120)
    pairs = [(a, b) for a in users for b in users if a is not b]
    loop = asyncio.new_event_loop()

    async def async_round(batch: list[tuple[Any, Any]]) -> None:
        queue = iter(batch)

        async def worker() -> None:
            for a, b in queue:
                await afollow(a, b)

        await asyncio.gather(*(worker() for _ in range(TASKS)))

    def timed(fn) -> float:
        gc.collect()
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) / FOLLOWS_PER_ROUND

    with override_settings(SEQUERE_BACKEND_CLASS=REDIS_BACKEND, SEQUERE_REDIS_PREFIX=PREFIX):
        client = get_client("follow")
        try:
            chunks = iter(pairs[i : i + FOLLOWS_PER_ROUND] for i in range(0, len(pairs), FOLLOWS_PER_ROUND))
            # warm up both sides (connections, scripts cached on the server)
            loop.run_until_complete(async_round(next(chunks)))
            for a, b in next(chunks)[:50]:
                follow(a, b)
                unfollow(a, b)
            ours, theirs = [], []
            for _ in range(REPEATS):
                batch = next(chunks)
                ours.append(timed(lambda b=batch: loop.run_until_complete(async_round(b))))
                batch = next(chunks)
                theirs.append(timed(lambda b=batch: [follow(x, y) for x, y in b]))
        finally:
            loop.close()
            _drop_prefix(client, PREFIX)
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    return rate_row(
        f"afollow() with {TASKS} tasks on one event loop, per follow() in one thread [sequere redis]",
        ours_s,
        theirs_s,
        baseline_name="follow() in one thread",
        target=3.0,
        note="redis.asyncio EVALSHA; signal + outbox in Django's worker thread",
    )


def run() -> list[dict]:
    """Every row of this module (Django set up on ``bench.settings``, its Redis running)."""
    return [afollow_rate_row()]


def main() -> int:
    """Standalone run: own redis-server and PostgreSQL database, then print the table."""
    from tests.servers import RedisServer

    from .__main__ import DEFAULT_DATABASE_URL, create_database, drop_database
    from .report import text_table

    url = os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    server = RedisServer().start()
    os.environ["BENCH_REDIS_URL"] = server.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    create_database(url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = run()
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url)
        server.stop()
    print(text_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
