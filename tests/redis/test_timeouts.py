"""The timeout examples of docs/redis.rst give the bounds they claim, against a server that
accepts connections and never answers."""

from __future__ import annotations

import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from sequere.exceptions import BackendUnavailableException
from sequere.models import follow
from tests.servers import Blackhole
from tests.testapp.models import Project, User

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def silent_redis(settings):
    hole = Blackhole()
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_PREFIX = "sequere-timeouts:"
    yield hole
    hole.close()


def blocked_for(settings, connection: dict) -> float:
    settings.SEQUERE_REDIS_CONNECTION = connection
    fan, project = User.objects.create(username=f"fan{time.monotonic_ns()}"), Project.objects.create(name="p")
    started = time.monotonic()
    with pytest.raises(BackendUnavailableException, match="127.0.0.1"):
        follow(fan, project)
    return time.monotonic() - started


def test_with_retries_off_a_call_blocks_about_socket_timeout(settings, silent_redis):
    one_try = {
        "host": "127.0.0.1",
        "port": silent_redis.port,
        "socket_timeout": 0.5,
        "socket_connect_timeout": 0.5,
        "retry": Retry(NoBackoff(), 0),
    }
    assert blocked_for(settings, one_try) < 3 * 0.5 + 1.0


def test_redis_py_default_retries_multiply_the_timeout(settings, silent_redis):
    """Why the docs show ``retry=``: from redis-py 6 on, the plain dict blocks several times its
    socket_timeout (redis-py 5 did not retry by default)."""
    plain = {"host": "127.0.0.1", "port": silent_redis.port, "socket_timeout": 0.5}
    blocked = blocked_for(settings, plain)
    if int(redis.__version__.split(".")[0]) >= 6:
        assert blocked > 2 * 0.5
    else:
        assert blocked < 3 * 0.5 + 1.0
