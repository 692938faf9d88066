"""Outcomes are never misreported: replies cut after Redis applied a write, Redis paused.

A :class:`~tests.faultproxy.FaultProxy` sits between the follow backend's client and a real
redis-server of the test's own (on a cluster, one proxy before each node, reached through
redis-py's ``address_remap=``). It forwards a follow's or unfollow's script to Redis, which runs
it, and then closes the client's connection instead of passing the reply on. The client resends
(redis-py's own retries, or sequere's one resend when those are off): the script must recognise
its own earlier write and the call report success with its one signal. A paused Redis (the
server process stopped with SIGSTOP, or a proxy holding every byte) must make the call raise a
clear :class:`~sequere.exceptions.OutcomeUnknownException` within its timeout bound.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from sequere.backends import FOLLOWERS, FOLLOWINGS, get_backend
from sequere.exceptions import (
    AlreadyFollowingException,
    BackendUnavailableException,
    NotFollowingException,
    OutcomeUnknownException,
    SequereException,
)
from sequere.models import follow, get_followers_count, get_followings_count, is_following, unfollow
from sequere.outbox import PendingJob, replay
from sequere.registration import registry
from sequere.signals import followed, unfollowed
from tests.backends.redis_helpers import configure_redis_backend
from tests.faultproxy import FaultProxy
from tests.servers import RedisServer
from tests.testapp.models import Project, User

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

#: The socket timeout of the paused-server tests, and the bound a call must return within: one
#: try and sequere's one resend, each waiting at most the timeout, plus scheduling slack. On a
#: cluster redis-py also resends the timed-out script on its own and asks for the layout (one
#: more wait per try): 1.0-1.53 s measured on redis-py 5.0 and 8.1 with their retries off
#: (5.55 s on 5.0 when its ``cluster_error_retry_attempts`` was left at 3).
TIMEOUT = 0.5
REDIS_PY = tuple(int(part) for part in redis.__version__.split(".")[:2])
#: Slack: scheduling on a loaded 2-core CI machine (1.52 s seen once for the single Redis).
SLACK = 1.0
BOUND = {"redis": 2 * TIMEOUT + SLACK, "redis_cluster": 6 * TIMEOUT + SLACK}
RETRIES = {
    "redis-py-retries": {},  # redis-py's default: it resends a command whose reply was lost
    "retries-off": {"retry": Retry(NoBackoff(), 0)},  # sequere's own resend does it
}


class Signals:
    """Counts ``followed`` / ``unfollowed`` signals while active."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def _followed(self, **kwargs) -> None:
        self.counts["followed"] += 1

    def _unfollowed(self, **kwargs) -> None:
        self.counts["unfollowed"] += 1

    def __enter__(self) -> Signals:
        followed.connect(self._followed, dispatch_uid=f"lost-{id(self)}")
        unfollowed.connect(self._unfollowed, dispatch_uid=f"lost-{id(self)}")
        return self

    def __exit__(self, *exc) -> None:
        followed.disconnect(dispatch_uid=f"lost-{id(self)}")
        unfollowed.disconnect(dispatch_uid=f"lost-{id(self)}")


@pytest.fixture
def server():
    redis_server = RedisServer().start()
    yield redis_server
    if redis_server.process is not None:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    redis_server.stop()


@contextmanager
def single(settings, server, **options):
    """The follow backend on ``server`` through a proxy; yields the proxy."""
    proxy = FaultProxy(server.port)
    try:
        with configure_redis_backend(settings, f"redis://127.0.0.1:{proxy.port}/0"):
            settings.SEQUERE_REDIS_CONNECTION = {"host": "127.0.0.1", "port": proxy.port, **options}
            yield [proxy]
            proxy.resume()
    finally:
        proxy.close()


@contextmanager
def cluster(settings, redis_cluster, **options):
    """The follow backend on the suite's cluster, each node behind a proxy; yields the proxies."""
    proxies = {node.port: FaultProxy(node.port) for node in redis_cluster.nodes}
    if REDIS_PY < (6,) and "retry" in options:
        # redis-py 5's cluster client retries a failed command on its own count (3 by default;
        # from redis-py 6 on, ``retry=`` is that count): off too (docs/redis.rst)
        options = {"cluster_error_retry_attempts": 0, **options}

    def remap(address: tuple[str, int]) -> tuple[str, int]:
        host, port = address
        return ("127.0.0.1", proxies[port].port) if port in proxies else (host, port)

    try:
        with configure_redis_backend(settings, redis_cluster.url):
            settings.SEQUERE_REDIS_CONNECTION_CLASS = None  # the counting class wants a URL
            settings.SEQUERE_REDIS_CONNECTION = {
                "cluster": True,
                "startup_nodes": [("127.0.0.1", redis_cluster.nodes[0].port)],
                "address_remap": remap,
                **options,
            }
            yield list(proxies.values())
            for proxy in proxies.values():
                proxy.resume()
    finally:
        for proxy in proxies.values():
            proxy.close()


@pytest.fixture(params=["redis", pytest.param("redis_cluster", marks=pytest.mark.cluster)])
def layout(request):
    return request.param


@contextmanager
def follow_store(layout, request, settings, **options):
    if layout == "redis":
        with single(settings, request.getfixturevalue("server"), **options) as proxies:
            yield proxies
    else:
        with cluster(settings, request.getfixturevalue("redis_cluster"), **options) as proxies:
            yield proxies


def pair():
    return User.objects.create(username=f"fan{time.monotonic_ns()}"), Project.objects.create(name="p")


def warm_up() -> None:
    """One follow and unfollow first, so every node knows the scripts (no NOSCRIPT to cut)."""
    a, b = pair()
    follow(a, b)
    unfollow(a, b)


def stored_once(fan, project) -> None:
    """The edge is in both halves, once, with one date."""
    backend = get_backend()
    fan_ref, project_ref = registry.get_ref(fan), registry.get_ref(project)
    followings = backend.fetch(FOLLOWINGS, fan_ref)
    followers_ = backend.fetch(FOLLOWERS, project_ref)
    assert [e.ref for e in followings] == [project_ref]
    assert [e.ref for e in followers_] == [fan_ref]
    assert followings[0].created_at == followers_[0].created_at
    assert get_followers_count(project) == get_followings_count(fan) == 1


@pytest.mark.parametrize("retries", list(RETRIES), ids=list(RETRIES))
def test_follow_whose_reply_is_cut_reports_success_once(layout, request, settings, retries):
    with follow_store(layout, request, settings, **RETRIES[retries]) as proxies:
        warm_up()
        fan, project = pair()
        for proxy in proxies:
            proxy.cut_reply()
        with Signals() as signals:
            follow(fan, project)  # Redis ran it; the reply never came; the resend finds its own edge
            assert sum(proxy.cuts for proxy in proxies) >= 1
            assert signals.counts == {"followed": 1}
            stored_once(fan, project)
            with pytest.raises(AlreadyFollowingException):
                follow(fan, project)  # a real second follow is still refused
        assert signals.counts == {"followed": 1}


@pytest.mark.parametrize("retries", list(RETRIES), ids=list(RETRIES))
def test_unfollow_whose_reply_is_cut_reports_success_once(layout, request, settings, retries):
    with follow_store(layout, request, settings, **RETRIES[retries]) as proxies:
        warm_up()
        fan, project = pair()
        follow(fan, project)
        for proxy in proxies:
            proxy.cut_reply()
        with Signals() as signals:
            unfollow(fan, project)
            assert sum(proxy.cuts for proxy in proxies) >= 1
            assert signals.counts == {"unfollowed": 1}
            assert not is_following(fan, project)
            assert get_followers_count(project) == get_followings_count(fan) == 0
            with pytest.raises(NotFollowingException):
                unfollow(fan, project)
        assert signals.counts == {"unfollowed": 1}


def test_fail_silently_keeps_the_signal_of_a_change_that_happened(layout, request, settings):
    settings.SEQUERE_FAIL_SILENTLY = True
    with follow_store(layout, request, settings, **RETRIES["retries-off"]) as proxies:
        warm_up()
        fan, project = pair()
        with Signals() as signals:
            for proxy in proxies:
                proxy.cut_reply()
            follow(fan, project)
            follow(fan, project)  # silent, and no second signal
            for proxy in proxies:
                proxy.cut_reply()
            unfollow(fan, project)
            unfollow(fan, project)
        assert signals.counts == {"followed": 1, "unfollowed": 1}
        assert not is_following(fan, project)


def test_a_resent_unfollow_does_not_remove_a_follow_made_since(settings, server):
    """The unfollow's outcome marker makes its resend a no-op, even after a new follow."""
    with single(settings, server):
        backend = get_backend()
        fan, project = (registry.get_ref(obj) for obj in pair())
        backend.add(fan, project, _now())
        calls = backend.writes.unfollow(fan, project)
        assert backend.link.run(calls[0]) == {"follower": True, "followed": True, "again": False}
        backend.add(fan, project, _now())
        assert backend.link.run(calls[0]) == {"follower": False, "followed": False, "again": True}
        assert backend.exists(fan, project)
        marker = backend.keys.marker(fan, "o", project)
        assert 0 < backend.client.ttl(marker) <= 300


def _now():
    from django.utils import timezone

    return timezone.now()


def raises_within_bound(call) -> tuple[float, BaseException]:
    started = time.monotonic()
    with pytest.raises(SequereException) as info:
        call()
    return time.monotonic() - started, info.value


def test_a_stopped_redis_process_gives_outcome_unknown_within_the_timeout(settings, server):
    """SIGSTOP: the server accepts connections (the kernel does) and answers nothing."""
    options = {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, **RETRIES["retries-off"]}
    with single(settings, server, **options):
        warm_up()
        fan, project = pair()
        with Signals() as signals:
            os.kill(server.process.pid, signal.SIGSTOP)
            try:
                elapsed, error = raises_within_bound(lambda: follow(fan, project))
            finally:
                os.kill(server.process.pid, signal.SIGCONT)
            print(f"SIGSTOP follow: {type(error).__name__} after {elapsed:.2f}s")  # shown with -s
            assert elapsed < BOUND["redis"]
            assert isinstance(error, OutcomeUnknownException)
            assert isinstance(error, BackendUnavailableException)
            assert f"127.0.0.1:{settings.SEQUERE_REDIS_CONNECTION['port']}" in str(error)
            assert "SEQUERE_REDIS_CONNECTION" in str(error) and "unknown" in str(error)
            assert error.operation == "follow"
            assert (error.follower, error.followed) == (registry.get_ref(fan), registry.get_ref(project))
            assert type(error.__cause__).__module__.startswith("redis")  # kept, not raised
            # Redis resumed and ran the request it had been sent: the edge is there, no signal was
            # sent (the caller was told the outcome is unknown), and a retry says so.
            wait_for(lambda: is_following(fan, project))
            stored_once(fan, project)
            with pytest.raises(AlreadyFollowingException):
                follow(fan, project)
            assert signals.counts == {}
            # the outbox finds out: this very follow was made, so its one signal is sent now
            assert settle_jobs() == 1
            assert replay(now=timezone.now() + timedelta(minutes=1))["due"] == 1
            assert settle_jobs() == 0
            assert replay(now=timezone.now() + timedelta(minutes=1))["due"] == 0
        assert signals.counts == {"followed": 1}


def settle_jobs() -> int:
    return PendingJob.objects.filter(job="sequere.outcomes.settle").count()


def node_proxy(proxies: list[FaultProxy], obj) -> FaultProxy:
    """The proxy before the node that holds ``obj``'s keys (its half of an edge)."""
    backend = get_backend()
    if not backend.link.cluster:
        return proxies[0]
    node = backend.client.get_node_from_key(backend.keys.tag(registry.get_ref(obj)))
    (proxy,) = [p for p in proxies if node.port in (p.port, p.upstream_port)]
    return proxy


def test_a_paused_node_gives_outcome_unknown_within_the_timeout(layout, request, settings):
    """A proxy holding every byte: the single Redis, or the cluster node of the follower's half."""
    options = {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, **RETRIES["retries-off"]}
    with follow_store(layout, request, settings, **options) as proxies:
        warm_up()
        fan, project = pair()
        with Signals() as signals:
            paused = node_proxy(proxies, fan)
            paused.pause()
            elapsed, error = raises_within_bound(lambda: unfollow(fan, project))
            print(f"paused {layout} unfollow: {type(error).__name__} after {elapsed:.2f}s")
            paused.resume()
            assert elapsed < BOUND[layout]
            assert isinstance(error, OutcomeUnknownException) and error.operation == "unfollow"
            # never followed: whatever Redis ran once resumed, nothing changed and nothing is sent
            with pytest.raises(NotFollowingException):
                unfollow(fan, project)
            assert replay(now=timezone.now() + timedelta(minutes=1))["due"] == 1
            assert settle_jobs() == 0 and signals.counts == {}
            follow(fan, project)
        assert signals.counts == {"followed": 1}


def test_an_unfollow_of_unknown_outcome_is_settled_by_the_outbox(request, settings):
    """The unfollow ran on Redis, its replies were lost: the outbox sends its one signal later.

    On a single Redis: on the cluster fixture, redis-py 5.0's cluster client sometimes reached
    the node around the proxy while rebuilding its slot map, so the cut was not certain.
    """
    layout = "redis"
    options = {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, **RETRIES["retries-off"]}
    with follow_store(layout, request, settings, **options) as proxies:
        warm_up()
        fan, project = pair()
        follow(fan, project)
        with Signals() as signals:
            paused = node_proxy(proxies, fan)
            paused.cut_reply(times=1000)  # every try: sequere's resend, the cluster client's own
            _, error = raises_within_bound(lambda: unfollow(fan, project))
            paused.cut_reply(times=0)
            assert isinstance(error, OutcomeUnknownException) and error.operation == "unfollow"
            wait_for(lambda: not is_following(fan, project))
            assert signals.counts == {}
            assert settle_jobs() == 1
            replay(now=timezone.now() + timedelta(minutes=1))
            assert settle_jobs() == 0
            with pytest.raises(NotFollowingException):
                unfollow(fan, project)
        assert signals.counts == {"unfollowed": 1}


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except BackendUnavailableException:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out")
