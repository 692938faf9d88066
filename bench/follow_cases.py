"""Follow cases: sequere's follow backends against actstream on the same users and edges."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.models import User
from django.test.utils import override_settings

from . import compare, rate_row, sql_count, time_row
from . import peer_actstream as peer
from .data import Dataset

BACKENDS = {
    "database": "sequere.backends.database.DatabaseBackend",
    "redis": "sequere.backends.redis.RedisBackend",
}
FOLLOWS_PER_ROUND = 100
READS_PER_ROUND = 150


def _users(ids: list[int]) -> dict[int, Any]:
    return User.objects.in_bulk(ids)


def _stepper(pairs: list[tuple[Any, Any]], call: Callable[[Any, Any], Any]) -> Callable[[], Any]:
    items: Iterator[tuple[Any, Any]] = iter(pairs)

    def step() -> Any:
        a, b = next(items)
        return call(a, b)

    return step


def follow_rows(data: Dataset, backend: str, *, targets: dict[str, float] | None = None) -> list[dict]:
    """follow(), is_following and a followers page of 20 with ``backend`` beside actstream."""
    from sequere.models import follow, get_followers, is_following

    targets = targets or {}
    rows: list[dict] = []
    label = f"sequere {backend}"
    with override_settings(SEQUERE_BACKEND_CLASS=BACKENDS[backend]):
        rounds = 1 + 5
        raw = data.fresh_pairs(FOLLOWS_PER_ROUND * rounds + 2)
        users = _users([u for pair in raw for u in pair])
        pairs = [(users[a], users[b]) for a, b in raw]
        sql_pair, peer_pair, pairs = pairs[0], pairs[1], pairs[2:]
        ours_sql = sql_count(lambda: follow(*sql_pair))
        peer_sql = sql_count(lambda: peer.follow_user(*peer_pair))
        ours, theirs = compare(
            _stepper(pairs, follow), _stepper(pairs, peer.follow_user), number=FOLLOWS_PER_ROUND
        )
        rows.append(
            rate_row(
                f"follow() [{label}]",
                ours,
                theirs,
                baseline_name="actstream follow()",
                target=targets.get("follow"),
                note=f"SQL per call: sequere {ours_sql}, actstream {peer_sql}",
            )
        )

        rng = random.Random(7)
        sample = rng.sample(sorted(data.edges), READS_PER_ROUND)
        users = _users([u for pair in sample for u in pair])
        checks = [(users[a], users[b]) for a, b in sample]
        cycle_ours, cycle_peer = itertools.cycle(checks), itertools.cycle(checks)
        ours, theirs = compare(
            lambda: is_following(*next(cycle_ours)),
            lambda: peer.is_following_user(*next(cycle_peer)),
            number=READS_PER_ROUND,
        )
        rows.append(rate_row(f"is_following [{label}]", ours, theirs, baseline_name="actstream is_following"))

        celebrity = User.objects.get(pk=data.celebrity)
        ours_page = [user for user, _ in get_followers(celebrity)[:20]]
        theirs_page = [user for user, _ in peer.followers_page(celebrity)]
        assert len(ours_page) == len(theirs_page) == 20, (len(ours_page), len(theirs_page))
        ours_sql = sql_count(lambda: get_followers(celebrity)[:20])
        peer_sql = sql_count(lambda: peer.followers_page(celebrity))
        ours, theirs = compare(
            lambda: get_followers(celebrity)[:20],
            lambda: peer.followers_page(celebrity),
            number=READS_PER_ROUND // 3,
        )
        followers = len(data.followed_by[data.celebrity])
        rows.append(
            time_row(
                f"followers page of 20, {followers:,} followers [{label}]",
                ours,
                theirs,
                baseline_name="actstream followers_qs",
                note=f"SQL per page: sequere {ours_sql}, actstream {peer_sql}",
            )
        )
    return rows
