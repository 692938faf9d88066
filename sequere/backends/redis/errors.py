"""Turning redis-py's connection failures into :class:`BackendUnavailableException`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...connections import import_redis, is_cluster
from ...exceptions import BackendUnavailableException


def server_address(client: Any) -> str:
    """Where ``client`` connects: ``host:port``, a unix socket path, or the cluster's nodes."""
    if is_cluster(client):
        nodes = client.nodes_manager.startup_nodes or client.nodes_manager.nodes_cache
        return "Redis Cluster " + ", ".join(sorted(nodes))
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """redis-py's exceptions that mean "the server cannot be reached right now"."""
    exceptions = import_redis().exceptions
    return (exceptions.ConnectionError, exceptions.TimeoutError, exceptions.ClusterDownError)


@contextmanager
def translate_errors(
    client: Any,
    errors: tuple[type[BaseException], ...],
    *,
    backend: str = "follow",
    setting: str = "SEQUERE_REDIS_CONNECTION",
    retry_note: str = "retrying is safe (a retried follow or unfollow changes nothing twice)",
) -> Iterator[None]:
    """Re-raise ``errors`` as BackendUnavailableException naming the server (cause kept)."""
    try:
        yield
    except errors as exc:
        raise BackendUnavailableException(
            f"The Redis {backend} backend cannot reach {server_address(client)} ({type(exc).__name__}: "
            f"{exc}). Check that Redis is running and {setting} points at it; {retry_note}."
        ) from exc
