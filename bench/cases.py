"""Which sections ``make bench`` runs, in order, and the intro of docs/benchmarks.rst."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from datetime import datetime

from .data import Dataset, Scale


def has(module: str) -> bool:
    """Whether ``module`` exists in this checkout (parts built by other issues join when they land)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def load_redis_follows(data: Dataset) -> None:
    """Copy the data set's edges, with their dates, into sequere's Redis follow backend."""
    from sequere.backends.database import DatabaseBackend
    from sequere.backends.redis import RedisBackend

    target = RedisBackend()
    for chunk in DatabaseBackend().iter_edges(chunk_size=5000):
        target.add_many(chunk)


def redis_follow_rows(data: Dataset) -> list[dict]:
    """Redis follow backend beside actstream on the same data.

    follow()/s against PING/s is measured by :mod:`bench.redis_follow`, alternating the two on one
    connection; a PING figure taken at another moment would not be a fair baseline.
    """
    from .follow_cases import follow_rows

    load_redis_follows(data)
    return follow_rows(data, "redis", targets={"follow": 5})


def sections(data: Dataset) -> Iterator[tuple[str, Callable[[], list[dict]]]]:
    """(title, run) for every section this checkout can run."""
    from .follow_cases import follow_rows
    from .raw_redis import rows as raw_rows

    yield "Raw Redis limits", raw_rows
    yield (
        "Follows, database backend (PostgreSQL)",
        lambda: follow_rows(data, "database", targets={"follow": 1.5}),
    )
    if has("sequere.backends.redis.backend") or has("sequere.backends.redis"):
        yield "Follows, Redis backend", lambda: redis_follow_rows(data)
    if has("sequere.contrib.timeline") and has("bench.feed_cases"):
        from .feed_cases import feed_sections

        yield from feed_sections(data)


def intro(when: datetime, elapsed: float, scale: Scale, load: tuple[float, float]) -> str:
    """The paragraph above the tables; ``load`` is the 5-minute load average at start and end."""
    busy = ", so other work was running beside it" if max(load) > 2.5 else ""
    return f"""
Last run: {when:%Y-%m-%d %H:%M} UTC, ``make bench`` in {elapsed / 60:.1f} minutes on this project's
development machine (2 cores; 5-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the
end{busy}), PostgreSQL on 127.0.0.1 and a redis-server started by the harness. Absolute figures
move with the load; ratios, measured in alternating rounds, much less.

Every figure sits beside a baseline measured in the same run: django-activity-stream (the latest
release on PyPI) on the same database with the same users, follows and actions, or a raw redis-py
limit. Figures are medians of 5 rounds, rounds of the two sides alternating. **ratio** reads "how many
times better than the baseline": baseline/ours for times, ours/baseline for rates; a target is met when
the ratio reaches it. Data: {scale.users:,} users, {scale.groups:,} groups, {scale.follows:,} follows
(a heavy-tailed number of followers per user) and {scale.actions:,} actions ("user like group"); three
readers follow 10 quiet actors, 100 actors and 1,000 actors.

Run it yourself with ``make bench`` (needs PostgreSQL at ``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/sequere_bench``; the database is created and dropped by the run).
"""
