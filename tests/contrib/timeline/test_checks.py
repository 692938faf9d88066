"""System checks of the timeline settings (ids documented in docs/settings.rst)."""

from __future__ import annotations

import pytest
from django.core import checks

from sequere.contrib.timeline.checks import check_timeline

REDIS = "sequere.contrib.timeline.backends.redis.RedisBackend"
DATABASE = "sequere.contrib.timeline.backends.database.DatabaseBackend"


@pytest.fixture(autouse=True)
def nowhere(settings):
    """A connection nothing listens on: a check that connected would fail or hang."""
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = "redis://127.0.0.1:1/0"


def ids() -> list[str]:
    return [message.id for message in check_timeline()]


def test_clean_by_default():
    assert check_timeline() == []


@pytest.mark.parametrize(
    "setting, value, check_id",
    [
        ("SEQUERE_TIMELINE_BACKEND_CLASS", "nowhere.Backend", "sequere.E101"),
        ("SEQUERE_TIMELINE_BACKEND_CLASS", "sequere.conf.DEFAULTS", "sequere.E101"),
        ("SEQUERE_TIMELINE_NYDUS_CONNECTION", {"hosts": {0: {}}}, "sequere.E103"),
        ("SEQUERE_TIMELINE_MAX_LENGTH", "1000", "sequere.E104"),
        ("SEQUERE_TIMELINE_MAX_LENGTH", 0, "sequere.E104"),
        ("SEQUERE_TIMELINE_DISPATCH_RANGE", 2.5, "sequere.E105"),
        ("SEQUERE_TIMELINE_POPULATE_RANGE", True, "sequere.E106"),
        ("SEQUERE_TIMELINE_FANOUT", "threads", "sequere.E107"),
        ("SEQUERE_TIMELINE_REDIS_CONNECTION", "localhost", "sequere.E108"),
        ("SEQUERE_TIMELINE_CONNECTION_CLASS", "nowhere.Client", "sequere.E108"),
        ("SEQUERE_TIMELINE_REDIS_PREFIX", "a{b}", "sequere.E109"),
        ("SEQUERE_TIMELINE_LIVE_TRANSPORT", "websocket", "sequere.E113"),
    ],
)
def test_each_bad_setting_has_its_id(settings, setting, value, check_id):
    # the Redis timeline backend, whose connection settings E108 and E109 check
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    setattr(settings, setting, value)
    [message] = check_timeline()
    assert message.id == check_id, message
    assert isinstance(message, checks.Error)
    assert setting.removeprefix("SEQUERE_") in message.msg or check_id == "sequere.E103"


def test_nydus_message_shows_the_cluster_setting(settings):
    settings.SEQUERE_TIMELINE_NYDUS_CONNECTION = {"hosts": {0: {}}}
    [message] = check_timeline()
    assert "Python 2" in message.msg and "redis+cluster://" in message.msg


def test_the_database_backend_needs_no_redis_settings(settings):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = DATABASE
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = "not a url"
    assert ids() == []


def test_the_checks_are_registered():
    assert check_timeline in checks.registry.registry.get_checks()


def test_without_redis_py_the_messages_name_the_setting_and_the_way_out(settings, monkeypatch):
    """A [rest] or [live] install has no redis-py: the Redis timeline (the default) and the
    "redis" live transport each say which setting asks for Redis and what to do instead."""
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = REDIS
    settings.SEQUERE_TIMELINE_LIVE_TRANSPORT = "redis"
    by_id = {message.id: message for message in check_timeline()}
    assert "SEQUERE_TIMELINE_BACKEND_CLASS" in by_id["sequere.E102"].msg
    assert DATABASE in by_id["sequere.E102"].hint
    assert "SEQUERE_TIMELINE_LIVE_TRANSPORT = 'redis'" in by_id["sequere.E113"].msg
    assert "'poll'" in by_id["sequere.E113"].hint
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = DATABASE
    settings.SEQUERE_TIMELINE_LIVE_TRANSPORT = "poll"
    assert check_timeline() == []
