"""System checks for sequere's settings (``manage.py check``)."""

from __future__ import annotations

import importlib.util
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import alias_conflicts, sequere_settings


@checks.register()
def check_backend(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """sequere.E001 bad backend path; E002 Redis backend without redis-py; E003 app missing."""
    path = sequere_settings.raw("BACKEND_CLASS")
    errors: list[checks.CheckMessage] = []
    if isinstance(path, str) and ".redis" in path and importlib.util.find_spec("redis") is None:
        return [
            checks.Error(
                f"SEQUERE_BACKEND_CLASS is {path!r} but redis-py is not installed.",
                hint="pip install 'django-sequere[redis]'",
                id="sequere.E002",
            )
        ]
    try:
        backend_class = sequere_settings.BACKEND_CLASS
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="Use 'sequere.backends.database.DatabaseBackend' or "
                "'sequere.backends.redis.RedisBackend'.",
                id="sequere.E001",
            )
        ]
    from .backends.database import DatabaseBackend

    if isinstance(backend_class, type) and issubclass(backend_class, DatabaseBackend):
        if not apps.is_installed("sequere.backends.database"):
            errors.append(
                checks.Error(
                    "SEQUERE_BACKEND_CLASS uses the database backend but its app is not installed.",
                    hint="Add 'sequere.backends.database' to INSTALLED_APPS and run migrate.",
                    id="sequere.E003",
                )
            )
    return errors


@checks.register()
def check_setting_aliases(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """sequere.E010: a setting set under both its original and its current name, differently."""
    return [
        checks.Error(
            f"{old} and {new} are both set, to different values; {new} is the one read.",
            hint=f"Delete {old} (the original django-sequere's name) and keep {new}.",
            id="sequere.E010",
        )
        for old, new in alias_conflicts()
    ]
