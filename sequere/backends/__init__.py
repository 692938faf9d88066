"""Follow storage backends and the accessor for the configured one."""

from __future__ import annotations

from ..conf import on_reload, sequere_settings
from .base import BLOCKS, FOLLOWERS, FOLLOWINGS, FRIENDS, KINDS, MUTES, BaseBackend

__all__ = ["BLOCKS", "BaseBackend", "FOLLOWERS", "FOLLOWINGS", "FRIENDS", "KINDS", "MUTES", "get_backend"]

_backend: BaseBackend | None = None


def get_backend() -> BaseBackend:
    """The backend named by ``SEQUERE_BACKEND_CLASS``, built once per process on first use."""
    global _backend
    if _backend is None:
        _backend = sequere_settings.BACKEND_CLASS()
    return _backend


@on_reload
def _forget_backend() -> None:
    global _backend
    _backend = None
