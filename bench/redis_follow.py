"""Redis follow backend figures: follow()/s against PING/s, bytes per edge, followers pages.

Run alone with ``python -m bench.redis_follow`` (it starts its own redis-server and creates, then
drops, its own PostgreSQL database like ``make bench``), or through ``make bench``, which calls
:func:`run`. Three figures, each beside a baseline measured in the same run:

* ``follow()`` per second through the public API on one connection, divided by redis-py ``PING``
  per second on that same connection (target ≥ 0.6: a follow costs little more than a round trip);
  the same for ``follow()`` of a private account (a follow request, target ≥ 0.6) and
  ``approve()`` (target ≥ 0.5);
* Redis memory per follow edge (``INFO memory`` ``used_memory`` delta) for 20,000 resources and
  200,000 random edges, beside the seed README's layout (32-hex uid members, four sorted sets and
  four counters per edge) written to the same server, and beside the 307 B/edge quoted for it;
* a followers page of 20 and of 200 with instances loaded: Redis round trips, SQL queries and time,
  beside the database backend holding the same edges.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from . import compare, rate_row, size_row, sql_count, time_row

RESOURCES = 20_000
EDGES = 200_000
FOLLOWS_PER_ROUND = 1000
PAGE_FOLLOWERS = 1000
README_QUOTED_BYTES = 307
T0 = datetime(2025, 1, 1, tzinfo=dt_timezone.utc)
REDIS_BACKEND = "sequere.backends.redis.RedisBackend"
COUNTING_CLIENT = "tests.backends.redis_helpers.CountingRedis"


def _users(prefix: str, count: int) -> list[Any]:
    from django.contrib.auth.models import User

    existing = {u.username: u for u in User.objects.filter(username__startswith=prefix)}
    missing = [User(username=f"{prefix}{i}") for i in range(count) if f"{prefix}{i}" not in existing]
    User.objects.bulk_create(missing, batch_size=1000)
    users = {u.username: u for u in User.objects.filter(username__startswith=prefix)}
    return [users[f"{prefix}{i}"] for i in range(count)]


def _drop_prefix(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}*", count=5000))
    for start in range(0, len(keys), 5000):
        client.unlink(*keys[start : start + 5000])


def follow_rate_row() -> dict:
    """follow() per second, public API, one connection, beside PING per second on it."""
    from django.test.utils import override_settings

    from sequere.models import follow
    from sequere.redis.clients import get_client

    users = _users("rf-", 120)
    pairs = iter([(a, b) for a in users for b in users if a is not b])
    with override_settings(SEQUERE_BACKEND_CLASS=REDIS_BACKEND, SEQUERE_REDIS_PREFIX="bench:rf:"):
        client = get_client("follow")
        try:
            ours, ping = compare(lambda: follow(*next(pairs)), client.ping, number=FOLLOWS_PER_ROUND)
        finally:
            _drop_prefix(client, "bench:rf:")
    return rate_row(
        "follow() on one connection, per PING on the same connection [sequere redis]",
        ours,
        ping,
        baseline_name="redis-py PING",
        target=0.6,
        note="one EVALSHA per follow",
    )


def request_rate_rows() -> list[dict]:
    """follow() of an account that requires approval (a follow request) and approve(), per second,
    public API, one connection, each beside PING per second on it (one round trip each)."""
    from django.contrib.auth.models import User
    from django.test.utils import override_settings

    from sequere.models import approve, follow
    from sequere.redis.clients import get_client
    from sequere.registration import registry

    askers, accounts = _users("rq-a-", 60), _users("rq-p-", 40)
    options = registry.get(User)
    asks = [(a, b) for a in askers for b in accounts]
    pairs, answers = iter(asks), iter([(b, a) for a, b in asks])
    options.requires_approval = lambda instance: instance.username.startswith("rq-p-")
    with override_settings(SEQUERE_BACKEND_CLASS=REDIS_BACKEND, SEQUERE_REDIS_PREFIX="bench:rq:"):
        client = get_client("follow")
        try:
            asked, ping = compare(lambda: follow(*next(pairs)), client.ping, number=FOLLOWS_PER_ROUND // 4)
            approved, ping2 = compare(
                lambda: approve(*next(answers)), client.ping, number=FOLLOWS_PER_ROUND // 4
            )
        finally:
            del options.requires_approval
            _drop_prefix(client, "bench:rq:")
    return [
        rate_row(
            "follow() of a private account (a request), per PING [sequere redis]",
            asked,
            ping,
            baseline_name="redis-py PING",
            target=0.6,
            note="one EVALSHA per request",
        ),
        rate_row(
            "approve() of a request, per PING [sequere redis]",
            approved,
            ping2,
            baseline_name="redis-py PING",
            target=0.5,
            note="one EVALSHA: request removed, edge added",
        ),
    ]


def random_edges(seed: int = 20261127) -> list[tuple[int, int, int]]:
    """EDGES distinct (follower, followed, microseconds) among RESOURCES resources."""
    rng = random.Random(seed)
    seen: set[tuple[int, int]] = set()
    edges = []
    base = int(T0.timestamp() * 1_000_000)
    while len(edges) < EDGES:
        a, b = rng.randrange(RESOURCES), rng.randrange(RESOURCES)
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            edges.append((a, b, base + rng.randrange(365 * 86_400 * 1_000_000)))
    return edges


def _used_memory(client: Any) -> int:
    return int(client.info("memory")["used_memory"])


def sequere_bytes(client: Any, edges: list[tuple[int, int, int]]) -> float:
    """used_memory growth per edge when the Redis backend stores ``edges``."""
    from django.test.utils import override_settings

    from sequere.backends.redis import RedisBackend
    from sequere.refs import Ref

    prefix = "bench:mem:"
    with override_settings(SEQUERE_BACKEND_CLASS=REDIS_BACKEND, SEQUERE_REDIS_PREFIX=prefix):
        backend = RedisBackend()
        backend.add(Ref("user", "warm-a"), Ref("user", "warm-b"), T0)  # scripts cached before measuring
        backend.remove_all(Ref("user", "warm-a"))
        before = _used_memory(client)
        epoch = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
        stored = backend.add_many(
            (Ref("user", str(a)), Ref("user", str(b)), epoch + timedelta(microseconds=at))
            for a, b, at in edges
        )
        after = _used_memory(client)
        assert stored == len(edges), (stored, len(edges))
        _drop_prefix(client, prefix)
    return (after - before) / len(edges)


def readme_bytes(client: Any, edges: list[tuple[int, int, int]]) -> float:
    """used_memory growth per edge for the seed README's layout, written with raw commands."""
    prefix = "bench:readme:"
    before = _used_memory(client)
    uids: dict[int, str] = {}
    pipe = client.pipeline(transaction=False)
    for resource in range(RESOURCES):
        uid = uuid.uuid4().hex
        uids[resource] = uid
        pipe.incr(f"{prefix}global:uid")
        pipe.set(f"{prefix}uid:user:{resource}", uid)
        pipe.hset(f"{prefix}uid::{uid}", mapping={"identifier": "user", "object_id": resource})
        if len(pipe) >= 5000:
            pipe.execute()
    for count, (a, b, at) in enumerate(edges, 1):
        from_uid, to_uid, stamp = uids[a], uids[b], at / 1_000_000
        pipe.incr(f"{prefix}uid:{to_uid}:followers:count")
        pipe.incr(f"{prefix}uid:{to_uid}:followers:user:count")
        pipe.incr(f"{prefix}uid:{from_uid}:followings:count")
        pipe.incr(f"{prefix}uid:{from_uid}:followings:user:count")
        pipe.zadd(f"{prefix}uid:{to_uid}:followers", {from_uid: stamp})
        pipe.zadd(f"{prefix}uid:{to_uid}:followers:user", {from_uid: stamp})
        pipe.zadd(f"{prefix}uid:{from_uid}:followings", {to_uid: stamp})
        pipe.zadd(f"{prefix}uid:{from_uid}:followings:user", {to_uid: stamp})
        if count % 1000 == 0:
            pipe.execute()
    pipe.execute()
    after = _used_memory(client)
    _drop_prefix(client, prefix)
    return (after - before) / len(edges)


def memory_rows() -> list[dict]:
    """Bytes per edge: sequere's layout beside the README's, measured now and as quoted."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.SEQUERE_REDIS_CONNECTION, decode_responses=True)
    edges = random_edges()
    ours = sequere_bytes(client, edges)
    theirs = readme_bytes(client, edges)
    version = client.info("server")["redis_version"]
    case = f"Redis bytes per edge, {RESOURCES:,} resources, {EDGES:,} edges [sequere redis]"
    return [
        size_row(case, ours, theirs, "B", baseline_name=f"README layout, Redis {version} now"),
        size_row(
            case,
            ours,
            README_QUOTED_BYTES,
            "B",
            baseline_name="README layout, 307 B quoted",
            target=README_QUOTED_BYTES / 100,
            note="target: at most 100 B per edge",
        ),
    ]


def page_rows() -> list[dict]:
    """A followers page of 20 and 200 with instances: Redis round trips, SQL, time vs database."""
    from django.test.utils import override_settings

    from sequere.backends.database import DatabaseBackend
    from sequere.backends.redis import RedisBackend
    from sequere.models import get_followers
    from sequere.refs import Ref
    from tests.backends.redis_helpers import round_trips

    target, *followers = _users("rf-page-", PAGE_FOLLOWERS + 1)
    target_ref = Ref("user", str(target.pk))
    edges = [(Ref("user", str(u.pk)), target_ref, T0 + timedelta(seconds=i)) for i, u in enumerate(followers)]
    rows = []
    redis_settings = {
        "SEQUERE_BACKEND_CLASS": REDIS_BACKEND,
        "SEQUERE_REDIS_PREFIX": "bench:page:",
        "SEQUERE_REDIS_CONNECTION_CLASS": COUNTING_CLIENT,
    }
    database = DatabaseBackend()
    database.add_many(edges)
    try:
        with override_settings(**redis_settings):
            RedisBackend().add_many(edges)
        for size in (20, 200):

            def page(size: int = size) -> list:
                return get_followers(target)[:size]

            with override_settings(**redis_settings):
                assert len(page()) == size
                with round_trips() as sent:
                    ours_sql = sql_count(page)
                ours = _time(page)
            with override_settings(SEQUERE_BACKEND_CLASS="sequere.backends.database.DatabaseBackend"):
                assert len(page()) == size
                theirs_sql = sql_count(page)
                theirs = _time(page)
            rows.append(
                time_row(
                    f"followers page of {size} with instances, {PAGE_FOLLOWERS:,} followers [sequere redis]",
                    ours,
                    theirs,
                    baseline_name="sequere database backend",
                    note=f"Redis round trips {sent[0]}, SQL {ours_sql} (database backend: SQL {theirs_sql})",
                )
            )
    finally:
        database.remove_all(target_ref)
        with override_settings(**redis_settings):
            RedisBackend().remove_all(target_ref)
    return rows


def _time(fn: Any) -> float:
    from . import measure

    return measure(fn, number=50)


def run() -> list[dict]:
    """Every row of this module (Django set up on ``bench.settings``, its Redis running)."""
    return [follow_rate_row(), *request_rate_rows(), *memory_rows(), *page_rows()]


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
    for row in rows:
        if row.get("note"):
            print(f"{row['case']} vs {row.get('baseline_name', 'baseline')}: {row['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
