"""System checks for sequere's settings (``manage.py check``).

The follow backend is loaded from ``SEQUERE_BACKEND_CLASS`` (``sequere.E001`` when it cannot
be) and asked for its own checks through the backend contract,
:meth:`BaseBackend.check <sequere.backends.base.BaseBackend.check>`: ``sequere.E002`` (Redis
backend without redis-py), ``E003`` (database backend without its app), ``E004`` to ``E006``
(Redis prefix, tombstone lifetime, connection). The ids are listed in ``docs/settings.rst``.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import alias_conflicts, sequere_settings


@checks.register()
def check_backend(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """sequere.E001 for a bad ``SEQUERE_BACKEND_CLASS``, then the backend's own checks."""
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
    check = getattr(backend_class, "check", None)
    if not isinstance(backend_class, type) or check is None:
        return [
            checks.Error(
                f"SEQUERE_BACKEND_CLASS = {sequere_settings.raw('BACKEND_CLASS')!r} is not a backend class.",
                hint="Name a subclass of sequere.backends.base.BaseBackend by its dotted path.",
                id="sequere.E001",
            )
        ]
    return list(check())


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
