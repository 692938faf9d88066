"""The configured client class sees every command sequere sends, direct and pipelined.

``SEQUERE_REDIS_CONNECTION_CLASS`` and ``SEQUERE_TIMELINE_CONNECTION_CLASS`` name the counting
clients of :mod:`tests.redis_counting` (subclasses of ``redis.Redis`` and ``RedisCluster``). For
each public call the commands the client object was asked for are compared with the commands
its connections put on the wire: any command sent around the client (a connection used
directly, as the old fast path did) would be on the wire and not seen.
"""

from __future__ import annotations

import uuid

import pytest

from sequere.backends import get_backend
from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.models import (
    follow,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    get_friends,
    get_friends_count,
    is_following,
    unfollow,
)
from tests.backends.redis_helpers import configure_redis_backend
from tests.redis_counting import CountingRedis, CountingRedisCluster, counting
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(
    params=[pytest.param("single"), pytest.param("cluster", marks=pytest.mark.cluster)],
)
def layout(request, settings):
    """Both backends on the single Redis or on the cluster, through the counting classes."""
    cluster = request.param == "cluster"
    url = request.getfixturevalue("redis_cluster").url if cluster else request.getfixturevalue("redis_url")
    client_class = "tests.redis_counting." + ("CountingRedisCluster" if cluster else "CountingRedis")
    prefix = f"sequere-test:{uuid.uuid4().hex[:10]}:timeline"
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = url
    settings.SEQUERE_TIMELINE_CONNECTION_CLASS = client_class
    settings.SEQUERE_TIMELINE_REDIS_PREFIX = prefix
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = True
    with configure_redis_backend(settings, url):
        assert type(get_backend().client) is (CountingRedisCluster if cluster else CountingRedis)
        assert type(get_timeline_backend().client) is type(get_backend().client)
        _open_every_connection()
        yield request.param
        client = get_timeline_backend().client
        for key in list(client.scan_iter(match=f"{prefix}*", count=1000)):
            client.delete(key)


def _open_every_connection() -> None:
    """Connect to every server first: a new connection sends its own setup commands."""
    for client in (get_backend().client, get_timeline_backend().client):
        if isinstance(client, CountingRedisCluster):
            client.ping(target_nodes=CountingRedisCluster.ALL_NODES)
        else:
            client.ping()


def assert_through_the_client(block, *commands: str) -> None:
    """Everything on the wire was asked of the client object, and ``commands`` were among it."""
    assert block.seen, "nothing was sent"
    assert block.wire == len(block.seen), f"{block.wire} commands on the wire, the client saw {block.seen}"
    for command in commands:
        assert command in block.seen, (command, block.seen)


@pytest.fixture
def people(layout):
    alice, bob, carol = (User.objects.create(username=name) for name in ("alice", "bob", "carol"))
    project = Project.objects.create(name="sequere")
    follow(alice, bob)  # scripts cached on the servers, cluster slots known
    follow(bob, alice)
    follow(carol, project)
    return alice, bob, carol, project


def test_follow_unfollow_and_is_following(people):
    alice, bob, carol, project = people
    with counting() as block:
        follow(alice, project)
    assert_through_the_client(block, "EVALSHA")
    with counting() as block:
        assert is_following(alice, project)
    assert_through_the_client(block, "ZSCORE")
    with counting() as block:
        unfollow(alice, project)
    assert_through_the_client(block, "EVALSHA")


@pytest.mark.parametrize(
    "count, command",
    [
        (lambda p: get_followers_count(p[1]), "EVALSHA"),
        (lambda p: get_followers_count(p[1], identifier="user"), "ZCARD"),
        (lambda p: get_followings_count(p[0]), "EVALSHA"),
        (lambda p: get_followings_count(p[0], identifier="user"), "ZCARD"),
        (lambda p: get_friends_count(p[0]), "EVALSHA"),
        (lambda p: get_friends_count(p[0], identifier="user"), "ZCARD"),
    ],
    ids=[
        "followers",
        "followers-of-a-type",
        "followings",
        "followings-of-a-type",
        "friends",
        "friends-of-a-type",
    ],
)
def test_every_count(people, count, command):
    with counting() as block:
        assert count(people) == 1
    assert_through_the_client(block, command)


def test_list_pages(people):
    alice, bob, carol, project = people
    for listing in (get_followers(bob), get_followings(carol), get_friends(alice)):
        with counting() as block:
            assert len(list(listing[:10])) == 1
        assert_through_the_client(block, "EVALSHA")


def test_a_script_the_server_forgot_is_sent_again_through_the_client(people):
    alice, bob, carol, project = people
    get_backend().client.script_flush()
    with counting() as block:
        follow(alice, project)
    assert_through_the_client(block, "EVALSHA", "EVAL")


def test_timeline_save_fan_out_and_page(people, settings):
    alice, bob, carol, project = people
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 1  # several fan-out chunks
    fans = [User.objects.create(username=f"fan{i}") for i in range(3)]
    for fan in fans:
        follow(fan, alice)
    Timeline(alice).save(JoinAction(actor=alice))  # warm: timeline scripts cached
    with counting() as block:
        Timeline(alice).save(JoinAction(actor=alice, target=project))  # store, then the fan-out
    # SET + the deliveries (store), the follow backend's keyset pages, then one delivery per fan
    assert_through_the_client(block, "SET", "EVALSHA")
    assert block.seen.count("EVALSHA") >= 2 + len(fans) + 1
    with counting() as block:
        page = list(Timeline(fans[0]).get_private()[:10])
    assert [action.verb for action in page] == ["join", "join"]
    assert_through_the_client(block, "EVALSHA", "GET")  # the page script, then the actions
    with counting() as block:
        assert Timeline(fans[0]).get_unread_count() == 2
    assert_through_the_client(block, "EVALSHA")
