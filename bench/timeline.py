"""Timeline benchmarks: fan-out to 100,000 followers and reading pages, beside bare redis-py.

``run() -> list[dict]`` (rows as described in :mod:`bench`) runs inside ``make bench``; run it alone
with ``python -m bench.timeline`` (it starts its own redis-server and PostgreSQL database).

* Fan-out: ``jobs.dispatch`` of one action to 100,000 followers in one process (followers read
  in chunks of ``SEQUERE_TIMELINE_DISPATCH_RANGE`` from the Redis follow backend, one pipeline of
  Lua calls per chunk), in deliveries per second, beside a bare redis-py pipeline writing the
  same sorted-set entries and trims to the same keys in chunks of the same size (and reading no
  followers). Target: ≥ 0.8.
* The same fan-out end to end through a real Celery worker (Redis broker, default chunking):
  seconds from ``Timeline.save()`` until the last follower has the action.
* A page of 20 and of 200 actions from a 1,000-entry private timeline: Redis round trips, SQL
  queries and time, beside a bare ``ZREVRANGE`` + ``GET`` pipeline + JSON decode of the same page.
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


def _raw_client() -> Any:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.SEQUERE_TIMELINE_REDIS_CONNECTION, decode_responses=True)


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


def _bare_fanout(client: Any, record: Any, owners: list[Any], chunk: int, max_length: int) -> None:
    """What one dispatch writes, as plain pipelined commands: ZADD + trim on every view."""
    from sequere.contrib.timeline.backends.keys import KeyBuilder, actor_member

    keys = KeyBuilder(PREFIX)
    member = actor_member(record)
    for start in range(0, len(owners), chunk):
        pipe = client.pipeline(transaction=False)
        for owner in owners[start : start + chunk]:
            views = keys.views(owner, "private", record.verb, record.target_identifier)
            for key in views:
                pipe.zadd(key, {record.id: record.date})
                pipe.zremrangebyrank(key, 0, -max_length - 1)
            index = keys.actor_index(owner, record.actor)
            pipe.zadd(index, {member: record.date})
            pipe.zremrangebyrank(index, 0, -max_length - 1)
        pipe.execute()


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
            max_length = sequere_settings.TIMELINE_MAX_LENGTH
            ours, bare = compare(
                lambda: jobs.dispatch(record.to_dict()),
                lambda: _bare_fanout(client, record, owners, chunk, max_length),
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
                    "baseline_name": f"bare redis-py pipeline, same writes, chunks of {chunk}",
                    "target": 0.8,
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
    from sequere.contrib.timeline.backends.keys import KeyBuilder
    from sequere.contrib.timeline.records import ActionRecord, new_action_id
    from sequere.registration import registry
    from tests.contrib.timeline.counting import count_round_trips

    rows = []
    client = _raw_client()
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
                    ids = client.zrange(main, 0, size - 1, desc=True)
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
                        "baseline_name": "ZREVRANGE + one GET pipeline",
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
                        baseline_name="bare ZREVRANGE + GET pipeline + json.loads (no instances)",
                    )
                )
        finally:
            _cleanup(client)
    return rows


def run() -> list[dict]:
    """Every timeline row (see the module docstring)."""
    return page_rows() + fanout_rows()


def main() -> int:
    """Run alone: own redis-server and database, print the table."""
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
        rows = run()
        print(text_table(rows))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
