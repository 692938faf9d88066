"""Fixtures of the reliability suite: a shared set of resources of every primary-key type."""

from __future__ import annotations

import pytest

from tests.servers import RedisServer
from tests.testapp.models import Project, Tag, Team, User

#: Tag slugs (string primary keys) made of the characters that matter to Redis keys.
AWKWARD_SLUGS = ["a:b", "{a}", "a b", "a\nb", "{", "}:", "é:ü", "::", " ", "tag"]


def make_resources(users: int = 20, projects: int = 10, teams: int = 10) -> list:
    """Users (int pk), projects (int pk), teams (UUID pk) and tags (awkward string pks)."""
    made: list = list(User.objects.bulk_create([User(username=f"load-{i}") for i in range(users)]))
    made += Project.objects.bulk_create([Project(name=f"project-{i}") for i in range(projects)])
    made += Team.objects.bulk_create([Team(name=f"team-{i}") for i in range(teams)])
    made += Tag.objects.bulk_create([Tag(slug=slug) for slug in AWKWARD_SLUGS])
    return made


@pytest.fixture
def resources(transactional_db) -> list:
    """50 committed resources of four models (visible to other threads and processes)."""
    made = make_resources()
    assert len(made) == 50
    return made


TIMELINE_STORES = [
    pytest.param("redis", id="tl-redis", marks=pytest.mark.redis),
    pytest.param("redis-cluster", id="tl-redis-cluster", marks=[pytest.mark.redis, pytest.mark.cluster]),
    pytest.param("database", id="tl-database"),
]


@pytest.fixture(params=TIMELINE_STORES)
def timeline_store(request, settings):
    """A timeline store (Redis under a prefix of its own, or the database) with inline fan-out."""
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = True
    if request.param == "database":
        settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
        yield request.param
        return
    import uuid

    from sequere.redis.clients import build_client

    if request.param == "redis-cluster":
        url = request.getfixturevalue("redis_cluster").url
    else:
        url = request.getfixturevalue("redis_url")
    prefix = f"sequere-reliability:{uuid.uuid4().hex[:10]}:timeline"
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = url
    settings.SEQUERE_TIMELINE_REDIS_PREFIX = prefix
    yield request.param
    client = build_client(url)
    for key in list(client.scan_iter(match=f"{prefix}*", count=1000)):
        client.delete(key)
    client.close()


@pytest.fixture
def own_redis(settings):
    """A redis-server with ``appendfsync always`` that the test may stop and start; backend set to it."""
    from tests.backends.redis_helpers import configure_redis_backend

    server = RedisServer(extra_args=("--appendonly", "yes", "--appendfsync", "always")).start()
    try:
        with configure_redis_backend(settings, server.url):
            yield server
            if server.process is None:
                server.start()  # let the helper delete the test's keys
    finally:
        server.stop()
