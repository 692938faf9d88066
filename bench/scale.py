"""The scale curve: follow, followers page, fan-out and feed read with 10^3 .. 10^6 edges stored.

At each size E, E/10 users each follow one celebrity and 9 neighbours (so the celebrity has E/10
followers and the store holds E edges). Fan-out sends one action of the celebrity to its E/10
followers and is shown per delivery. Both sequere stacks are measured: the database follow
backend with the database timeline, and the Redis follow backend with the Redis timeline (each when
present in this checkout). Every figure's baseline is the same operation on the smallest store, so
the ratio shows how much slower (below 1) an operation gets as the store grows.
"""

from __future__ import annotations

import itertools
import sys
import time
import traceback

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import override_settings

from . import measure
from .cases import has

SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
STACKS = {
    "database": (
        "sequere.backends.database.DatabaseBackend",
        "sequere.contrib.timeline.backends.database.DatabaseBackend",
    ),
    "redis": ("sequere.backends.redis.RedisBackend", "sequere.contrib.timeline.backends.redis.RedisBackend"),
}
#: The database timeline's fan-out is measured up to this store size (1,000 followers); past it one
#: fan-out takes minutes on the benchmark machine and would blow the 15-minute budget.
MAX_DATABASE_FANOUT_EDGES = 10_000
#: Seconds after which no larger store is started (the curve stops at the last size measured).
CURVE_BUDGET = 420


def ensure_users(count: int) -> list[int]:
    """The ids of at least ``count`` users, oldest first (adds rows in one INSERT when short)."""
    missing = count - User.objects.count()
    if missing > 0:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined) SELECT '!', false, 'scale' || g, '', '', '', false, "
                "true, now() FROM generate_series(1, %s) g",
                [missing],
            )
    return list(User.objects.order_by("pk").values_list("pk", flat=True)[:count])


def write_graph(user_ids: list[int]) -> None:
    """Replace sequere's database follows by the graph of the module docstring, in SQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE sequere_follow")
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bench_scale_users (n int PRIMARY KEY, id bigint)")
        cursor.execute("TRUNCATE bench_scale_users")
        cursor.execute(
            "INSERT INTO bench_scale_users SELECT n - 1, id "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n)",
            [user_ids],
        )
        cursor.execute(
            "INSERT INTO sequere_follow (from_identifier, from_object_id, to_identifier, to_object_id, "
            "created_at) SELECT 'user', a.id::text, 'user', b.id::text, "
            "now() - (random() * interval '300 days') FROM bench_scale_users a "
            "CROSS JOIN generate_series(0, 9) k "
            "JOIN bench_scale_users b ON b.n = CASE WHEN k = 0 THEN 0 ELSE (a.n + k) %% %s END "
            "WHERE a.n <> b.n ON CONFLICT DO NOTHING",
            [len(user_ids)],
        )
        cursor.execute("ANALYZE sequere_follow")


def copy_to_redis() -> int:
    """Copy the database follows into a flushed Redis; return how many edges were written."""
    import redis

    from sequere.backends.database import DatabaseBackend
    from sequere.backends.redis import RedisBackend

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    target = RedisBackend()
    return sum(target.add_many(chunk) for chunk in DatabaseBackend().iter_edges(chunk_size=10_000))


def _ms(seconds: float) -> float:
    return seconds * 1000


def measure_stack(user_ids: list[int], edges: int, timeline: bool) -> dict[str, float]:
    """Median milliseconds of each operation on the configured stack."""
    from sequere.models import follow, get_followers

    users = User.objects.in_bulk(user_ids[:400])
    size = len(user_ids)
    celebrity = users[user_ids[0]]
    fresh = [(users[user_ids[a]], users[user_ids[b]]) for a, b in _fresh_pairs(size)]
    pairs = iter(fresh)
    result = {
        "follow": _ms(measure(lambda: follow(*next(pairs)), number=50, repeats=5)),
        "followers page of 20": _ms(measure(lambda: get_followers(celebrity)[:20], number=30, repeats=5)),
    }
    if timeline:
        database_timeline = "database" in settings.SEQUERE_TIMELINE_BACKEND_CLASS
        result.update(_timeline_ms(celebrity, users[user_ids[1]], edges, database_timeline))
    return result


def _fresh_pairs(size: int) -> list[tuple[int, int]]:
    """Pairs of user positions (both below 400) that the graph does not link."""
    limit = min(size, 400)
    out = []
    for a, b in itertools.product(range(1, limit), repeat=2):
        gap = (b - a) % size
        if a != b and gap > 9:
            out.append((a, b))
        if len(out) == 400:
            break
    return out


def _timeline_ms(celebrity: User, reader: User, edges: int, database_timeline: bool) -> dict[str, float]:
    from sequere.contrib.timeline import Timeline
    from sequere.contrib.timeline import jobs as fanout_jobs
    from sequere.registration import registry

    from .apps import LikeAction

    timeline = Timeline(celebrity)
    reader_ref = registry.get_ref(reader)
    for _ in range(20):  # the reader's feed has a page to read (delivered to the reader alone)
        record = LikeAction(actor=celebrity).to_record()
        timeline.backend.store(record, record.actor, public=True)
        timeline.backend.deliver([record], [reader_ref])
    counter = itertools.count()

    def fan_out() -> None:
        record = LikeAction(actor=celebrity, n=next(counter)).to_record()
        timeline.backend.store(record, record.actor, public=True)
        fanout_jobs.dispatch(record.to_dict())

    reader_timeline = Timeline(reader)
    result = {
        "feed page of 20": _ms(
            measure(lambda: [a.actor for a in reader_timeline.get_private(desc=True)[:20]], number=30)
        )
    }
    if database_timeline and edges > MAX_DATABASE_FANOUT_EDGES:
        return result  # one fan-out would take minutes: see MAX_DATABASE_FANOUT_EDGES
    repeats = 3 if edges >= 100_000 else 5
    followers = edges // 10 - 1
    result["fan-out, per delivery"] = _ms(measure(fan_out, number=1, repeats=repeats, warmup=0)) / followers
    return result


def run(quick: bool = False) -> tuple[list[dict], dict[str, list[tuple[int, float]]], list[str]]:
    """Rows for the table, the plot's series (name -> [(edges, ms)]) and the failures met."""
    errors: list[str] = []
    sizes = QUICK_SIZES if quick else SIZES
    stacks = {name: paths for name, paths in STACKS.items() if has(paths[0].rsplit(".", 1)[0])}
    series: dict[str, list[tuple[int, float]]] = {}
    curve_started = time.perf_counter()
    for edges in sizes:
        if time.perf_counter() - curve_started > CURVE_BUDGET:
            errors.append(f"scale curve stopped before {edges:,} edges: past its {CURVE_BUDGET}s budget")
            break
        started = time.perf_counter()
        user_ids = ensure_users(edges // 10)
        write_graph(user_ids)
        if "redis" in stacks:
            copy_to_redis()  # before any stack adds its own follows
        print(
            f"   {edges:,} edges written in {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True
        )
        for name, (follow_path, timeline_path) in stacks.items():
            timeline = has("sequere.contrib.timeline") and has(timeline_path.rsplit(".", 1)[0])
            overrides = {
                "SEQUERE_BACKEND_CLASS": follow_path,
                "SEQUERE_TIMELINE_BACKEND_CLASS": timeline_path,
            }
            try:
                with override_settings(**overrides):
                    figures = measure_stack(user_ids, edges, timeline)
            except Exception:  # noqa: BLE001 - the other stack's curve is still worth drawing
                errors.append(f"{name} stack at {edges:,} edges:\n{traceback.format_exc()}")
                continue
            for operation, ms in figures.items():
                series.setdefault(f"{operation} ({name})", []).append((edges, ms))
            print(
                f"   {name} stack measured at {time.perf_counter() - started:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    rows = []
    for name, points in series.items():
        base_edges, base_ms = points[0]
        for edges, ms in points[1:]:
            rows.append(
                {
                    "case": f"{name}, {edges:,} edges",
                    "value": ms,
                    "baseline": base_ms,
                    "ratio": base_ms / ms,
                    "unit": "ms",
                    "baseline_name": f"same, {base_edges:,} edges",
                }
            )
    return rows, series, errors
