"""Timeline storage backends and the accessor for the configured one."""

from __future__ import annotations

from ....conf import on_reload, sequere_settings
from .base import PRIVATE, PUBLIC, BaseTimelineBackend

__all__ = ["BaseTimelineBackend", "PRIVATE", "PUBLIC", "get_timeline_backend"]

_backend: BaseTimelineBackend | None = None


def get_timeline_backend() -> BaseTimelineBackend:
    """The backend named by ``SEQUERE_TIMELINE_BACKEND_CLASS``, built once per process on first use."""
    global _backend
    if _backend is None:
        _backend = sequere_settings.TIMELINE_BACKEND_CLASS()
    return _backend


@on_reload
def _forget_backend() -> None:
    global _backend
    _backend = None
