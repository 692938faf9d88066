"""Shared fixtures: real Redis servers, backend parametrization, registry helpers."""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.servers import RedisCluster, RedisServer

#: Follow backends the contract suite runs against. A new backend is a new entry here (and, if it
#: needs setup, a branch in ``follow_backend`` below).
FOLLOW_BACKENDS = [
    pytest.param("database", id="database"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
    pytest.param("redis_cluster", id="redis_cluster", marks=[pytest.mark.redis, pytest.mark.cluster]),
]


@pytest.fixture(scope="session")
def redis_server():
    """The suite's own redis-server (None when ``REDIS_URL`` names an external one)."""
    if os.environ.get("REDIS_URL"):
        yield None
        return
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def no_keys_left_behind():
    """Fail the run if it leaves keys in the Redis that ``REDIS_URL`` names (a server not ours).

    Every key there after the session that was not there before it is one a test wrote and
    did not delete (a Celery broker, a prefix not cleaned): the fix is in that test.
    """
    url = os.environ.get("REDIS_URL")
    if not url or importlib.util.find_spec("redis") is None:
        yield
        return
    from tests.leftovers import all_keys, describe

    before = all_keys(url)
    yield
    left = all_keys(url) - before
    if left:
        pytest.fail(f"the test session left {len(left)} keys in {url}:\n{describe(left)}", pytrace=False)


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    """URL of the Redis the tests use: ``REDIS_URL`` or the suite's own server."""
    return os.environ.get("REDIS_URL") or redis_server.url


@pytest.fixture(scope="session")
def redis_cluster():
    """A 3-node Redis Cluster on loopback, started once per session."""
    cluster = RedisCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_client(redis_url):
    """A plain client on the test Redis, flushed after the test."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(params=FOLLOW_BACKENDS)
def follow_backend(request, settings):
    """Configure ``SEQUERE_BACKEND_CLASS`` for one backend and yield its name."""
    name = request.param
    if name == "database":
        settings.SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"
    elif name in ("redis", "redis_cluster"):
        from tests.backends.redis_helpers import configure_redis_backend

        if name == "redis":
            url = request.getfixturevalue("redis_url")
        else:
            url = request.getfixturevalue("redis_cluster").url
        with configure_redis_backend(settings, url):
            yield name
        return
    else:  # pragma: no cover
        raise AssertionError(f"unknown follow backend {name!r}")
    yield name


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=bool(os.environ.get("SEQUERE_RUN_SLOW")),
        help="also run tests marked slow (load and fault tests; .ci/run passes it)",
    )


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("redis") is None:
        # The no-extras tox env: the core must pass alone; Redis tests cannot run there.
        no_redis = pytest.mark.skip(reason="redis-py is not installed (pip install 'django-sequere[redis]')")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(no_redis)
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: pass --run-slow (or set SEQUERE_RUN_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
