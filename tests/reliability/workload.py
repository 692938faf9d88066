"""A concurrent follow/unfollow workload and the model it is checked against.

Each worker runs a seeded random stream of ``follow`` / ``unfollow`` calls over one shared set of
resources and records two things of its own: which calls it saw succeed, and which signals its
calls sent. Workers run as threads of the test process or as spawned processes (the same function,
:func:`run_in_process`, sets Django up in the child). :func:`expected_edges` turns the union of the
logs into the model of the final state; :func:`check_store` compares the store with it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sequere.exceptions import AlreadyFollowingException, NotFollowingException
from sequere.refs import Ref

FOLLOWED = "followed"
UNFOLLOWED = "unfollowed"

#: (identifier, pk string) of one resource, picklable for process workers.
Key = tuple[str, str]
#: (follower key, followed key)
Pair = tuple[Key, Key]


@dataclass
class WorkerLog:
    """What one worker did and saw: per edge, how many calls succeeded and how many signals fired."""

    worker: int
    ops: int = 0
    calls: Counter = field(default_factory=Counter)  # (FOLLOWED|UNFOLLOWED, pair) -> successes
    refused: Counter = field(default_factory=Counter)  # (FOLLOWED|UNFOLLOWED) -> Already/Not raised
    signals: Counter = field(default_factory=Counter)  # (FOLLOWED|UNFOLLOWED, pair) -> signals seen


def key_of(ref: Ref) -> Key:
    """The picklable key of a :class:`Ref`."""
    return (ref.identifier, ref.object_id)


class SignalRecorder:
    """Connects to ``followed``/``unfollowed`` and files each signal under the thread that sent it.

    Django sends signals synchronously in the caller's thread, so the thread identity names the
    worker whose call caused it.
    """

    def __init__(self) -> None:
        self.by_thread: dict[int, Counter] = {}
        self._lock = threading.Lock()

    def _record(self, kind: str, from_instance: Any, to_instance: Any) -> None:
        from sequere.registration import registry

        pair = (key_of(registry.get_ref(from_instance)), key_of(registry.get_ref(to_instance)))
        with self._lock:
            self.by_thread.setdefault(threading.get_ident(), Counter())[(kind, pair)] += 1

    def on_followed(self, sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
        self._record(FOLLOWED, from_instance, to_instance)

    def on_unfollowed(self, sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
        self._record(UNFOLLOWED, from_instance, to_instance)

    def __enter__(self) -> SignalRecorder:
        from sequere import signals

        signals.followed.connect(self.on_followed, weak=False, dispatch_uid=f"reliability-{id(self)}-f")
        signals.unfollowed.connect(self.on_unfollowed, weak=False, dispatch_uid=f"reliability-{id(self)}-u")
        return self

    def __exit__(self, *exc: Any) -> None:
        from sequere import signals

        signals.followed.disconnect(dispatch_uid=f"reliability-{id(self)}-f")
        signals.unfollowed.disconnect(dispatch_uid=f"reliability-{id(self)}-u")


def run_worker(worker: int, seed: int, ops: int, instances: list[Any], follow_bias: float = 0.6) -> WorkerLog:
    """Run ``ops`` random calls over ``instances``; return the calls that succeeded.

    ``SEQUERE_FAIL_SILENTLY`` must be off: a refused call is how a worker learns it lost a race.
    """
    from sequere.models import follow, unfollow
    from sequere.registration import registry

    rng = random.Random(seed)
    log = WorkerLog(worker=worker, ops=ops)
    keys = [key_of(registry.get_ref(obj)) for obj in instances]
    for _ in range(ops):
        a, b = rng.sample(range(len(instances)), 2)
        pair = (keys[a], keys[b])
        if rng.random() < follow_bias:
            try:
                follow(instances[a], instances[b])
            except AlreadyFollowingException:
                log.refused[FOLLOWED] += 1
            else:
                log.calls[(FOLLOWED, pair)] += 1
        else:
            try:
                unfollow(instances[a], instances[b])
            except NotFollowingException:
                log.refused[UNFOLLOWED] += 1
            else:
                log.calls[(UNFOLLOWED, pair)] += 1
    return log


def expected_edges(logs: list[WorkerLog]) -> tuple[set[Pair], dict[Pair, int]]:
    """The model of the final state: edges whose successful follows outnumber unfollows by one.

    Returns the edge set and every touched pair's net (follows - unfollows); a correct store keeps
    every net at 0 or 1, whatever the interleaving.
    """
    net: dict[Pair, int] = Counter()
    for log in logs:
        for (kind, pair), n in log.calls.items():
            net[pair] += n if kind == FOLLOWED else -n
    return {pair for pair, n in net.items() if n == 1}, dict(net)


#: (identifier, field attnames, values): one row, enough to rebuild the instance in another process.
Row = tuple[str, list[str], list[Any]]


def rows_of(instances: list[Any]) -> list[Row]:
    """Picklable rows of ``instances`` (every concrete field, so ``repr`` needs no query)."""
    from sequere.registration import registry

    rows = []
    for obj in instances:
        names = [f.attname for f in obj._meta.concrete_fields]
        rows.append((registry.get_identifier(obj), names, [getattr(obj, n) for n in names]))
    return rows


def build_instances(rows: list[Row]) -> list[Any]:
    """Model instances for ``rows`` as the ORM would load them, without a query."""
    from sequere.registration import registry

    return [
        registry.get_by_identifier(i).model.from_db("default", names, values) for i, names, values in rows
    ]


_configured = False


def _setup_child(settings_overrides: dict[str, Any], database_name: str | None) -> None:
    global _configured
    if _configured:
        return
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    django.setup()
    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    if database_name:
        settings.DATABASES["default"]["NAME"] = database_name
    _configured = True


def run_in_process(
    worker: int,
    seed: int,
    ops: int,
    rows: list[Row],
    settings_overrides: dict[str, Any],
    database_name: str | None,
) -> WorkerLog:
    """:func:`run_worker` in a spawned process; its own signals are counted in ``log.signals``."""
    _setup_child(settings_overrides, database_name)
    from django.db import connections

    instances = build_instances(rows)
    with SignalRecorder() as recorder:
        log = run_worker(worker, seed, ops, instances)
    for counter in recorder.by_thread.values():
        log.signals.update(counter)
    connections.close_all()
    return log


def check_store(resources: list[Any], edges: set[Pair], all_pairs: bool = True) -> int:
    """Assert the configured store holds exactly ``edges`` for ``resources``; return calls made.

    Per resource: followers, followings and friends (as refs and through the public API's counts,
    also per identifier) equal the model's sets, no list repeats an entry, and every ordered pair
    answers ``is_following`` as the model says (``all_pairs=False`` skips that quadratic part).
    """
    from sequere import models as api
    from sequere.backends import FOLLOWERS, FOLLOWINGS, FRIENDS, get_backend
    from sequere.registration import registry

    backend = get_backend()
    refs = [registry.get_ref(obj) for obj in resources]
    keys = [key_of(ref) for ref in refs]
    identifiers = sorted({key[0] for key in keys})
    calls = 0
    for obj, ref, key in zip(resources, refs, keys, strict=True):
        want = {
            FOLLOWERS: {a for a, b in edges if b == key},
            FOLLOWINGS: {b for a, b in edges if a == key},
        }
        want[FRIENDS] = {b for b in want[FOLLOWINGS] if (b, key) in edges}
        counts = {
            FOLLOWERS: api.get_followers_count,
            FOLLOWINGS: api.get_followings_count,
            FRIENDS: api.get_friends_count,
        }
        for kind, expected in want.items():
            listed = [key_of(edge.ref) for edge in backend.fetch(kind, ref)]
            assert len(listed) == len(set(listed)), f"{kind} of {key} repeats an entry: {listed}"
            missing, extra = sorted(expected - set(listed)), sorted(set(listed) - expected)
            assert not missing and not extra, f"{kind} of {key}: missing {missing}, extra {extra}"
            assert counts[kind](obj) == len(expected), f"{kind} count of {key} drifted from its set"
            for identifier in identifiers:
                of_type = {k for k in expected if k[0] == identifier}
                assert counts[kind](obj, identifier=identifier) == len(of_type), (
                    f"{kind} count of {key} for {identifier!r} drifted from its set"
                )
            calls += 2 + len(identifiers)
    for a, a_key in zip(resources if all_pairs else [], keys, strict=False):
        for b, b_key in zip(resources, keys, strict=True):
            if a_key != b_key:
                assert api.is_following(a, b) == ((a_key, b_key) in edges), (a_key, b_key)
                calls += 1
    return calls
