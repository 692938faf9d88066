"""Raw redis-py limits on the harness's own Redis: the ceilings sequere's Redis paths are held to."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from . import measure

PINGS_PER_ROUND = 2000
FANOUT_SIZE = 1000


def client() -> Any:
    """A plain redis-py client on the benchmark's Redis (one connection)."""
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


def ping_seconds(conn: Any | None = None) -> float:
    """Median seconds per ``PING`` round trip on one connection."""
    conn = conn or client()
    return measure(conn.ping, number=PINGS_PER_ROUND)


def pipeline_zadd_seconds(size: int = FANOUT_SIZE, conn: Any | None = None) -> float:
    """Median seconds per delivered ZADD when one pipeline writes ``size`` timelines (no Lua, no reads)."""
    conn = conn or client()
    keys = [f"rawbench:{{tl:{i}}}:private" for i in range(size)]
    counter = iter(range(10**9))

    def fan_out() -> None:
        member = str(next(counter))
        pipe = conn.pipeline(transaction=False)
        for key in keys:
            pipe.zadd(key, {member: float(member)})
        pipe.execute()

    try:
        return measure(fan_out, number=5) / size
    finally:
        conn.delete(*keys)


def rows() -> list[dict]:
    """PING/s and pipelined ZADD deliveries/s (reference figures; other rows divide by them)."""
    conn = client()
    ping = ping_seconds(conn)
    zadd = pipeline_zadd_seconds(conn=conn)
    return [
        {
            "case": "redis-py PING round trips, one connection",
            "value": 1 / ping,
            "baseline": None,
            "ratio": None,
            "unit": "ops/s",
            "baseline_name": "(raw limit)",
        },
        {
            "case": f"redis-py bare pipeline, {FANOUT_SIZE:,} ZADDs",
            "value": 1 / zadd,
            "baseline": None,
            "ratio": None,
            "unit": "ZADD/s",
            "baseline_name": "(raw limit)",
        },
    ]
