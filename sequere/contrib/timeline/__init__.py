"""Timelines of actions, fanned out to followers: ``Timeline``, ``Action``, ``get_actions``.

Add ``"sequere.contrib.timeline"`` to ``INSTALLED_APPS`` after ``"sequere"``. Names are imported
lazily, so a ``sequere_registry`` module may import :class:`Action` while apps are loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Action", "Timeline", "get_actions"]

if TYPE_CHECKING:
    from .actions import Action, get_actions
    from .timeline import Timeline


def __getattr__(name: str) -> Any:
    if name in ("Action", "get_actions"):
        from . import actions

        return getattr(actions, name)
    if name == "Timeline":
        from .timeline import Timeline

        return Timeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
