"""The stores ``manage.py sequere_check`` audits: the follow backend, and those apps add.

Every store answers the same contract, ``audit(fix=False) -> {"checked", "problems", "fixed"}``
(:meth:`sequere.backends.base.BaseBackend.audit`). The core knows only the follow backend; an app
built on it (``sequere.contrib.timeline``) adds its own store from its ``AppConfig.ready()``::

    from sequere.audits import register_store
    register_store("timeline", get_timeline_backend)

so the core never imports what is built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .backends import get_backend

_stores: dict[str, Callable[[], Any]] = {}


def register_store(name: str, get_store: Callable[[], Any]) -> None:
    """Audit ``get_store()`` (called when the check runs) as ``name`` after the follow backend."""
    _stores[name] = get_store


def store_names() -> list[str]:
    """The names of every store to audit, ``"follow"`` first."""
    return ["follow", *_stores]


def stores(only: list[str] | None = None) -> list[tuple[str, Any]]:
    """``(name, store)`` of every store to audit (or of those named), the follow backend first."""
    getters = {"follow": get_backend, **_stores}
    return [(name, getters[name]()) for name in store_names() if not only or name in only]
