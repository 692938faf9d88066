"""Redis going away and coming back; slow answers; every connection form reaching a real server."""

from __future__ import annotations

import os
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from sequere.backends import FOLLOWERS, FOLLOWINGS, get_backend
from sequere.exceptions import BackendUnavailableException, SequereException
from sequere.models import follow, get_followers_count, is_following
from sequere.redis.errors import server_address
from sequere.refs import Ref
from tests.backends.redis_helpers import configure_redis_backend
from tests.servers import RedisServer
from tests.testapp.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

A, B = Ref("user", "a"), Ref("user", "b")
T0 = datetime(2024, 5, 1, tzinfo=dt_timezone.utc)


@pytest.fixture
def stoppable_server(redis_server):
    """The suite's own redis-server (restarted before the test ends), or a private one."""
    server = redis_server or RedisServer().start()
    try:
        yield server
    finally:
        if server.process is None:
            server.start()
        if redis_server is None:
            server.stop()


def test_redis_down_raises_a_sequere_error_naming_the_server_then_recovers(settings, stoppable_server):
    with configure_redis_backend(settings, stoppable_server.url):
        alice = User.objects.create(username="alice")
        bob = User.objects.create(username="bob")
        follow(alice, bob)
        stoppable_server.stop()
        address = f"127.0.0.1:{stoppable_server.port}"
        for call in (
            lambda: follow(bob, alice),
            lambda: is_following(alice, bob),
            lambda: get_followers_count(bob),
            lambda: list(get_backend().iter_refs(FOLLOWERS, A)),
        ):
            with pytest.raises(BackendUnavailableException, match=address) as info:
                call()
            assert isinstance(info.value, SequereException)
            assert isinstance(info.value.__cause__, redis.ConnectionError)
        stoppable_server.start()  # empty again: it keeps nothing on disk, and knows no script
        follow(bob, alice)
        assert get_followers_count(alice) == 1
        assert is_following(bob, alice)


@pytest.fixture
def private_server():
    """A redis-server of this test's own (pausing a shared one would stall other clients)."""
    server = RedisServer().start()
    yield server
    server.stop()


def test_a_timed_out_follow_is_all_or_nothing(settings, private_server):
    redis_url = private_server.url
    with configure_redis_backend(settings, redis_url):
        host, port = "127.0.0.1", private_server.port
        settings.SEQUERE_REDIS_CONNECTION = {
            "host": host,
            "port": port,
            "socket_timeout": 0.2,
            "retry": Retry(NoBackoff(), 0),  # fail on the first timeout instead of backing off
        }
        settings.SEQUERE_REDIS_CONNECTION_CLASS = None
        backend = get_backend()
        backend.add(B, A, T0)  # scripts cached, connection open
        admin = redis.Redis.from_url(redis_url)
        admin.execute_command("CLIENT", "PAUSE", 10_000, "WRITE")
        try:
            with pytest.raises(BackendUnavailableException, match=f"{host}:{port}") as info:
                backend.add(A, B, T0)
            assert isinstance(info.value.__cause__, redis.TimeoutError)
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
            admin.close()
        halves = (backend.exists(A, B), backend.count(FOLLOWERS, B) == 1)
        assert halves in ((True, True), (False, False))
        backend.add(A, B, T0)  # the retry settles it either way
        assert backend.count(FOLLOWERS, B) == backend.count(FOLLOWINGS, A) == 1


def test_unix_socket_and_dict_connections(settings, tmp_path):
    socket_path = str(tmp_path / "redis.sock")
    server = RedisServer(extra_args=("--unixsocket", socket_path, "--unixsocketperm", "700")).start()
    try:
        for connection in (
            f"unix://{socket_path}?db=0",
            {"unix_socket_path": socket_path, "db": 1},
            {"host": "127.0.0.1", "port": server.port, "db": 2},
            server.url,
        ):
            with configure_redis_backend(settings, server.url):
                settings.SEQUERE_REDIS_CONNECTION = connection
                settings.SEQUERE_REDIS_CONNECTION_CLASS = None
                backend = get_backend()
                assert backend.add(A, B, T0) is True
                assert backend.count(FOLLOWERS, B) == 1
                expected = f"unix://{socket_path}" if "sock" in str(connection) else f":{server.port}"
                assert expected in server_address(backend.client)
                backend.remove_all(A)
    finally:
        server.stop()
    assert not os.path.exists(socket_path)
