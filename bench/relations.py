"""Fan-out with blocks and mutes in force, beside the same fan-out without them (same run).

``run() -> list[dict]`` (rows as described in :mod:`bench`); run it alone with
``python -m bench.relations`` (own redis-server and PostgreSQL database).

Two actors with the same number of followers: the baseline's have no blocks or mutes; the
measured one is muted by a tenth of its followers, blocks 1,000 others and is blocked by 1,000
more. One ``jobs.dispatch`` of one action each, in one process, alternating rounds. The filter
runs inside the chunk read itself (``iter_audience``: ``audience.lua`` on the actor's slot, or
``NOT EXISTS`` in the chunk's SQL query), so the ratio (followers read per second, measured / baseline) shows
what that call costs against the delivery itself (the measured actor delivers to a tenth fewer
timelines, which helps it). A second row isolates the call: the baseline actor's fan-out with the
filter, beside the same fan-out reading its chunks without it (``iter_refs``). Target: ≥ 0.8
for both. The tables are analyzed after the load (PostgreSQL), as autovacuum does in production.

Both stacks: Redis follows + Redis timelines, and database follows + database timelines.
"""

from __future__ import annotations

import sys
import time
from typing import Any
from unittest import mock

from . import compare
from .timeline import _cleanup, _raw_client, _settings, _users

SIZES = {"redis": 20_000, "database": 5_000}
MUTED_SHARE = 10  # one follower in ten mutes the actor
OTHERS = 1_000


def _stack(name: str) -> dict[str, Any]:
    if name == "redis":
        return {
            "SEQUERE_BACKEND_CLASS": "sequere.backends.redis.RedisBackend",
            "SEQUERE_REDIS_PREFIX": "bench:timeline:run:relations:",
        }
    return {
        "SEQUERE_BACKEND_CLASS": "sequere.backends.database.DatabaseBackend",
        "SEQUERE_TIMELINE_BACKEND_CLASS": "sequere.contrib.timeline.backends.database.DatabaseBackend",
    }


def _populate(actor: Any, prefix: str, followers: int, relations: bool) -> None:
    from django.utils import timezone

    from sequere.backends import get_backend
    from sequere.refs import Ref
    from sequere.registration import registry

    backend = get_backend()
    actor_ref = registry.get_ref(actor)
    now = timezone.now()
    owners = [Ref("user", f"{prefix}-{i}") for i in range(followers)]
    backend.add_many((owner, actor_ref, now) for owner in owners)
    if not relations:
        return
    for owner in owners[::MUTED_SHARE]:
        backend.mute(owner, actor_ref, now)
    for i in range(OTHERS):
        backend.block(actor_ref, Ref("user", f"{prefix}-blocked-{i}"), now)
        backend.block(Ref("user", f"{prefix}-blocker-{i}"), actor_ref, now)


def _rows_for(stack: str) -> list[dict]:
    from django.contrib.auth.models import Group
    from django.db import connection

    from sequere.backends import FOLLOWERS, get_backend
    from sequere.conf import sequere_settings
    from sequere.contrib.timeline import Timeline, jobs
    from sequere.contrib.timeline.backends import get_timeline_backend

    from .apps import LikeAction

    followers = SIZES[stack]
    with _settings(
        SEQUERE_TIMELINE_FANOUT="inline",
        SEQUERE_TIMELINE_IMPORT_ON_FOLLOW=False,
        SEQUERE_TIMELINE_PUSH_LIMIT=None,
        **_stack(stack),
    ):
        plain, filtered = _users(f"rel-{stack}-actor-", 2)
        group, _ = Group.objects.get_or_create(name="rel-group")
        started = time.perf_counter()
        _populate(plain, f"rel-{stack}-plain", followers, relations=False)
        _populate(filtered, f"rel-{stack}-filtered", followers, relations=True)
        print(
            f"   {stack}: 2 x {followers:,} follows in {time.perf_counter() - started:.1f}s", file=sys.stderr
        )
        if connection.vendor == "postgresql":
            # what autovacuum does soon after such a load; fresh tables without statistics get
            # plans that scan the block and mute rows of the actor once per follower
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        records = []
        for actor in (plain, filtered):
            saved = Timeline(actor).save(LikeAction(actor=actor, target=group))
            records.append(get_timeline_backend().get_records([saved.id])[saved.id].to_dict())
        ours, theirs = compare(
            lambda: jobs.dispatch(records[1]),
            lambda: jobs.dispatch(records[0]),
            number=1,
            repeats=3,
        )
        chunk = sequere_settings.TIMELINE_DISPATCH_RANGE

        backend_class = type(get_backend())

        def plain_read(self: Any, ref: Any, chunk_size: int = 100) -> Any:
            return self.iter_refs(FOLLOWERS, ref, chunk_size)

        def unfiltered() -> None:
            # the fan-out as it was before blocks and mutes: the chunk read without the filter
            with mock.patch.object(backend_class, "iter_audience", plain_read):
                jobs.dispatch(records[0])

        with_filter, without = compare(lambda: jobs.dispatch(records[0]), unfiltered, number=1, repeats=3)
        return [
            {
                "case": f"fan-out to {followers:,} followers, {stack}, nobody muting: the filter's own cost",
                "value": followers / with_filter,
                "baseline": followers / without,
                "ratio": without / with_filter,
                "unit": "followers/s",
                "baseline_name": "the same fan-out, chunks read without the filter",
                "target": 0.8,
            },
            {
                "case": (
                    f"fan-out to {followers:,} followers, {stack} follows + timelines, 1 in "
                    f"{MUTED_SHARE} muting, {OTHERS:,} blocked + {OTHERS:,} blocking"
                ),
                "value": followers / ours,
                "baseline": followers / theirs,
                "ratio": theirs / ours,
                "unit": "followers/s",
                "baseline_name": "the same fan-out, no blocks or mutes (same run)",
                "target": 0.8,
                "note": f"chunks of {chunk}, filtered in the chunk read",
            },
        ]


def run() -> list[dict]:
    """The fan-out rows of both stacks (see the module docstring)."""
    client = _raw_client()
    try:
        return _rows_for("redis") + _rows_for("database")
    finally:
        _cleanup(client)


if __name__ == "__main__":
    from .timeline import main

    sys.exit(main(run))
