"""Fixtures for the Redis backend's own tests: the backend on a single Redis and on the cluster."""

from __future__ import annotations

import pytest

from sequere.backends import get_backend
from tests.backends.redis_helpers import configure_redis_backend


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=[pytest.mark.redis, pytest.mark.cluster]),
    ]
)
def redis_backend(request, settings):
    """A RedisBackend on the suite's Redis (or its cluster) with a prefix of its own."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        url = request.getfixturevalue("redis_cluster").url
    with configure_redis_backend(settings, url):
        yield get_backend()


@pytest.fixture
def single_redis_backend(request, settings, redis_url):
    """A RedisBackend on the single (non-cluster) Redis only."""
    with configure_redis_backend(settings, redis_url):
        yield get_backend()
