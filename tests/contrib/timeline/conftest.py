"""Timeline fixtures: the timeline backend parametrization and per-backend test harnesses.

A new timeline backend joins every contract test by adding a ``pytest.param`` to
``TIMELINE_BACKENDS`` and a harness class to ``HARNESSES`` (see :class:`Harness`).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.contrib.timeline.counting import count_round_trips

#: Timeline backends the contract suite runs against.
TIMELINE_BACKENDS = [
    pytest.param("redis", id="tl-redis", marks=pytest.mark.redis),
    pytest.param("redis-cluster", id="tl-redis-cluster", marks=[pytest.mark.redis, pytest.mark.cluster]),
    pytest.param("database", id="tl-database", marks=pytest.mark.django_db),
]


class Harness:
    """How the contract suite drives one timeline backend.

    ``configure`` sets the Django settings; ``round_trips()`` is a context manager whose result
    has ``.value`` = round trips to the store inside the block (Redis commands or pipelines per
    node; SQL queries for a database); ``page_round_trips`` bounds the cost of reading one page
    and ``write_round_trips`` the cost of one ``store``/``deliver``/``remove_actor`` call;
    ``corrupt(action_id)`` overwrites a stored action with something that is not JSON.
    ``fanout_chunk_round_trips``, when set, bounds what one chunk of a fan-out job costs.
    """

    name = ""
    page_round_trips = 0
    write_round_trips = 0
    #: the read mark, then the count (a backend may do both in one call)
    unread_round_trips = 2
    fanout_chunk_round_trips: int | None = None
    #: what a private read costs more for an owner who follows pulled actors, whatever their number
    pull_round_trips = 1
    #: whether a page of an owner known to pull costs a plain page (the pulled followings
    #: remembered from its previous read, checked by the server)
    remembers_pulled = False

    def __init__(self, request: pytest.FixtureRequest, settings) -> None:
        self.request = request
        self.settings = settings

    def configure(self) -> None:
        raise NotImplementedError

    def round_trips(self):
        raise NotImplementedError

    def corrupt(self, action_id: str) -> None:
        raise NotImplementedError

    def drop_action(self, action_id: str) -> None:
        """Delete a stored action behind the backend's back (its timeline entries stay)."""
        raise NotImplementedError

    def cleanup(self) -> None:
        """Remove what the test stored."""


class RedisHarness(Harness):
    """The Redis backend on the suite's standalone server, under a prefix of its own."""

    name = "redis"
    #: the page script, then one GET pipeline
    page_round_trips = 2
    write_round_trips = 1
    unread_round_trips = 1
    fanout_chunk_round_trips = 1
    remembers_pulled = True

    def connection(self):
        return self.request.getfixturevalue("redis_url")

    client_class = "tests.contrib.timeline.counting.CountingRedis"

    def configure(self) -> None:
        self.prefix = f"sequere-test:{uuid.uuid4().hex[:12]}:timeline"
        self.settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
        self.url = self.connection()
        self.settings.SEQUERE_TIMELINE_REDIS_CONNECTION = self.url
        self.settings.SEQUERE_TIMELINE_CONNECTION_CLASS = self.client_class
        self.settings.SEQUERE_TIMELINE_REDIS_PREFIX = self.prefix

    def round_trips(self):
        return count_round_trips()

    def raw_client(self):
        from sequere.redis.clients import build_client

        return build_client(self.url)  # the test may have pointed the setting elsewhere

    def corrupt(self, action_id: str) -> None:
        from sequere.contrib.timeline.backends.keys import KeyBuilder

        client = self.raw_client()
        client.set(KeyBuilder(self.prefix).action(action_id), "{not json")
        client.close()

    def drop_action(self, action_id: str) -> None:
        from sequere.contrib.timeline.backends.keys import KeyBuilder

        client = self.raw_client()
        client.delete(KeyBuilder(self.prefix).action(action_id))
        client.close()

    def cleanup(self) -> None:
        client = self.raw_client()
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        for key in keys:
            client.delete(key)
        client.close()


class RedisClusterHarness(RedisHarness):
    """The Redis backend on the suite's 3-node cluster."""

    name = "redis-cluster"
    #: one page script, then one GET pipeline per node
    page_round_trips = 4
    #: one pipeline per node touched
    write_round_trips = 3
    fanout_chunk_round_trips = 3
    #: the pulled actors' public lists: one pipeline, one round trip per node
    pull_round_trips = 3
    remembers_pulled = False
    client_class = "tests.contrib.timeline.counting.CountingRedisCluster"

    def connection(self):
        return self.request.getfixturevalue("redis_cluster").url


class SQLRoundTrips:
    """``round_trips()`` for database backends: SQL queries on the default connection."""

    @contextmanager
    def round_trips(self):
        class Result:
            value = 0

        result = Result()
        with CaptureQueriesContext(connection) as queries:
            yield result
        result.value = len(queries)


def _database_harness() -> type[Harness]:
    from tests.contrib.timeline.database_harness import DatabaseHarness

    return DatabaseHarness


HARNESSES: dict[str, type[Harness]] = {
    "redis": RedisHarness,
    "redis-cluster": RedisClusterHarness,
    "database": _database_harness(),
}


@pytest.fixture(params=TIMELINE_BACKENDS)
def timeline_harness(request, settings):
    """Configure one timeline backend for the test and yield its :class:`Harness`."""
    harness = HARNESSES[request.param](request, settings)
    harness.configure()
    try:
        yield harness
    finally:
        harness.cleanup()


@pytest.fixture
def timeline_backend(timeline_harness):
    """The configured timeline backend instance."""
    from sequere.contrib.timeline.backends import get_timeline_backend

    return get_timeline_backend()


@pytest.fixture
def timeline(timeline_harness, settings, transactional_db):
    """A timeline store with fan-out on (inline, run at commit); yields the harness.

    Tests run in autocommit (``transactional_db``), so jobs queued with ``on_commit`` run at once.
    Tests that depend on the follow store also request ``follow_backend`` to run with each one.
    """
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = True
    return timeline_harness


#: SEQUERE_TIMELINE_PUSH_LIMIT values the API-level suites run with: everything pulled, the default.
PUSH_LIMITS = [pytest.param(0, id="pull-all"), pytest.param(10_000, id="push-limit-default")]


@pytest.fixture(params=PUSH_LIMITS)
def push_limit(request, settings):
    """Run the test with every actor pulled (0) and at the default limit."""
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = request.param
    return request.param


@pytest.fixture
def celery_eager(timeline, settings):
    """Fan out through the test project's Celery app, eagerly."""
    from tests.celery_app import app

    settings.SEQUERE_TIMELINE_FANOUT = "celery"
    assert app.conf.task_always_eager
    return app


@pytest.fixture
def thoas(timeline):
    from tests.testapp.models import User

    return User.objects.create(username="thoas")


@pytest.fixture
def project(timeline):
    from tests.testapp.models import Project

    return Project.objects.create(name="La classe americaine")
