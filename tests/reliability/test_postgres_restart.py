"""PostgreSQL stopped and started again under the API, on a server of the test's own.

A fault leaves a clear error and nothing written, or success with the derived state caught up:
with PostgreSQL down, ``follow()``, ``unfollow()`` and ``Timeline.save()`` raise
:class:`~sequere.exceptions.BackendUnavailableException` naming the database (never the driver's
raw error) and store nothing, on the database follow backend and on the Redis one (whose edge is
undone, since the outbox could not record its timeline import). Once it is back, the same calls
work and the timelines agree with the follows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.servers import PostgresServer, RedisServer, postgres_binaries

pytestmark = [pytest.mark.slow, pytest.mark.redis]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKENDS = {
    "database": "sequere.backends.database.DatabaseBackend",
    "redis": "sequere.backends.redis.RedisBackend",
}


@pytest.fixture
def postgres():
    if postgres_binaries() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    server = PostgresServer().init().start()
    yield server
    server.remove()


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_postgres_restarted_under_the_api(postgres, backend):
    redis = RedisServer().start()
    try:
        env = {
            **os.environ,
            "SEQUERE_PG_RESTART_DATABASE": postgres.url,
            "SEQUERE_PG_RESTART_PORT": str(postgres.port),
            "SEQUERE_PG_RESTART_DIR": postgres.workdir,
            "SEQUERE_PG_RESTART_BACKEND": BACKENDS[backend],
            "SEQUERE_PG_RESTART_REDIS": redis.url,
        }
        child = subprocess.run(
            [sys.executable, "-m", "tests.reliability.pg_restart_child"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        redis.stop()
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=2))  # shown with -s
    for call in ("follow while down", "unfollow while down", "save while down"):
        outcome = report[call]
        assert outcome["raised"] == "sequere.exceptions.BackendUnavailableException", (call, outcome)
        assert "DATABASES['default']" in outcome["message"] or "database" in outcome["message"], outcome
        assert outcome["seconds"] < 10
    assert report["after restart"] == {
        "alice follows bob": False,  # nothing stored by the failed follow
        "carol follows bob": True,  # nor removed by the failed unfollow
        "bob's actions": 1,  # nor saved by the failed save
        "carol's timeline": 1,
        "pending jobs": 0,
    }
    assert report["follow after restart"]["raised"] is None
    assert report["alice's timeline"] == 1  # the import of bob's action ran
