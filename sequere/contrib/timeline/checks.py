"""System checks for the timeline's settings (``manage.py check``), registered by its AppConfig.

=================  ==========================================================================
``sequere.E101``   ``SEQUERE_TIMELINE_BACKEND_CLASS`` cannot be imported or is not a backend class
``sequere.E102``   the Redis timeline backend is configured but redis-py is not installed
``sequere.E103``   ``SEQUERE_TIMELINE_NYDUS_CONNECTION`` is set (nydus cannot run on Python 3)
``sequere.E104``   ``SEQUERE_TIMELINE_MAX_LENGTH`` is not a positive whole number
``sequere.E105``   ``SEQUERE_TIMELINE_DISPATCH_RANGE`` is not a positive whole number
``sequere.E106``   ``SEQUERE_TIMELINE_POPULATE_RANGE`` is not a positive whole number
``sequere.E107``   ``SEQUERE_TIMELINE_FANOUT`` is neither ``"celery"`` nor ``"inline"``
``sequere.E108``   ``SEQUERE_TIMELINE_REDIS_CONNECTION`` (or the client class) is not usable
``sequere.E109``   ``SEQUERE_TIMELINE_REDIS_PREFIX`` would break the Redis Cluster hash tags
``sequere.W110``   ``SEQUERE_TIMELINE_FANOUT = "celery"`` but Celery is not installed
``sequere.E111``   ``SEQUERE_TIMELINE_PUSH_LIMIT`` is neither None nor a whole number >= 0
``sequere.E112``   ``SEQUERE_TIMELINE_INACTIVE_AFTER`` is neither None, a positive timedelta nor seconds
``sequere.E113``   ``SEQUERE_TIMELINE_LIVE_TRANSPORT`` is unknown, or ``"redis"`` without redis-py
=================  ==========================================================================

The backend's own checks (E102, E108, E109 for the Redis backend) come from the timeline backend
contract, :meth:`~sequere.contrib.timeline.backends.base.BaseTimelineBackend.check`. None opens
a connection.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ...conf import DEFAULTS, sequere_settings
from ...redis.clients import NYDUS_MESSAGE

FANOUT_MODES = ("celery", "inline")
#: setting -> check id, for the settings that must be positive whole numbers
COUNTS = {
    "TIMELINE_MAX_LENGTH": "sequere.E104",
    "TIMELINE_DISPATCH_RANGE": "sequere.E105",
    "TIMELINE_POPULATE_RANGE": "sequere.E106",
}


def check_timeline(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every check of the table above."""
    errors = _backend_errors()
    if sequere_settings.raw("TIMELINE_NYDUS_CONNECTION"):
        errors.append(checks.Error(NYDUS_MESSAGE, id="sequere.E103"))
    for name, check_id in COUNTS.items():
        value = sequere_settings.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors.append(
                checks.Error(
                    f"SEQUERE_{name} = {value!r} must be a positive whole number.",
                    hint=f"Use e.g. SEQUERE_{name} = {DEFAULTS[name]}.",
                    id=check_id,
                )
            )
    limit = sequere_settings.raw("TIMELINE_PUSH_LIMIT")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        errors.append(
            checks.Error(
                f"SEQUERE_TIMELINE_PUSH_LIMIT = {limit!r} must be None (always push) or a whole number "
                "of followers >= 0.",
                hint="Use e.g. SEQUERE_TIMELINE_PUSH_LIMIT = 10_000 (the default), or 0 to pull every actor.",
                id="sequere.E111",
            )
        )
    try:
        from .inactive import inactive_after

        inactive_after()
    except ImproperlyConfigured as exc:
        hint = "Use e.g. SEQUERE_TIMELINE_INACTIVE_AFTER = timedelta(days=14), or None (off)."
        errors.append(checks.Error(str(exc), hint=hint, id="sequere.E112"))
    errors.extend(_live_errors())
    mode = sequere_settings.raw("TIMELINE_FANOUT")
    if mode not in FANOUT_MODES:
        errors.append(
            checks.Error(
                f"SEQUERE_TIMELINE_FANOUT = {mode!r} is not supported.",
                hint="Use 'celery' (the default) or 'inline' (fan out in the calling process).",
                id="sequere.E107",
            )
        )
    elif mode == "celery" and importlib.util.find_spec("celery") is None:
        errors.append(
            checks.Warning(
                "SEQUERE_TIMELINE_FANOUT = 'celery' but Celery is not installed: saving an action will fail.",
                hint="pip install 'django-sequere[timeline]', or set SEQUERE_TIMELINE_FANOUT = 'inline'.",
                id="sequere.W110",
            )
        )
    return errors


def _live_errors() -> list[checks.CheckMessage]:
    """sequere.E113: a live transport the feed would refuse at its first stream, or ``"redis"``
    where redis-py is missing (every delivery's publish would fail, and every stream with it)."""
    from .live import transport

    try:
        live = transport()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Use 'poll' (the default) or 'redis'.", id="sequere.E113")]
    if live == "redis" and importlib.util.find_spec("redis") is None:
        return [
            checks.Error(
                "SEQUERE_TIMELINE_LIVE_TRANSPORT = 'redis' publishes and subscribes through redis-py, "
                "which is not installed.",
                hint="pip install 'django-sequere[redis]', or use 'poll' (the default: no Redis needed).",
                id="sequere.E113",
            )
        ]
    return []


def _backend_errors() -> list[checks.CheckMessage]:
    try:
        backend_class = sequere_settings.TIMELINE_BACKEND_CLASS
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint=_BACKEND_HINT, id="sequere.E101")]
    check = getattr(backend_class, "check", None)
    if not isinstance(backend_class, type) or check is None:
        path = sequere_settings.raw("TIMELINE_BACKEND_CLASS")
        return [
            checks.Error(
                f"SEQUERE_TIMELINE_BACKEND_CLASS = {path!r} is not a timeline backend class.",
                hint=_BACKEND_HINT,
                id="sequere.E101",
            )
        ]
    return list(check())


_BACKEND_HINT = (
    "Use 'sequere.contrib.timeline.backends.redis.RedisBackend' (the default) or "
    "'sequere.contrib.timeline.backends.database.DatabaseBackend'."
)
