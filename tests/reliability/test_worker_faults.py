"""A Celery worker killed (SIGKILL) in the middle of a fan-out chunk; the redelivered chunk finishes it.

The dispatch task sends one ``sequere.timeline.deliver`` task per chunk of
``SEQUERE_TIMELINE_DISPATCH_RANGE`` followers. Each acknowledges late, so when the worker dies in
the middle of one, the broker still holds that chunk's message (and every chunk not started yet);
after the visibility timeout a second worker gets it and repeats that one chunk, then runs the
rest. Every follower must then hold the action exactly once: the first worker's partial writes
are not repeated as duplicates and nobody is skipped.

The broker may also lose the message the worker died holding: kombu's Redis transport pops a
message before it records it as unacknowledged (celery/kombu#305). Each chunk task has an outbox
row of its own, deleted when the chunk is done, so such a chunk is left as a row, and the outbox
replay sends it again. The worker writes those rows to the test's own database, so this needs a
database two processes share (PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sequere import outbox
from sequere.backends import get_backend
from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
from sequere.contrib.timeline.jobs import deliver
from sequere.contrib.timeline.records import ActionRecord, new_action_id
from sequere.refs import Ref
from sequere.timeutils import to_micros
from tests.reliability.celery_worker import make_app
from tests.servers import RedisServer

pytestmark = [
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

FOLLOWERS = 20_000
DISPATCH_RANGE = 5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def stores(settings):
    """Follow and timeline stores on a redis-server of the test's own, as the worker will see them."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker writes outbox rows the test reads: run with DATABASE_URL=postgres://...")
    server = RedisServer().start()
    env = {
        "SEQUERE_RELIABILITY_REDIS": f"redis://127.0.0.1:{server.port}/0",
        "SEQUERE_RELIABILITY_BROKER": f"redis://127.0.0.1:{server.port}/1",
        "SEQUERE_RELIABILITY_FOLLOW_PREFIX": f"sequere-kill:{uuid.uuid4().hex[:8]}:",
        "SEQUERE_RELIABILITY_TIMELINE_PREFIX": f"sequere-kill:{uuid.uuid4().hex[:8]}:timeline",
        "SEQUERE_RELIABILITY_DISPATCH_RANGE": str(DISPATCH_RANGE),
        "SEQUERE_RELIABILITY_DATABASE": connection.settings_dict["NAME"],  # the test database
    }
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_CONNECTION = env["SEQUERE_RELIABILITY_REDIS"]
    settings.SEQUERE_REDIS_PREFIX = env["SEQUERE_RELIABILITY_FOLLOW_PREFIX"]
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = env["SEQUERE_RELIABILITY_REDIS"]
    settings.SEQUERE_TIMELINE_REDIS_PREFIX = env["SEQUERE_RELIABILITY_TIMELINE_PREFIX"]
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None  # 20,000 followers: pushed, not pulled (hybrid)
    try:
        yield env
    finally:
        server.stop()


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    """``celery worker`` in its own process (solo pool: the task runs in that very process)."""
    command = [
        sys.executable, "-m", "celery", "-A", "tests.reliability.celery_worker:app", "worker",
        "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel=WARNING", "-n", f"{name}@%h",
    ]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": ROOT}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(os.path.join(stores_dir(env), f"{name}.log"), "wb")  # noqa: SIM115 - the worker owns it
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)


def stores_dir(env: dict[str, str]) -> str:
    """A directory for the workers' logs (read them when this test fails)."""
    path = os.path.join(
        tempfile.gettempdir(), "sequere-worker-kill", env["SEQUERE_RELIABILITY_FOLLOW_PREFIX"]
    )
    os.makedirs(path, exist_ok=True)
    return path


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def chunk_rows() -> int:
    """Outbox rows of chunk tasks not done yet."""
    return outbox.PendingJob.objects.filter(job=outbox.job_path(deliver)).count()


def drop_one_message(broker_url: str) -> None:
    """Take the next waiting message out of the ``celery`` queue, unread."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        assert client.rpop("celery") is not None
    finally:
        client.close()


def broker_state(broker_url: str) -> tuple[int, int]:
    """(messages waiting in the ``celery`` queue, messages delivered but not acknowledged)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        return client.llen("celery"), client.hlen("unacked")
    finally:
        client.close()


def test_worker_killed_mid_chunk_redelivers_that_chunk_exactly_once(stores):
    actor = Ref("user", "actor")
    followers = [Ref("user", f"f{i}") for i in range(FOLLOWERS)]
    start = timezone.now() - timedelta(hours=1)
    # oldest first: the fan-out walks them in this order, so the first and last show its progress
    added = get_backend().add_many(
        (ref, actor, start + timedelta(microseconds=i)) for i, ref in enumerate(followers)
    )
    assert added == FOLLOWERS
    timeline = get_timeline_backend()
    record = ActionRecord(id=new_action_id(), verb="like", actor=actor, date=to_micros(timezone.now()))
    timeline.store(record, actor, public=True)

    first = start_worker(stores, "doomed")
    second = None
    try:
        make_app(stores["SEQUERE_RELIABILITY_BROKER"]).send_task(
            "sequere.timeline.dispatch", kwargs={"record": record.to_dict()}
        )
        wait_until(lambda: timeline.count(followers[0], PRIVATE) == 1, 60, "the fan-out to start")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert timeline.count(followers[-1], PRIVATE) == 0, "the worker finished before it was killed"
        reached = sum(timeline.count(ref, PRIVATE) for ref in followers)
        assert 0 < reached < FOLLOWERS
        # the fan-out is one task per chunk: the chunks not run yet wait in the queue, and the
        # killed worker held at most one (prefetch 1, acknowledged late) - the only one to be
        # repeated; none when the kill fell between one chunk's ack and the next fetch
        waiting, unacked = broker_state(stores["SEQUERE_RELIABILITY_BROKER"])
        chunks = FOLLOWERS // DISPATCH_RANGE
        assert unacked <= 1, unacked
        assert 0 < waiting < chunks
        # every chunk is done, waiting, held, or lost with the worker; never more than one of
        # those last two (prefetch 1), and a chunk not done has its outbox row
        assert waiting + unacked + reached // DISPATCH_RANGE >= chunks - 1
        assert chunk_rows() >= waiting + unacked

        # and one waiting chunk task dropped from the broker: what a lost message looks like
        drop_one_message(stores["SEQUERE_RELIABILITY_BROKER"])

        second = start_worker(stores, "heir")
        broker = stores["SEQUERE_RELIABILITY_BROKER"]
        wait_until(lambda: broker_state(broker) == (0, 0), 120, "every chunk task to be acknowledged")
        # left: the dropped chunk, and the one the kill took along if it took one; the replay
        # runs them (here)
        lost = chunk_rows()
        assert 1 <= lost <= 2, lost
        assert outbox.replay(now=timezone.now() + outbox.UNCONFIRMED_AFTER)["sent"] == lost
        assert chunk_rows() == 0
        entries = [[r.id for r in timeline.fetch(ref, PRIVATE)] for ref in followers]
        wrong = [(ref, ids) for ref, ids in zip(followers, entries, strict=True) if ids != [record.id]]
        assert wrong == [], f"{len(wrong)} followers do not hold the action exactly once: {wrong[:5]}"
        print(
            f"worker-kill figures: {FOLLOWERS} followers in {chunks} chunk tasks, {reached} reached "
            f"before SIGKILL, {waiting} chunk tasks waiting and {unacked} unacknowledged then, "
            f"{lost} lost by the broker (one dropped by the test) and replayed from the outbox"
        )
    finally:
        if first.poll() is None:
            first.kill()
        if second is not None:
            stop(second)
