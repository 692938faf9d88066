"""``make bench``: build the data, run every case beside its baseline, print one table, write the docs.

Usage: ``python -m bench [--quick] [--no-curve] [--keep-db] [--only SECTION ...]``. It starts its own
redis-server (``tests.servers.RedisServer``) and creates (then drops) its own PostgreSQL database,
``sequere_bench`` unless ``BENCH_DATABASE_URL`` names another, so no other service state is touched.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sequere_bench"


def _admin_connection(url: str):
    import psycopg

    parts = urlparse(url)
    return parts.path.lstrip("/"), psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def create_database(url: str) -> None:
    """Create the benchmark database afresh (it must be one of the benchmark's own)."""
    name, conn = _admin_connection(url)
    if not name.startswith("sequere_bench"):
        raise SystemExit(f"BENCH_DATABASE_URL names {name!r}; use a database of its own, e.g. sequere_bench.")
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Drop the benchmark database."""
    name, conn = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _section(title: str, run, sections: list, errors: list) -> None:
    started = time.perf_counter()
    print(f"== {title}", file=sys.stderr, flush=True)
    try:
        rows = run()
    except Exception:  # noqa: BLE001 - one broken case must not hide the others' figures
        errors.append((title, traceback.format_exc()))
        print(errors[-1][1], file=sys.stderr, flush=True)
        return
    print(f"   {len(rows)} rows in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    sections.append((title, rows))


#: Seconds a helper module's ``run()`` may take before the harness gives up on it.
HELPER_TIME_LIMIT = 300


class HelperTimeout(Exception):
    """A helper module ran past :data:`HELPER_TIME_LIMIT`."""


def _helper_rows(module: str):
    def on_alarm(signum, frame) -> None:
        raise HelperTimeout(f"{module}.run() took more than {HELPER_TIME_LIMIT}s; stopped to keep the budget")

    def run() -> list[dict]:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(HELPER_TIME_LIMIT)
        try:
            return importlib.import_module(module).run()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return run


def _has_module(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, fewer points (smoke run)")
    parser.add_argument("--no-curve", action="store_true", help="skip the 10^3..10^6 scale curve")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--no-docs", action="store_true", help="print the table only")
    parser.add_argument("--only", metavar="WORD", help="run only the sections whose title contains WORD")
    args = parser.parse_args(argv)

    from tests.servers import RedisServer

    url = os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    started = time.perf_counter()
    load_before = os.getloadavg()[1]
    redis_server = RedisServer().start()
    os.environ["BENCH_REDIS_URL"] = redis_server.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    create_database(url)
    sections: list[tuple[str, list[dict]]] = []
    errors: list[tuple[str, str]] = []
    curve: dict = {}
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from . import cases
        from .data import Scale, build

        scale = Scale(users=2_000, groups=100, follows=5_000, actions=10_000) if args.quick else Scale()
        t0 = time.perf_counter()
        data = build(scale)
        print(
            f"== data: {scale.users:,} users, {len(data.edges):,} follows, {len(data.actions):,} actions "
            f"in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
        for title, run in cases.sections(data):
            if not args.only or args.only.lower() in title.lower():
                _section(title, run, sections, errors)
        for title, module in (
            ("Redis follow backend (bench.redis_follow)", "bench.redis_follow"),
            ("Async follow (bench.async_follow)", "bench.async_follow"),
            ("Timeline (bench.timeline)", "bench.timeline"),
            ("Hybrid fan-out (bench.hybrid)", "bench.hybrid"),
            ("Fan-out with blocks and mutes (bench.relations)", "bench.relations"),
        ):
            if _has_module(module) and (not args.only or args.only.lower() in title.lower()):
                _section(title, _helper_rows(module), sections, errors)
        if not args.no_curve and (not args.only or args.only.lower() in "scale curve"):
            from . import scale as scale_curve

            def run_curve() -> list[dict]:
                rows, series, failures = scale_curve.run(quick=args.quick)
                curve.update(series)
                for failure in failures:
                    errors.append(("Scale curve", failure))
                    print(failure, file=sys.stderr, flush=True)
                return rows

            _section("Scale curve", run_curve, sections, errors)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(url)
        redis_server.stop()

    elapsed = time.perf_counter() - started
    from .report import plot_curve, text_table, write_rst

    for title, rows in sections:
        print(f"\n{title}\n{text_table(rows)}")
    print(f"\nmake bench took {elapsed / 60:.1f} minutes.")
    if errors:
        print("\nFAILED sections: " + ", ".join(title for title, _ in errors))
    if not args.no_docs and not args.quick and not args.only:
        plot = None
        if curve:
            plot_curve(DOCS / "_static" / "benchmarks-scale.png", curve)
            plot = "_static/benchmarks-scale.png"
        from .cases import intro

        write_rst(
            DOCS / "benchmarks.rst",
            sections,
            intro=intro(datetime.now(timezone.utc), elapsed, scale, (load_before, os.getloadavg()[1])),
            plot=plot,
        )
        print(f"wrote {DOCS / 'benchmarks.rst'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
