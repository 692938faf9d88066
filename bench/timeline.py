"""Timeline benchmarks: fan-out to 100,000 followers and reading pages, beside bare redis-py.

``run() -> list[dict]`` (rows as described in :mod:`bench`) runs inside ``make bench``; run it alone
with ``python -m bench.timeline`` (it starts its own redis-server and PostgreSQL database).

* Density: Redis bytes (``MEMORY USAGE``) per entry of a full private timeline, beside a raw
  sorted set of 8-byte members and a raw list of packed 16-byte entries; target ≤ 40 B.
* Filtered pages (verb, target type, both): round trips beside the unfiltered page; target equal.
* Fan-out: ``jobs.dispatch`` of one action to 100,000 followers in one process (followers read
  in chunks of ``SEQUERE_TIMELINE_DISPATCH_RANGE`` from the Redis follow backend, one pipeline of
  ``push`` calls per chunk), in deliveries per second, beside redis-py pipelining the least a
  fan-out can write, one ``ZADD`` per follower, in chunks of the same size (and reading no
  followers). Target: ≥ 0.6.
* The same fan-out end to end through a real Celery worker (Redis broker, default chunking):
  seconds from ``Timeline.save()`` until the last follower has the action.
* A page of 20 and of 200 actions from a 1,000-entry private timeline: Redis round trips, SQL
  queries and time, beside a bare ``LRANGE`` + ``GET`` pipeline + JSON decode of the same page.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from . import compare, time_row

FOLLOWERS = 100_000
TIMELINE_LENGTH = 1_000
PAGE_SIZES = (20, 200)
PREFIX = "bench:timeline:run"


def _settings(**extra: Any):
    from django.test import override_settings

    options = {
        "SEQUERE_TIMELINE_BACKEND_CLASS": "sequere.contrib.timeline.backends.redis.RedisBackend",
        "SEQUERE_TIMELINE_REDIS_PREFIX": PREFIX,
        "SEQUERE_BACKEND_CLASS": "sequere.backends.database.DatabaseBackend",
    }
    options.update(extra)
    return override_settings(**options)


def _raw_client(decode: bool = True) -> Any:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.SEQUERE_TIMELINE_REDIS_CONNECTION, decode_responses=decode)


def _cleanup(client: Any) -> None:
    batch = []
    for key in client.scan_iter(match=f"{PREFIX}*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            client.unlink(*batch)
            batch.clear()
    if batch:
        client.unlink(*batch)


def _users(prefix: str, n: int) -> list[Any]:
    from django.contrib.auth.models import User

    User.objects.filter(username__startswith=prefix).delete()
    return User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])


def _bare_fanout(client: Any, record: Any, owners: list[Any], chunk: int) -> None:
    """The least a fan-out can write: one ZADD of the action id per follower, pipelined in chunks."""
    from sequere.contrib.timeline.backends.keys import KeyBuilder

    keys = KeyBuilder(f"{PREFIX}:bare")
    for start in range(0, len(owners), chunk):
        pipe = client.pipeline(transaction=False)
        for owner in owners[start : start + chunk]:
            pipe.zadd(keys.timeline(owner, "private"), {record.id: record.date})
        pipe.execute()


def _memory(client: Any, *keys: str) -> int:
    return sum(int(client.memory_usage(key, samples=0) or 0) for key in keys)


def density_rows() -> list[dict]:
    """Redis bytes per entry of a full private timeline, beside a raw sorted set and a packed list."""
    import struct

    from sequere.conf import sequere_settings
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.contrib.timeline.records import ActionRecord, new_action_id
    from sequere.refs import Ref

    client = _raw_client()
    rows = []
    with _settings():
        backend = get_timeline_backend()
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        owner = Ref("user", "tl-density-owner")
        actors = [Ref("user", f"tl-density-{i}") for i in range(20)]
        try:
            pipe = backend.link.pipeline()
            for i in range(cap + cap // 10):
                like = i % 3 != 0
                record = ActionRecord(
                    id=new_action_id(),
                    verb="like" if like else "join",
                    actor=actors[i % len(actors)],
                    target=Ref("group", str(i % 50)) if like else None,
                    date=1_700_000_000_000_000 + i * 1000,
                )
                backend.queue_store(pipe, record, record.actor, public=True)
                backend.queue_deliver(pipe, record, [owner])
            backend.finish(pipe.execute())
            key = backend.keys.timeline(owner, "private")
            held = int(client.llen(key))
            ours = _memory(client, key) / held
            zset, packed = f"{PREFIX}:raw:zset", f"{PREFIX}:raw:list"
            raw = client.pipeline(transaction=False)
            for i in range(held):
                raw.zadd(zset, {struct.pack(">Q", i * 7919 + 1): 1_700_000_000_000_000 + i})
                raw.rpush(packed, struct.pack(">QQ", 1_700_000_000_000_000 + i, i))
            raw.execute()
            per_zset = _memory(client, zset) / held
            per_list = _memory(client, packed) / held
            projected = ours * held * 1_000_000 / 1e9
            rows.append(
                {
                    "case": f"Redis bytes per timeline entry, full timeline ({held:,} entries, 20 actors)",
                    "value": ours,
                    "baseline": per_zset,
                    "ratio": per_zset / ours,
                    "unit": "B/entry",
                    "baseline_name": "raw sorted set of 8-byte members (MEMORY USAGE)",
                    "at_most": 40,
                    "note": f"packed 16-byte list: {per_list:.1f} B/entry; 10^6 users with full feeds: "
                    f"{projected:.1f} GB of timelines",
                }
            )
        finally:
            _cleanup(client)
    return rows


def filtered_page_rows() -> list[dict]:
    """Round trips of a filtered page of 20 (verb, target type, both) beside the unfiltered page."""
    from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
    from sequere.contrib.timeline.records import ActionRecord, new_action_id
    from sequere.refs import Ref
    from tests.contrib.timeline.counting import count_round_trips

    client = _raw_client()
    rows = []
    counting = "tests.contrib.timeline.counting.CountingRedis"
    with _settings(SEQUERE_TIMELINE_CONNECTION_CLASS=counting):
        backend = get_timeline_backend()
        owner = Ref("user", "tl-filter-owner")
        try:
            records = [
                ActionRecord(
                    id=new_action_id(),
                    verb=("like", "join")[i % 2],
                    actor=Ref("user", f"tl-filter-{i % 20}"),
                    target=Ref("group", str(i)) if i % 3 else None,
                    date=1_700_000_000_000_000 + i,
                )
                for i in range(TIMELINE_LENGTH)
            ]
            pipe = backend.link.pipeline()
            for record in records:
                backend.queue_store(pipe, record, record.actor, public=True)
                backend.queue_deliver(pipe, record, [owner])
            backend.finish(pipe.execute())
            backend.fetch(owner, PRIVATE, limit=1)  # scripts loaded
            with count_round_trips() as plain:
                assert len(backend.fetch(owner, PRIVATE, desc=True, limit=20)) == 20
            for name, filters in (
                ("verb", {"verb": "like"}),
                ("target type", {"target": "group"}),
                ("verb and target type", {"verb": "join", "target": "group"}),
            ):
                with count_round_trips() as trips:
                    assert len(backend.fetch(owner, PRIVATE, desc=True, limit=20, **filters)) == 20
                rows.append(
                    {
                        "case": f"filtered page of 20 ({name}) from {TIMELINE_LENGTH:,} entries: round trips",
                        "value": trips.value,
                        "baseline": plain.value,
                        "ratio": plain.value / trips.value,
                        "unit": "round trips",
                        "baseline_name": "the unfiltered page of 20",
                        "target": 1.0,
                    }
                )
        finally:
            _cleanup(client)
    return rows


def fanout_rows(followers: int = FOLLOWERS) -> list[dict]:
    """Deliveries per second of one dispatch beside the bare pipeline, and the real-worker time."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from sequere.backends import get_backend
    from sequere.conf import sequere_settings
    from sequere.contrib.timeline import Timeline, jobs
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.refs import Ref
    from sequere.registration import registry

    from .apps import LikeAction

    rows = []
    client = _raw_client()
    with _settings(
        SEQUERE_TIMELINE_FANOUT="inline",
        SEQUERE_TIMELINE_IMPORT_ON_FOLLOW=False,
        SEQUERE_TIMELINE_PUSH_LIMIT=None,  # the push fan-out is what is measured (no hybrid pull)
        SEQUERE_BACKEND_CLASS="sequere.backends.redis.RedisBackend",
        SEQUERE_REDIS_PREFIX=f"{PREFIX}:follows:",
    ):
        [actor] = _users("tl-fan-actor-", 1)
        group, _ = Group.objects.get_or_create(name="tl-fan-group")
        actor_ref = registry.get_ref(actor)
        owners = [Ref("user", f"tl-follower-{i}") for i in range(followers)]  # no rows: none is loaded
        now = timezone.now()
        started = time.perf_counter()
        get_backend().add_many((owner, actor_ref, now) for owner in owners)
        print(f"   {followers:,} follows in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        try:
            saved = Timeline(actor).save(LikeAction(actor=actor, target=group))
            record = get_timeline_backend().get_records([saved.id])[saved.id]
            chunk = sequere_settings.TIMELINE_DISPATCH_RANGE
            ours, bare = compare(
                lambda: jobs.dispatch(record.to_dict()),
                lambda: _bare_fanout(client, record, owners, chunk),
                number=1,
                repeats=3,
            )
            rows.append(
                {
                    "case": f"fan-out of 1 action to {followers:,} followers (Redis follows), one process",
                    "value": followers / ours,
                    "baseline": followers / bare,
                    "ratio": bare / ours,
                    "unit": "deliveries/s",
                    "baseline_name": f"redis-py pipelining one ZADD per follower, chunks of {chunk}",
                    "target": 0.6,
                }
            )
            seconds = _worker_fanout(actor, group, owners[-1])
            rows.append(
                time_row(
                    f"fan-out to {followers:,} followers end to end, real worker",
                    seconds,
                    ours,
                    baseline_name="the same dispatch in-process (no broker)",
                    note=f"save() to the last follower's timeline; chunks of {chunk}",
                )
            )
        finally:
            _cleanup(client)
    return rows


def _worker_fanout(actor: Any, group: Any, last: Any) -> float:
    """Seconds from ``save()`` until ``last`` has the action, through a real worker thread."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.test import override_settings

    from sequere.contrib.timeline import Timeline, tasks
    from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend

    from .apps import LikeAction

    assert tasks.dispatch.name == "sequere.timeline.dispatch"  # imported before the app finalizes
    app = Celery("sequere_bench_timeline")
    app.conf.update(
        broker_url=settings.SEQUERE_TIMELINE_REDIS_CONNECTION,
        task_default_queue=f"bench-timeline-{os.getpid()}",
        accept_content=["json"],
        task_serializer="json",
        broker_connection_retry_on_startup=True,
    )
    app.set_current()
    backend = get_timeline_backend()
    with override_settings(SEQUERE_TIMELINE_FANOUT="celery"):
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
            before = backend.count(last, PRIVATE)
            started = time.perf_counter()
            Timeline(actor).save(LikeAction(actor=actor, target=group))
            deadline = started + 600
            while backend.count(last, PRIVATE) == before:
                if time.perf_counter() > deadline:
                    raise RuntimeError("the worker did not deliver to the last follower within 600s")
                time.sleep(0.002)
            return time.perf_counter() - started


def page_rows() -> list[dict]:
    """Round trips, SQL and time of a page of 20 and 200 from a 1,000-entry private timeline."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sequere.contrib.timeline import Timeline
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.contrib.timeline.backends.entries import unpack_id
    from sequere.contrib.timeline.backends.keys import KeyBuilder
    from sequere.contrib.timeline.records import ActionRecord, new_action_id
    from sequere.registration import registry
    from tests.contrib.timeline.counting import count_round_trips

    rows = []
    client = _raw_client()
    binary = _raw_client(decode=False)
    counting = "tests.contrib.timeline.counting.CountingRedis"
    with _settings(SEQUERE_TIMELINE_CONNECTION_CLASS=counting):
        owner, *actors = _users("tl-page-", 51)
        groups = [Group.objects.get_or_create(name=f"tl-page-group-{i}")[0] for i in range(20)]
        backend = get_timeline_backend()
        records = [
            ActionRecord(
                id=new_action_id(),
                verb="like",
                actor=registry.get_ref(actors[i % len(actors)]),
                target=registry.get_ref(groups[i % len(groups)]),
                date=1_700_000_000_000_000 + i,
                data={"n": i},
            )
            for i in range(TIMELINE_LENGTH)
        ]
        try:
            for record in records:
                backend.store(record, record.actor, public=True)
            backend.deliver(records, [registry.get_ref(owner)])
            keys = KeyBuilder(PREFIX)
            main = keys.timeline(registry.get_ref(owner), "private")
            actions = Timeline(owner).get_private(desc=True)
            for size in PAGE_SIZES:

                def read(size: int = size) -> list:
                    return actions[:size]

                def bare(size: int = size) -> list:
                    ids = [unpack_id(entry) for entry in binary.lrange(main, -size, -1)][::-1]
                    pipe = client.pipeline(transaction=False)
                    for action_id in ids:
                        pipe.get(keys.action(action_id))
                    return [json.loads(value) for value in pipe.execute()]

                read()
                with count_round_trips() as trips, CaptureQueriesContext(connection) as sql:
                    assert len(read()) == size
                rows.append(
                    {
                        "case": f"page of {size} from {TIMELINE_LENGTH:,} entries: Redis round trips",
                        "value": trips.value,
                        "baseline": 2,
                        "ratio": 2 / trips.value,
                        "unit": "round trips",
                        "baseline_name": "LRANGE + one GET pipeline",
                    }
                )
                rows.append(
                    {
                        "case": f"page of {size}: SQL queries (actors are users, targets groups)",
                        "value": len(sql),
                        "baseline": 2,
                        "ratio": 2 / len(sql),
                        "unit": "queries",
                        "baseline_name": "one per model type",
                    }
                )
                ours, theirs = compare(read, bare, number=20, repeats=5)
                rows.append(
                    time_row(
                        f"page of {size}: time with model instances",
                        ours,
                        theirs,
                        baseline_name="bare LRANGE + GET pipeline + json.loads (no instances)",
                    )
                )
        finally:
            _cleanup(client)
    return rows


def run() -> list[dict]:
    """Every timeline row (see the module docstring)."""
    return density_rows() + filtered_page_rows() + page_rows() + fanout_rows()


def main(rows_of: Any = None) -> int:
    """Run alone: own redis-server and database, print the table (of ``rows_of()``, default :func:`run`)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests.servers import RedisServer

    from .__main__ import create_database, drop_database
    from .report import text_table

    url = os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sequere_bench_timeline"
    )
    server = RedisServer().start()
    os.environ["BENCH_REDIS_URL"] = server.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    create_database(url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = (rows_of or run)()
        print(text_table(rows))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
