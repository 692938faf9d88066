"""Benchmarks of django-sequere beside django-activity-stream (``make bench``).

Every figure is measured beside a baseline in the same run and reported as a ratio, so the noise of
the machine cancels out as far as it can. Case modules expose ``run() -> list[dict]``; each row has
``case``, ``value``, ``baseline``, ``ratio`` and ``unit`` (and may add ``baseline_name``, ``target``
(a ratio), ``at_most`` (a bound on the value itself) and ``note``). ``ratio`` always reads "how
many times better than the baseline": baseline/value for
times and sizes, value/baseline for rates.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["compare", "measure", "rate_row", "time_row", "size_row", "sql_count", "REPEATS"]

#: How many rounds each measurement runs; the median is kept.
REPEATS = 5


def _round(fn: Callable[[], Any], number: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def measure(fn: Callable[[], Any], *, number: int, repeats: int = REPEATS, warmup: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeats`` rounds of ``number`` calls."""
    for _ in range(warmup):
        fn()
    return statistics.median(_round(fn, number) for _ in range(repeats))


def compare(
    fn: Callable[[], Any],
    baseline: Callable[[], Any],
    *,
    number: int,
    repeats: int = REPEATS,
    warmup: int = 1,
) -> tuple[float, float]:
    """Median seconds per call of ``fn`` and of ``baseline``, measured in alternating rounds.

    Alternating the rounds spreads a burst of noise on the machine over both sides.
    """
    for _ in range(warmup):
        fn()
        baseline()
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(_round(fn, number))
        theirs.append(_round(baseline, number))
    return statistics.median(ours), statistics.median(theirs)


def sql_count(fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of ``fn`` sends on the default database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _row(case: str, value: float, baseline: float, ratio: float, unit: str, **extra: Any) -> dict:
    return {"case": case, "value": value, "baseline": baseline, "ratio": ratio, "unit": unit, **extra}


def rate_row(case: str, seconds: float, baseline_seconds: float, **extra: Any) -> dict:
    """A row in operations per second from seconds per operation (ratio = ours / baseline)."""
    ours, theirs = 1 / seconds, 1 / baseline_seconds
    return _row(case, ours, theirs, ours / theirs, "ops/s", **extra)


def time_row(case: str, seconds: float, baseline_seconds: float, **extra: Any) -> dict:
    """A row in milliseconds per call (ratio = baseline / ours, so faster is bigger)."""
    return _row(case, seconds * 1000, baseline_seconds * 1000, baseline_seconds / seconds, "ms", **extra)


def size_row(case: str, size: float, baseline_size: float, unit: str = "B", **extra: Any) -> dict:
    """A row of sizes (ratio = baseline / ours, so smaller is bigger)."""
    return _row(case, size, baseline_size, baseline_size / size if size else float("inf"), unit, **extra)
