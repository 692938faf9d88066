"""Derived state is never lost: a broker that refuses or never answers, a timeline Redis that goes
down, a delete while the follow Redis is down. Each change either fails clearly with nothing
stored, or succeeds with its derived work done or recorded in the outbox, and the replay brings
every timeline to what the follows imply once the service is back.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection as db_connection

from sequere import outbox
from sequere.contrib.timeline import Timeline
from sequere.exceptions import BackendUnavailableException
from sequere.models import follow, get_followers_count, get_followings_count, is_following, unfollow
from sequere.outbox import PendingJob
from tests.celery_app import app as eager_app
from tests.celery_app import make_app
from tests.polling import wait_until
from tests.reliability.workload import SignalRecorder
from tests.servers import Blackhole, RedisServer, free_port
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RABBITMQ = ("127.0.0.1", 5672)
PUBLISH_TIMEOUT = 1.0
#: a send may try a kept connection and then a new one; the rest is this machine's slack
BOUND = 2 * PUBLISH_TIMEOUT + 1.5


def broker_url(kind: str, port: int) -> str:
    return f"redis://127.0.0.1:{port}/0" if kind == "redis" else f"amqp://guest:guest@127.0.0.1:{port}//"


def rabbitmq_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(RABBITMQ) == 0


@contextmanager
def current_app(celery_app):
    celery_app.set_current()
    try:
        yield celery_app
    finally:
        eager_app.set_current()
        celery_app.close()


@pytest.fixture
def workers(timeline_store, settings):
    """Fan-out on Celery workers, publishing with a short bound."""
    settings.SEQUERE_TIMELINE_FANOUT = "celery"
    settings.SEQUERE_TIMELINE_PUBLISH_TIMEOUT = PUBLISH_TIMEOUT
    return timeline_store


@pytest.fixture
def broker_redis():
    """A redis-server of the test's own as the Redis broker (never the machine's)."""
    server = RedisServer().start()
    yield server
    server.stop()


def private_ids(user) -> list[str]:
    return [action.id for action in Timeline(user).get_private()]


def timed(call, *args):
    started = time.monotonic()
    call(*args)
    return time.monotonic() - started


@pytest.mark.worker
@pytest.mark.parametrize("kind", ["redis", "amqp"])
@pytest.mark.parametrize("fault", ["refused", "no answer"])
@pytest.mark.parametrize("timeline_store", ["redis", "database"], indirect=True)
def test_a_broker_down_never_loses_the_fan_out(workers, broker_redis, kind, fault):
    if kind == "amqp" and not rabbitmq_up():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    if workers == "database" and db_connection.vendor == "sqlite":
        # the worker thread and the test write SQLite's shared in-memory database: table locks
        pytest.skip("a database timeline beside a worker thread: run with DATABASE_URL=postgres://...")
    blackhole = Blackhole() if fault == "no answer" else None
    port = blackhole.port if blackhole else free_port()
    thoas, newbie, fan = (User.objects.create(username=f"{n}-{uuid.uuid4().hex[:6]}") for n in "tnf")
    follow(fan, thoas)  # before the outage: no derived work of its own is lost either way
    queue = f"sequere-outbox-{uuid.uuid4().hex[:8]}"
    try:
        with (
            current_app(make_app("sequere_down", broker_url=broker_url(kind, port))),
            SignalRecorder() as signals,
        ):
            saving = timed(lambda: Timeline(thoas).save(JoinAction(thoas)))
            following = timed(follow, newbie, thoas)
        assert saving < BOUND and following < BOUND, (saving, following)
    finally:
        if blackhole:
            blackhole.close()
    # the changes stand, with one signal each; their derived work waits in the outbox
    assert is_following(newbie, thoas) and Timeline(thoas).get_public_count() == 1
    assert sum(signals.by_thread[threading.get_ident()].values()) == 1
    rows = list(PendingJob.objects.order_by("id"))
    assert [row.job.rsplit(".", 1)[1] for row in rows] == ["dispatch", "import_actions"]
    assert all(row.attempts == 1 and row.last_error for row in rows)
    assert private_ids(fan) == [] and private_ids(newbie) == []

    # the broker is back (RabbitMQ or Redis, as the test's kind): the replay sends, a worker runs
    good = broker_redis.url if kind == "redis" else "amqp://guest:guest@127.0.0.1:5672//"
    worker = make_app(
        "sequere_back", broker_url=good, task_default_queue=queue, worker_enable_remote_control=False
    )
    with current_app(worker):
        try:
            with start_worker(
                worker, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=30
            ):
                report = outbox.replay(now=rows[-1].run_after)
                assert report == {"due": 2, "sent": 2, "failed": 0}
                wait_until(lambda: outbox.pending_count() == 0)
        finally:
            with worker.connection_for_write() as connection:  # leave the broker as found
                connection.default_channel.queue_delete(queue)
                connection.default_channel.exchange_delete(queue)
    [action_id] = [action.id for action in Timeline(thoas).get_public()]
    assert private_ids(fan) == [action_id]
    assert private_ids(newbie) == [action_id]


@pytest.fixture
def own_timeline_redis(settings):
    """The timeline on a redis-server of the test's own (append-only: it outlives a restart)."""
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = True
    server = RedisServer(extra_args=("--appendonly", "yes", "--appendfsync", "always")).start()
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = {
        "host": "127.0.0.1",
        "port": server.port,
        "socket_timeout": 1,
    }
    settings.SEQUERE_TIMELINE_REDIS_PREFIX = f"sequere-outbox:{uuid.uuid4().hex[:8]}"
    yield server
    server.stop()


@pytest.mark.parametrize("follow_backend", ["database"], indirect=True)
def test_timeline_redis_down_keeps_imports_and_removals_for_later(own_timeline_redis, follow_backend):
    thoas, newbie, old = (User.objects.create(username=f"{n}-{uuid.uuid4().hex[:6]}") for n in "tno")
    saved = Timeline(thoas).save(JoinAction(thoas))
    follow(old, thoas)
    assert private_ids(old) == [saved.id]
    own_timeline_redis.stop()
    with SignalRecorder() as signals:
        follow(newbie, thoas)  # the edge is stored; the import is recorded, not lost
        unfollow(old, thoas)
        with pytest.raises(BackendUnavailableException, match="SEQUERE_TIMELINE_REDIS_CONNECTION"):
            Timeline(thoas).save(JoinAction(thoas))  # nothing stored, nothing to record
    assert sum(signals.by_thread[threading.get_ident()].values()) == 2
    assert is_following(newbie, thoas) and not is_following(old, thoas)
    assert sorted(row.job.rsplit(".", 1)[1] for row in PendingJob.objects.all()) == [
        "import_actions",
        "remove_actions",
    ]
    own_timeline_redis.start()
    assert outbox.replay(now=max(r.run_after for r in PendingJob.objects.all())) == {
        "due": 2,
        "sent": 2,
        "failed": 0,
    }
    assert outbox.pending_count() == 0
    assert private_ids(newbie) == [saved.id]
    assert private_ids(old) == []
    assert Timeline(thoas).get_public_count() == 1


def test_a_delete_while_the_follow_redis_is_down_takes_the_edges_once_it_is_back(own_redis):
    leaving = User.objects.create(username="leaving")
    friends = User.objects.bulk_create([User(username=f"friend-{i}") for i in range(5)])
    for friend in friends:
        follow(friend, leaving)
        follow(leaving, friend)
    own_redis.stop()
    leaving.delete()  # the row goes; the edges wait in the outbox instead of raising after commit
    assert not User.objects.filter(username="leaving").exists()
    [row] = PendingJob.objects.all()
    assert row.job == "sequere.receivers.forget" and "127.0.0.1" in row.last_error
    own_redis.start()
    assert outbox.replay(now=row.run_after)["sent"] == 1
    assert outbox.pending_count() == 0
    assert all(get_followers_count(f) == 0 and get_followings_count(f) == 0 for f in friends)


ACTORS_ACTIONS = 20
FOLLOWERS = 60


@pytest.mark.usefixtures("follow_backend")
def test_deleting_an_actor_takes_its_actions_out_of_every_timeline(timeline_store):
    from sequere.backends import get_backend
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.registration import registry

    actor = User.objects.create(username="actor")
    other = User.objects.create(username="other")
    fans = User.objects.bulk_create([User(username=f"fan-{i}") for i in range(FOLLOWERS)])
    for fan in fans:
        follow(fan, actor)
    follow(fans[0], other)
    follow(actor, other)
    saved = [Timeline(actor).save(JoinAction(actor)) for _ in range(ACTORS_ACTIONS)]
    kept = Timeline(other).save(JoinAction(other))
    assert Timeline(fans[0]).get_private_count() == ACTORS_ACTIONS + 1
    actor_ref = registry.get_ref(actor)

    actor.delete()

    assert Timeline(fans[0]).get_private_count() == 1
    assert private_ids(fans[0]) == [kept.id]
    assert all(Timeline(fan).get_private_count() == 0 for fan in fans[1:])
    assert all(Timeline(fan).get_unread_count() == 0 for fan in fans[1:])
    backend = get_timeline_backend()
    assert backend.get_records([a.id for a in saved]) == {}
    assert backend.count(actor_ref, "private") == 0 and backend.count(actor_ref, "public") == 0
    assert get_backend().fetch("followers", actor_ref) == []
    assert get_followers_count(other) == 1  # the actor's own follow went with it
    assert outbox.pending_count() == 0
