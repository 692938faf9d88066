"""Many workers follow and unfollow at once; the store must end exactly where the calls say.

Every backend in ``FOLLOW_BACKENDS`` runs the same workload: workers (threads, and processes where
the store is shared across processes) make random follow/unfollow calls over 50 shared resources.
Afterwards the store is compared with the model built from the calls that succeeded: each count
equals its set, friends are the mutual pairs, nothing is listed twice, and each worker saw exactly
one signal per call of its own that changed something.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from sequere.backends import get_backend
from tests.reliability.workload import (
    FOLLOWED,
    UNFOLLOWED,
    SignalRecorder,
    WorkerLog,
    check_store,
    expected_edges,
    key_of,
    rows_of,
    run_in_process,
    run_worker,
)

pytestmark = pytest.mark.usefixtures("follow_backend")

SEED = 20261127


def run_threads(resources: list, workers: int, ops: int) -> list[WorkerLog]:
    """``workers`` threads, released together, each with its own database connection."""
    logs: list[WorkerLog | None] = [None] * workers
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    with SignalRecorder() as recorder:

        def work(index: int) -> None:
            try:
                barrier.wait()
                log = run_worker(index, SEED + index, ops, resources)
                log.signals.update(recorder.by_thread.get(threading.get_ident(), {}))
                logs[index] = log
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i,), name=f"load-{i}") for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return [log for log in logs if log is not None]


def shares_across_processes(backend_name: str) -> bool:
    """Processes can share the store: any Redis, or the database backend on a server database."""
    return backend_name != "database" or connection.vendor == "postgresql"


def skip_unless_concurrent_writes(backend_name: str) -> None:
    """SQLite's shared in-memory test database locks whole tables and fails at once (it has no
    busy wait), so concurrent writers there test SQLite, not sequere: the PostgreSQL leg runs them.
    """
    if backend_name == "database" and connection.vendor == "sqlite":
        pytest.skip("database backend on in-memory SQLite: run with DATABASE_URL=postgres://... for this")


def run_processes(resources: list, workers: int, ops: int) -> list[WorkerLog]:
    """``workers`` spawned processes running the same workload against the same store."""
    overrides = {
        name: getattr(django_settings, name) for name in dir(django_settings) if name.startswith("SEQUERE_")
    }
    database_name = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
    rows = rows_of(resources)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(run_in_process, i, SEED + 1000 + i, ops, rows, overrides, database_name)
            for i in range(workers)
        ]
        return [future.result(timeout=600) for future in futures]


def assert_consistent(resources: list, logs: list[WorkerLog], workers: int, ops: int) -> dict[str, Any]:
    """Check the store against the model of ``logs``; return the figures of the run."""
    assert len(logs) == workers and all(log.ops == ops for log in logs)
    for log in logs:
        # signals fired once per real change, in the worker whose call made it
        assert log.signals == log.calls, f"worker {log.worker}: signals differ from its successful calls"
        made = sum(log.calls.values()) + sum(log.refused.values())
        assert made == ops, f"worker {log.worker}: {made} outcomes for {ops} calls"
    edges, net = expected_edges(logs)
    bad = {pair: n for pair, n in net.items() if n not in (0, 1)}
    assert not bad, f"edges changed twice in a row (follow-follow or unfollow-unfollow): {bad}"
    followed = sum(n for log in logs for (kind, _), n in log.calls.items() if kind == FOLLOWED)
    unfollowed = sum(n for log in logs for (kind, _), n in log.calls.items() if kind == UNFOLLOWED)
    assert followed - unfollowed == len(edges)
    check_store(resources, edges)
    backend = get_backend()
    try:
        stored = [(key_of(f), key_of(t)) for chunk in backend.iter_edges() for f, t, _ in chunk]
    except NotImplementedError:
        stored = None
    if stored is not None:
        assert len(stored) == len(set(stored)), "the store holds a duplicate edge"
        assert set(stored) == edges
    figures = {
        "workers": workers,
        "calls": workers * ops,
        "edges": len(edges),
        "followed": followed,
        "unfollowed": unfollowed,
        "refused": sum(sum(log.refused.values()) for log in logs),
    }
    print(f"load figures [{connection.vendor} db, {type(backend).__name__}]: {figures}")  # shown with -s
    return figures


@pytest.mark.parametrize(("workers", "ops"), [pytest.param(4, 250, id="4x250")])
def test_threads_fast(resources, follow_backend, workers, ops):
    skip_unless_concurrent_writes(follow_backend)
    logs = run_threads(resources, workers, ops)
    figures = assert_consistent(resources, logs, workers, ops)
    assert figures["followed"] > 0 and figures["unfollowed"] > 0


def test_threads_contended(resources, follow_backend):
    """8 workers on 3 resources (6 edges): every call races another one on the same edge."""
    skip_unless_concurrent_writes(follow_backend)
    few = [resources[0], resources[20], resources[-1]]
    logs = run_threads(few, 8, 150)
    figures = assert_consistent(few, logs, 8, 150)
    assert figures["refused"] > 0


@pytest.mark.slow
def test_threads_8x2000(resources, follow_backend):
    skip_unless_concurrent_writes(follow_backend)
    logs = run_threads(resources, 8, 2000)
    figures = assert_consistent(resources, logs, 8, 2000)
    assert figures["edges"] > 100


@pytest.mark.slow
def test_processes_8x2000(resources, follow_backend):
    if not shares_across_processes(follow_backend):
        pytest.skip("SQLite in memory is private to one process; run with DATABASE_URL=postgres://...")
    logs = run_processes(resources, 8, 2000)
    figures = assert_consistent(resources, logs, 8, 2000)
    assert figures["edges"] > 100
