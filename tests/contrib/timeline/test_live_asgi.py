"""The live feed under a real ASGI server: uvicorn in a process of its own, a real HTTP client.

The served project (:mod:`tests.live_site`) runs on a SQLite file, or on a PostgreSQL database of
its own when the suite runs on PostgreSQL (``DATABASE_URL``); another process saves the
actions (:mod:`tests.live_site.cli`), as a web or worker process would. Two set-ups: the
database timeline backend with the ``poll`` transport (the embedded defaults), and the Redis
timeline backend with the ``redis`` transport (pub/sub on the suite's own redis-server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("rest_framework", reason="the live endpoint is part of the `rest` extra")
httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from tests.servers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
LIVE = "/api/sequere/timeline/live/"


class Site:
    """uvicorn serving :mod:`tests.live_site` with ``env``, and the reader's session."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        setup = self.cli("setup").split()
        self.session, self.reader = setup[0], (setup[1], setup[2])
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "tests.live_site.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port), "--lifespan", "off",
                "--log-level", "warning", "--timeout-graceful-shutdown", "2",
            ],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "uvicorn exited"
            try:
                httpx.get(self.url("/sequere/follow/"), timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("uvicorn did not answer")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "tests.live_site.cli", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def stream(self, **headers: str):
        return httpx.stream(
            "GET",
            self.url(LIVE),
            headers=headers,
            cookies={"sessionid": self.session},
            timeout=httpx.Timeout(10.0),
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def events(response):
    """Each server-sent event as a dict (``event``, ``id``, ``data``, or ``comment``)."""
    event: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if event:
                yield event
            event = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            event[name] = event[name] + "\n" + value if name in event else value


def next_event(stream, kind: str) -> dict[str, str]:
    for event in stream:
        if event.get("event") == kind:
            return event
    raise AssertionError(f"the stream ended before an {kind!r} event")


class LiveDatabase:
    """A PostgreSQL database of the served project's own, beside the suite's (``DATABASE_URL``):
    the server and the helper processes share committed rows, which the suite's test database,
    inside each test's transaction, cannot give them."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"sequere_live_{uuid.uuid4().hex[:10]}"
        self.url = f"{admin_url.rsplit('/', 1)[0]}/{self.name}"
        self._execute(f'CREATE DATABASE "{self.name}"')

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def live_database() -> LiveDatabase | None:
    """A database of its own on the suite's PostgreSQL, or None on SQLite (a file in tmp_path)."""
    url = os.environ.get("DATABASE_URL", "")
    return LiveDatabase(url) if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(
    params=[
        pytest.param("poll", id="database-poll"),
        pytest.param("redis", id="redis-pubsub", marks=pytest.mark.redis),
        pytest.param("cluster", id="redis-cluster-sharded", marks=[pytest.mark.redis, pytest.mark.cluster]),
    ]
)
def site(request, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.live_site.settings",
        "SEQUERE_LIVE_DB": str(tmp_path / "live.sqlite3"),
        "SEQUERE_LIVE_TRANSPORT": "poll" if request.param == "poll" else "redis",
        "SEQUERE_LIVE_HEARTBEAT": "1",
    }
    database = live_database()
    if database is not None:
        env["SEQUERE_LIVE_DATABASE_URL"] = database.url
    client = None
    if request.param == "redis":
        import redis

        env["SEQUERE_LIVE_REDIS"] = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(env["SEQUERE_LIVE_REDIS"], decode_responses=True)
    elif request.param == "cluster":
        import redis

        cluster = request.getfixturevalue("redis_cluster")
        env["SEQUERE_LIVE_REDIS"] = cluster.url
        host, port = cluster.startup_nodes[0]
        client = redis.RedisCluster(host=host, port=port, decode_responses=True)
    env["SEQUERE_LIVE_PREFIX"] = f"sequere-live:{uuid.uuid4().hex[:12]}:timeline"
    served = Site(env)
    served.transport, served.redis = request.param, client
    # the server subscribes, unless redis-py's asyncio cluster client has no pub/sub (5.x: it polls)
    served.subscribes = request.param == "redis" or (
        request.param == "cluster" and hasattr(__import__("redis.asyncio").asyncio.RedisCluster, "pubsub")
    )
    try:
        yield served
    finally:
        served.stop()
        if database is not None:
            database.drop()
        if client is not None:
            for key in client.scan_iter(match=f"{env['SEQUERE_LIVE_PREFIX']}*"):
                client.delete(key)
            client.close()


def channel(site) -> str:
    from sequere.contrib.timeline.backends.keys import KeyBuilder
    from sequere.refs import Ref

    return KeyBuilder(site.env["SEQUERE_LIVE_PREFIX"]).live_channel(Ref(*site.reader))


def subscribers(site) -> int:
    """How many subscribe to the reader's channel (sharded channels on the cluster's shard)."""
    if site.transport == "cluster":
        node = site.redis.get_node_from_key(channel(site))
        return dict(site.redis.pubsub_shardnumsub(channel(site), target_nodes=node))[channel(site)]
    return site.redis.pubsub_numsub(channel(site))[0][1]


def listen(site):
    if site.transport == "cluster":
        listener = site.redis.pubsub()
        listener.ssubscribe(channel(site))
        return listener, lambda: listener.get_sharded_message(ignore_subscribe_messages=True, timeout=0.5)
    listener = site.redis.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel(site))
    return listener, lambda: listener.get_message(timeout=0.5)


def wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_saved_action_arrives_as_an_event(site):
    with site.stream() as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        assert json.loads(next_event(stream, "unread")["data"]) == {"unread_count": 0}
        listener = None
        if site.subscribes:  # subscribed before the first read; the test listens too
            wait_for(lambda: subscribers(site) == 1, "the subscription")
            # (redis-py 5.0's sync cluster client never returns sharded messages: not there)
            listener, receive = listen(site)
        action_id = site.cli("save", "hello")
        if listener is not None:  # the fan-out published the action id on the reader's channel
            message = None
            deadline = time.monotonic() + 5
            while message is None and time.monotonic() < deadline:
                message = receive()
            listener.close()
            assert message is not None and message["data"] == action_id
        event = next_event(stream, "action")
        data = json.loads(event["data"])
        # the REST API's action JSON
        assert data["id"] == action_id and data["verb"] == "like" and data["data"] == {"note": "hello"}
        assert data["actor"] == {"identifier": "user", "id": data["actor"]["id"], "display": "thoas"}
        assert json.loads(next_event(stream, "unread")["data"]) == {"unread_count": 1}
        # a keep-alive comment at each quiet heartbeat (1 s here)
        assert next(e for e in stream if "comment" in e) == {"comment": "keep-alive"}
    if site.subscribes:  # the client left: its subscription and connection go too
        wait_for(lambda: subscribers(site) == 0, "the unsubscription")


def test_last_event_id_resumes_after_that_entry(site):
    with site.stream() as response:
        stream = events(response)
        next_event(stream, "unread")
        first = site.cli("save", "one")
        seen = next_event(stream, "action")
        assert json.loads(seen["data"])["id"] == first
    missed = [site.cli("save", "two"), site.cli("save", "three")]
    with site.stream(**{"Last-Event-ID": seen["id"]}) as response:
        stream = events(response)
        replayed = [json.loads(next_event(stream, "action")["data"])["id"] for _ in missed]
    assert replayed == missed
    # a forged id starts from now: nothing is replayed, the next action arrives
    with site.stream(**{"Last-Event-ID": "forged"}) as response:
        stream = events(response)
        assert json.loads(next_event(stream, "unread")["data"]) == {"unread_count": 3}
        fourth = site.cli("save", "four")
        assert json.loads(next_event(stream, "action")["data"])["id"] == fourth


def test_anonymous_is_refused(site):
    response = httpx.get(site.url(LIVE), timeout=5)
    assert response.status_code == 403
    assert "detail" in response.json()
