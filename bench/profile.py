"""Profile one benchmark case with pyinstrument: ``python -m bench.profile CASE [--sql]``.

Cases: ``fanout-database`` / ``fanout-redis`` (one action to 1,000 followers), ``feed-database`` /
``feed-redis`` (a feed page of 20 for the reader following 1,000 actors), ``follow-redis`` and
``follow-database`` (200 follows). It builds the quick data set (a tenth of ``make bench``) in its own
database and Redis, like the harness, and drops them afterwards. ``--sql`` also prints the SQL the
case sends, with PostgreSQL's ``EXPLAIN ANALYZE`` of the slowest statement.
"""

from __future__ import annotations

import argparse
import os
import sys

CASES = ("fanout-database", "fanout-redis", "feed-database", "feed-redis", "follow-database", "follow-redis")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=CASES)
    parser.add_argument("--sql", action="store_true", help="print the statements and EXPLAIN the slowest")
    args = parser.parse_args(argv)

    from tests.servers import RedisServer

    from .__main__ import DEFAULT_DATABASE_URL, create_database, drop_database

    url = os.environ.setdefault(
        "BENCH_DATABASE_URL", DEFAULT_DATABASE_URL.replace("sequere_bench", "sequere_bench_profile")
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
        _profile(args.case, args.sql)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url)
        server.stop()
    return 0


def _profile(case: str, show_sql: bool) -> None:
    import itertools

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from pyinstrument import Profiler

    from .data import Scale, build
    from .feed_cases import TIMELINE_BACKENDS, fill_timelines
    from .follow_cases import BACKENDS

    data = build(Scale(users=2_000, groups=100, follows=5_000, actions=10_000))
    kind, name = case.split("-")
    overrides = {"SEQUERE_TIMELINE_BACKEND_CLASS": TIMELINE_BACKENDS[name]}
    if kind == "follow":
        overrides["SEQUERE_BACKEND_CLASS"] = BACKENDS[name]
    with override_settings(**overrides):
        if name == "redis" and kind == "follow":
            from .cases import load_redis_follows

            load_redis_follows(data)
        if kind in ("fanout", "feed"):
            fill_timelines(data)
        if kind == "fanout":
            from sequere.contrib.timeline import Timeline, jobs
            from sequere.models import follow

            from .apps import LikeAction

            actor = User.objects.get(pk=data.user_ids[-1])
            for follower in User.objects.exclude(pk=actor.pk).order_by("pk")[:1000]:
                if (follower.pk, actor.pk) not in data.edges:
                    follow(follower, actor)
            counter = itertools.count()

            def work() -> None:
                record = LikeAction(actor=actor, n=next(counter)).to_record()
                Timeline(actor).backend.store(record, record.actor, public=True)
                jobs.dispatch(record.to_dict())

            runs = 3
        elif kind == "feed":
            from sequere.contrib.timeline import Timeline

            timeline = Timeline(User.objects.get(pk=data.readers[1000]))

            def work() -> None:
                [a.target for a in timeline.get_private(desc=True)[:20]]

            runs = 200
        else:
            from sequere.models import follow

            runs = 200
            raw = data.fresh_pairs(runs)
            users = User.objects.in_bulk([u for pair in raw for u in pair])
            pairs = iter([(users[a], users[b]) for a, b in raw])

            def work() -> None:
                follow(*next(pairs))

        work()
        profiler = Profiler(interval=0.0005)
        with CaptureQueriesContext(connection) as queries, profiler:
            for _ in range(runs - 1):
                work()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if show_sql and queries.captured_queries:
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
            print(f"{len(queries.captured_queries)} statements; slowest ({slowest['time']} s):")
            print(slowest["sql"][:2000])
            from django.db import transaction

            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
                transaction.set_rollback(True)  # EXPLAIN ANALYZE runs a DELETE for real


if __name__ == "__main__":
    sys.exit(main())
