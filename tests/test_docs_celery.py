"""docs/timeline.rst's Celery set-up, followed verbatim in a fresh project, runs a real worker."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.celery_docs import follow_celery_docs
from tests.servers import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.worker]


@pytest.fixture
def own_redis():
    """A redis-server for this test alone (broker and timelines), gone with its keys afterwards."""
    server = RedisServer().start()
    yield server.url
    server.stop()


def test_the_documented_worker_fans_an_action_out(tmp_path: Path, own_redis: str):
    output, log = follow_celery_docs(sys.executable, tmp_path, own_redis)
    assert "FANNED-OUT [<JoinAction: thoas join>]" in output, output + log
    assert "Task sequere.timeline.dispatch[" in log and "succeeded" in log, log
    port = urlsplit(own_redis).port
    assert re.search(rf"Connected to redis://\S*127\.0\.0\.1:{port}/0", log), log  # the docs' broker URL
