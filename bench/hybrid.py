"""Hybrid fan-out benchmarks (``SEQUERE_TIMELINE_PUSH_LIMIT``), beside the push they replace.

``run() -> list[dict]`` joins ``make bench``; ``python -m bench.hybrid`` runs it alone (own
redis-server and database, as :mod:`bench.timeline`).

* Saving an action (``Timeline.save``, fan-out inline) for an account of 10^6 followers, which is
  pulled: time and Redis commands, beside the push of the same save for a 10^4-follower account.
  The 10^6 followers are real edges of the Redis follow backend (``add_many``). Targets: O(1)
  Redis writes, under 5 ms.
* A feed page of 20 (``fetch``, newest first) for a reader following 50 pulled accounts and
  1,000 pushed ones, beside the same reader with all 1,050 pushed; Redis timeline backend.
  Target: within 2x. The same for a cursor page (``fetch_keyset``, the second page), and for a
  process that has not read this reader's pulled followings yet (one round trip more).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from . import compare, time_row
from .timeline import PREFIX, _cleanup, _raw_client, _settings, _users

BIG, SMALL = 1_000_000, 10_000
PULLED_ACCOUNTS, PUSHED_ACCOUNTS, ACTIONS_EACH = 50, 1_000, 20


def _commands(client: Any) -> int:
    return int(client.info("stats")["total_commands_processed"])


def save_rows() -> list[dict]:
    """One save of a 10^6-follower (pulled) account beside one of a 10^4-follower (pushed) one."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from sequere.backends import get_backend
    from sequere.contrib.timeline import Timeline
    from sequere.refs import Ref
    from sequere.registration import registry

    from .apps import LikeAction

    client = _raw_client()
    rows = []
    with _settings(
        SEQUERE_TIMELINE_FANOUT="inline",
        SEQUERE_TIMELINE_PUSH_LIMIT=SMALL,
        SEQUERE_BACKEND_CLASS="sequere.backends.redis.RedisBackend",
        SEQUERE_REDIS_PREFIX=f"{PREFIX}:follows:",
    ):
        big, small = _users("hy-actor-", 2)
        group, _ = Group.objects.get_or_create(name="hy-group")
        now = timezone.now()
        started = time.perf_counter()
        for n, actor in ((BIG, big), (SMALL, small)):
            ref = registry.get_ref(actor)
            for start in range(0, n, 100_000):
                get_backend().add_many(
                    (Ref("user", f"hy-f-{i}"), ref, now) for i in range(start, min(n, start + 100_000))
                )
        print(f"   {BIG + SMALL:,} follows in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        try:
            Timeline(big).save(LikeAction(actor=big, target=group))  # the first save moves it to pull
            counts = {}
            for name, actor in (("big", big), ("small", small)):
                before = _commands(client)
                Timeline(actor).save(LikeAction(actor=actor, target=group))
                counts[name] = _commands(client) - before - 1  # less the INFO itself
            ours, push = compare(
                lambda: Timeline(big).save(LikeAction(actor=big, target=group)),
                lambda: Timeline(small).save(LikeAction(actor=small, target=group)),
                number=5,
                repeats=3,
            )
            rows.append(
                time_row(
                    f"save() for a {BIG:,}-follower account (pulled), fan-out inline",
                    ours,
                    push,
                    baseline_name=f"the same save for a {SMALL:,}-follower account (pushed)",
                    note=f"Redis commands: {counts['big']} (pulled) vs {counts['small']} (pushed); "
                    "target < 5 ms",
                )
            )
        finally:
            _cleanup(client)
    return rows


def page_rows() -> list[dict]:
    """A page of 20 for a reader following 50 pulled and 1,000 pushed accounts, beside all pushed."""
    from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
    from sequere.contrib.timeline.jobs import EVERYTHING
    from sequere.contrib.timeline.records import ActionRecord
    from sequere.refs import Ref

    client = _raw_client()
    rows = []
    with _settings():
        backend = get_timeline_backend()
        hybrid, pushed = Ref("user", "hy-reader"), Ref("user", "hy-reader-all-pushed")
        accounts = [Ref("user", f"hy-a-{i}") for i in range(PULLED_ACCOUNTS + PUSHED_ACCOUNTS)]
        t0 = 1_700_000_000_000_000
        try:
            pipe = backend.link.pipeline()
            records = []
            for i in range(ACTIONS_EACH):
                for n, account in enumerate(accounts):
                    record = ActionRecord(
                        id=f"{i * 10_000 + n:016x}",
                        verb="like",
                        actor=account,
                        date=t0 + (i * len(accounts) + n) * 1000,
                    )
                    records.append(record)
                    backend.queue_store(pipe, record, account, public=True)
            backend.finish(pipe.execute())
            pulled_set = set(accounts[:PULLED_ACCOUNTS])
            backend.deliver([r for r in records if r.actor not in pulled_set], [hybrid])
            backend.deliver(records, [pushed])
            for account in accounts[:PULLED_ACCOUNTS]:
                backend.pull([hybrid], account, cutoff=EVERYTHING)
            assert [r.id for r in backend.fetch(hybrid, PRIVATE, desc=True, limit=20)] == [
                r.id for r in backend.fetch(pushed, PRIVATE, desc=True, limit=20)
            ]
            ours, base = compare(
                lambda: backend.fetch(hybrid, PRIVATE, desc=True, limit=20),
                lambda: backend.fetch(pushed, PRIVATE, desc=True, limit=20),
                number=200,
                repeats=3,
            )
            rows.append(
                time_row(
                    f"page of 20, reader following {PULLED_ACCOUNTS} pulled + {PUSHED_ACCOUNTS:,} pushed",
                    ours,
                    base,
                    baseline_name=f"the same reader with all {len(accounts):,} pushed",
                    note="Redis timeline backend, single server; target within 2x (ratio >= 0.5)",
                    target=0.5,
                )
            )

            def cold() -> list:
                backend.__dict__.get("_known_pulled", {}).clear()  # as a process's first read of it
                return backend.fetch(hybrid, PRIVATE, desc=True, limit=20)

            ours, base = compare(
                cold, lambda: backend.fetch(pushed, PRIVATE, desc=True, limit=20), number=200, repeats=3
            )
            rows.append(
                time_row(
                    "the same page, the reader's pulled followings not yet known to the process",
                    ours,
                    base,
                    baseline_name=f"the same reader with all {len(accounts):,} pushed",
                    note="one round trip more: the pulled followings read with the plain page first",
                )
            )
            # the cursor page (what .page() and the REST views read), past the first page
            cursor = backend.fetch_keyset(pushed, PRIVATE, desc=True, limit=20)[-1][0]

            def second(owner: Any) -> list:
                return backend.fetch_keyset(owner, PRIVATE, desc=True, after=cursor, limit=21)

            assert [key for key, _ in second(hybrid)] == [key for key, _ in second(pushed)]
            ours, base = compare(
                lambda: second(hybrid),
                lambda: second(pushed),
                number=200,
                repeats=3,
            )
            rows.append(
                time_row(
                    f"cursor page of 20 (the second), same reader ({PULLED_ACCOUNTS} pulled + "
                    f"{PUSHED_ACCOUNTS:,} pushed)",
                    ours,
                    base,
                    baseline_name=f"the same reader with all {len(accounts):,} pushed",
                    note="fetch_keyset (what .page() reads); Redis timeline backend, single server",
                    target=0.5,
                )
            )
        finally:
            _cleanup(client)
    return rows


def run() -> list[dict]:
    """Every hybrid row (see the module docstring)."""
    return page_rows() + save_rows()


def page_only() -> list[dict]:
    """The page row alone (quick re-runs)."""
    return page_rows()


def main() -> int:
    from .timeline import main as timeline_main

    return timeline_main(run)


if __name__ == "__main__":
    sys.exit(main())
