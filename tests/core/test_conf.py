"""The settings object: defaults, dotted paths, reload on setting_changed, system checks."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from sequere.backends import get_backend
from sequere.backends.database import DatabaseBackend
from sequere.checks import check_backend
from sequere.conf import DEFAULTS, IMPORT_STRINGS, sequere_settings


@pytest.mark.parametrize("name", sorted(IMPORT_STRINGS))
def test_every_default_dotted_path_imports(name):
    default = DEFAULTS[name]
    if default is not None:
        assert isinstance(import_string(default), type)


def test_defaults_match_the_seed_readme():
    assert DEFAULTS["BACKEND_CLASS"] == "sequere.backends.database.DatabaseBackend"
    assert DEFAULTS["REDIS_PREFIX"] == "sequere:"
    assert DEFAULTS["TIMELINE_REDIS_PREFIX"] == "sequere:timeline"
    assert DEFAULTS["TIMELINE_DISPATCH_RANGE"] == 1000  # one push round trip per 1,000 followers
    assert DEFAULTS["TIMELINE_MAX_LENGTH"] == 1000


def test_readme_spelling_of_the_default_backend_imports():
    assert import_string("sequere.backends.database.Databasebackend") is DatabaseBackend


def test_bad_dotted_path_names_the_setting(settings):
    settings.SEQUERE_BACKEND_CLASS = "myproject.nope.Backend"
    with pytest.raises(ImproperlyConfigured, match=r"SEQUERE_BACKEND_CLASS = 'myproject\.nope\.Backend'"):
        get_backend()


def test_override_settings_is_seen(settings):
    assert sequere_settings.FAIL_SILENTLY is False
    settings.SEQUERE_FAIL_SILENTLY = True
    assert sequere_settings.FAIL_SILENTLY is True


def test_backend_is_rebuilt_when_settings_change(settings):
    first = get_backend()
    assert get_backend() is first
    settings.SEQUERE_REDIS_PREFIX = "other:"
    assert get_backend() is not first


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError, match="SEQUERE_NOPE"):
        sequere_settings.NOPE  # noqa: B018


def test_check_e001_bad_backend_path(settings):
    settings.SEQUERE_BACKEND_CLASS = "nowhere.Backend"
    [error] = check_backend()
    assert error.id == "sequere.E001" and isinstance(error, checks.Error)


def test_check_e003_database_app_missing(settings):
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "sequere.backends.database"]
    assert [e.id for e in check_backend()] == ["sequere.E003"]


def test_check_e001_not_a_backend_class(settings):
    settings.SEQUERE_BACKEND_CLASS = "sequere.conf.DEFAULTS"
    [error] = check_backend()
    assert error.id == "sequere.E001" and "is not a backend class" in error.msg


@pytest.mark.redis  # redis-py installed (without it E002 comes first); no server is used
@pytest.mark.parametrize(
    "setting, value, check_id",
    [
        ("SEQUERE_REDIS_PREFIX", "seq{uere}:", "sequere.E004"),
        ("SEQUERE_REDIS_TOMBSTONE_LIFETIME", "a week", "sequere.E005"),
        ("SEQUERE_REDIS_TOMBSTONE_LIFETIME", 0, "sequere.E005"),
        ("SEQUERE_REDIS_CONNECTION", "localhost:6379", "sequere.E006"),
        ("SEQUERE_REDIS_CONNECTION", ["localhost"], "sequere.E006"),
        ("SEQUERE_REDIS_CONNECTION_CLASS", "sequere.conf.DEFAULTS", "sequere.E006"),
    ],
)
def test_redis_backend_checks_its_settings_without_connecting(settings, setting, value, check_id):
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_CONNECTION = "redis://127.0.0.1:1/0"  # nothing listens: no I/O allowed
    setattr(settings, setting, value)
    [error] = check_backend()
    assert error.id == check_id, error
    assert setting in error.msg


@pytest.mark.redis
def test_redis_backend_clean_configuration(settings):
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    settings.SEQUERE_REDIS_CONNECTION = {"cluster": True, "startup_nodes": [("127.0.0.1", 1)]}
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = timedelta(days=1)
    assert check_backend() == []


def test_check_clean_by_default():
    assert check_backend() == []


def test_import_and_configure_do_no_io():
    """Importing sequere, reading settings and building backends opens no connection."""
    script = r"""
import socket, sys
opened = []
real_connect = socket.socket.connect
def connect(self, *a, **k):
    opened.append(a)
    return real_connect(self, *a, **k)
socket.socket.connect = connect
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "sequere", "sequere.backends.database"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/nonexistent/x.db"}},
    SEQUERE_BACKEND_CLASS="sequere.backends.redis.RedisBackend" if len(sys.argv) > 1 else
        "sequere.backends.database.DatabaseBackend",
    SEQUERE_REDIS_CONNECTION="redis://10.255.255.1:6379/0",
)
django.setup()
import sequere.models, sequere.mixin
from sequere.backends import get_backend
from django.db import connection
get_backend()
assert connection.connection is None, "a database connection was opened"
assert not opened, opened
print("ok")
"""
    for extra in ([], ["redis"]):
        if extra and not _has_redis_backend():
            continue
        out = subprocess.run(
            [sys.executable, "-c", script, *extra], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "ok"


def _has_redis_backend() -> bool:
    try:
        import_string("sequere.backends.redis.RedisBackend")
    except ImportError:
        return False
    return True


def documented_defaults() -> dict[str, str]:
    """Each setting of docs/settings.rst whose entry states its default, with that default's text
    (``Default ``x``.`` or ````x`` (the default ...)``)."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "settings.rst").read_text(encoding="utf-8")
    found = {}
    for entry in re.finditer(r"``SEQUERE_([A-Z0-9_]+)``(.*?)(?=\n``SEQUERE_|\Z)", text, re.S):
        stated = re.search(r"[Dd]efault:? ``([^`]+)``|``([^`]+)`` \(the default", entry[2][:600])
        if stated:
            found[entry[1]] = stated[1] or stated[2]
    return found


def test_every_documented_default_is_the_code_default():
    """What a new user reads in docs/settings.rst is what ``sequere_settings`` answers unset
    (``SEQUERE_TIMELINE_LIVE_TRANSPORT`` said ``"poll"`` while the code said ``"auto"``)."""
    import ast

    documented = documented_defaults()
    assert len(documented) >= 20 and "TIMELINE_LIVE_TRANSPORT" in documented
    for name, text in documented.items():
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        assert DEFAULTS[name] == value, f"docs/settings.rst: SEQUERE_{name} defaults to {text}"
