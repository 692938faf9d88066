"""Configuration of the timeline: optional imports, no I/O until used, clear connection errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.exceptions import BackendUnavailableException
from tests.servers import free_port
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction


def test_importing_and_building_does_no_io_and_needs_no_celery():
    code = textwrap.dedent(
        """
        import socket, sys
        import django
        django.setup()
        from django.test.utils import override_settings
        override_settings(
            SEQUERE_TIMELINE_BACKEND_CLASS="sequere.contrib.timeline.backends.redis.RedisBackend"
        ).enable()
        def refuse(*args, **kwargs):
            raise AssertionError("a connection was opened")
        socket.socket.connect = refuse
        from sequere.contrib.timeline import Action, Timeline, get_actions
        from sequere.contrib.timeline.backends import get_timeline_backend
        from sequere.contrib.timeline.backends.redis import RedisBackend
        from tests.testapp.models import User
        backend = get_timeline_backend()
        assert isinstance(backend, RedisBackend)
        user = User(pk=1, username="x")
        user._state.adding = False  # as if loaded from the database
        Timeline(user).get_private(action="join", target=User)
        assert "celery" not in sys.modules, "celery imported"
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.django_db
def test_unreachable_redis_is_a_clear_error(settings):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = f"redis://127.0.0.1:{free_port()}/0"
    thoas = User.objects.create(username="thoas")
    with pytest.raises(BackendUnavailableException, match="SEQUERE_TIMELINE_REDIS_CONNECTION") as info:
        Timeline(thoas).save(JoinAction(actor=thoas))
    assert info.value.__cause__ is not None
    with pytest.raises(BackendUnavailableException):
        Timeline(thoas).get_private_count()
    assert get_timeline_backend().__class__.__name__ == "RedisBackend"
