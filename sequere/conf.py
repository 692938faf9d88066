"""The one place sequere reads Django settings.

Every setting is named ``SEQUERE_<NAME>`` in the project's settings; read it here as
``sequere_settings.<NAME>``. Values are read lazily, cached, and forgotten when Django sends
``setting_changed`` (so ``override_settings`` works in tests). Example configuration::

    SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
    SEQUERE_REDIS_CONNECTION = "redis://localhost:6379/0"
    SEQUERE_REDIS_PREFIX = "sequere:myproject:"
    SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    SEQUERE_TIMELINE_REDIS_CONNECTION = {"host": "localhost", "port": 6379, "db": 1}
    SEQUERE_TIMELINE_FANOUT = "celery"

The original django-sequere's names (``SEQUERE_BACKEND``, ``SEQUERE_TIMELINE_BACKEND``,
``SEQUERE_TIMELINE_IMPORT_ACTIONS_ON_FOLLOW``, ``SEQUERE_TIMELINE_REMOVE_ACTIONS_ON_UNFOLLOW``) are
read when the new name is not set, with a :class:`RemovedInSequere2Warning` (see ``ALIASES``).
"""

from __future__ import annotations

import warnings
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

PREFIX = "SEQUERE_"

DEFAULTS: dict[str, Any] = {
    # follow storage
    "BACKEND_CLASS": "sequere.backends.database.DatabaseBackend",
    "REDIS_CONNECTION": "redis://localhost:6379/0",
    "REDIS_CONNECTION_CLASS": None,
    "REDIS_ASYNC_CONNECTION_CLASS": None,
    "REDIS_PREFIX": "sequere:",
    # Redis Cluster: seconds a tombstone is kept (see sequere.backends.redis.cluster)
    "REDIS_TOMBSTONE_LIFETIME": 7 * 24 * 3600,
    "FAIL_SILENTLY": False,
    # timeline
    "TIMELINE_BACKEND_CLASS": "sequere.contrib.timeline.backends.redis.RedisBackend",
    "TIMELINE_CONNECTION_CLASS": None,
    "TIMELINE_ASYNC_CONNECTION_CLASS": None,
    "TIMELINE_REDIS_CONNECTION": "redis://localhost:6379/0",
    "TIMELINE_REDIS_PREFIX": "sequere:timeline",
    "TIMELINE_NYDUS_CONNECTION": None,
    "TIMELINE_MAX_LENGTH": 1000,
    "TIMELINE_DISPATCH_RANGE": 1000,
    "TIMELINE_POPULATE_RANGE": 100,
    "TIMELINE_FANOUT": "celery",
    "TIMELINE_PUBLISH_TIMEOUT": 3.0,
    "TIMELINE_IMPORT_ON_FOLLOW": True,
    "TIMELINE_REMOVE_ON_UNFOLLOW": True,
    # hybrid fan-out: actors with more followers are pulled at read time (None: always push)
    "TIMELINE_PUSH_LIMIT": 10_000,
    # owners not seen for this long (a timedelta or seconds) are skipped by fan-out (None: off)
    "TIMELINE_INACTIVE_AFTER": None,
    # live feed (sequere.contrib.timeline.live): "poll" (docs/live.rst), "redis" ("auto" reads "poll")
    "TIMELINE_LIVE_TRANSPORT": "poll",
    "TIMELINE_LIVE_HEARTBEAT": 15.0,
    "TIMELINE_LIVE_POLL_INTERVAL": 2.0,
    "TIMELINE_LIVE_MAX_STREAMS": 5,
    # REST API (sequere.contrib.rest_framework)
    "REST_SERIALIZERS": {},
    "REST_PAGE_SIZE": 20,
    "REST_MAX_PAGE_SIZE": 100,
    "REST_THROTTLE_CLASSES": None,
}

#: The original django-sequere's names, still read (with a deprecation warning): old -> new.
ALIASES: dict[str, str] = {
    "BACKEND": "BACKEND_CLASS",
    "TIMELINE_BACKEND": "TIMELINE_BACKEND_CLASS",
    "TIMELINE_IMPORT_ACTIONS_ON_FOLLOW": "TIMELINE_IMPORT_ON_FOLLOW",
    "TIMELINE_REMOVE_ACTIONS_ON_UNFOLLOW": "TIMELINE_REMOVE_ON_UNFOLLOW",
}
_UNSET = object()


class RemovedInSequere2Warning(DeprecationWarning):
    """A setting or call of the original django-sequere that version 2 will no longer read."""


def alias_conflicts() -> list[tuple[str, str]]:
    """``(old, new)`` setting names that are both set, to different values."""
    conflicts = []
    for old, new in ALIASES.items():
        old_value = getattr(django_settings, PREFIX + old, _UNSET)
        new_value = getattr(django_settings, PREFIX + new, _UNSET)
        if _UNSET not in (old_value, new_value) and old_value != new_value:
            conflicts.append((PREFIX + old, PREFIX + new))
    return conflicts


def _read(name: str) -> Any:
    """The project's value of ``SEQUERE_<name>``, under its original name if only that is set."""
    value = getattr(django_settings, PREFIX + name, _UNSET)
    if value is not _UNSET:
        return value
    for old, new in ALIASES.items():
        if new == name:
            value = getattr(django_settings, PREFIX + old, _UNSET)
            if value is not _UNSET:
                warnings.warn(
                    f"{PREFIX}{old} is the original django-sequere's name; rename it to {PREFIX}{new}.",
                    RemovedInSequere2Warning,
                    stacklevel=3,
                )
                return value
    return DEFAULTS[name]


#: Settings whose value is a dotted path, imported on first use.
IMPORT_STRINGS = frozenset(
    {
        "BACKEND_CLASS",
        "REDIS_CONNECTION_CLASS",
        "REDIS_ASYNC_CONNECTION_CLASS",
        "TIMELINE_BACKEND_CLASS",
        "TIMELINE_CONNECTION_CLASS",
        "TIMELINE_ASYNC_CONNECTION_CLASS",
    }
)


def import_from_setting(name: str, path: str) -> Any:
    """Import ``path`` for setting ``SEQUERE_<name>``, or raise a clear ImproperlyConfigured."""
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} = {path!r} cannot be imported ({exc}). "
            f"Set {PREFIX}{name} to the dotted path of an importable class."
        ) from exc


class SequereSettings:
    """Lazy, cached view of the ``SEQUERE_*`` settings with their defaults."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown sequere setting {PREFIX}{name}")
        value = _read(name)
        if name in IMPORT_STRINGS and isinstance(value, str):
            value = import_from_setting(name, value)
        self._cache[name] = value
        setattr(self, name, value)
        return value

    def raw(self, name: str) -> Any:
        """The setting as written (dotted paths not imported)."""
        return _read(name)

    def reload(self) -> None:
        """Forget every cached value (and whatever was built from them)."""
        for name in self._cache:
            self.__dict__.pop(name, None)
        self._cache.clear()
        for callback in list(_reload_callbacks):
            callback()


_reload_callbacks: list = []


def on_reload(callback):
    """Register ``callback`` to run whenever a ``SEQUERE_*`` setting changes (decorator)."""
    _reload_callbacks.append(callback)
    return callback


sequere_settings = SequereSettings()


def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        sequere_settings.reload()


setting_changed.connect(_setting_changed)
