"""redis-py's "the server cannot be reached" errors, as :class:`BackendUnavailableException`,
and a write whose outcome nobody could learn, as :class:`OutcomeUnknownException`."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ..exceptions import BackendUnavailableException, OutcomeUnknownException
from .clients import GROUPS, import_redis, is_cluster


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


class ErrorTranslator:
    """``with translator:`` re-raises unreachable-server errors as BackendUnavailableException.

    The message names the backend, the server and the setting to check, and says whether a
    retry is safe; redis-py's error is kept as ``__cause__``. Reusable and reentrant: it keeps
    no state between blocks.
    """

    __slots__ = ("client", "group", "errors", "cluster_error")

    def __init__(self, client: Any, group: str) -> None:
        self.client = client
        self.group = GROUPS[group]
        self.errors = unavailable_errors()
        self.cluster_error = import_redis().exceptions.RedisClusterException

    def unavailable(self, exc: BaseException) -> bool:
        """Whether ``exc`` means "unreachable": one of :func:`unavailable_errors`, or redis-py's
        cluster client giving up on its nodes ("Redis Cluster cannot be connected"), raised from
        one of them."""
        if isinstance(exc, self.errors):
            return True
        return isinstance(exc, self.cluster_error) and isinstance(exc.__cause__, self.errors)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if exc is not None and self.unavailable(exc):
            group = self.group
            raise BackendUnavailableException(
                f"The Redis {group.name} backend cannot reach {server_address(self.client)} "
                f"({type(exc).__name__}: {exc}). Check that Redis is running and "
                f"SEQUERE_{group.connection_setting} points at it; {group.retry_note}."
            ) from exc
        return False

    def unknown(
        self, exc: BackendUnavailableException, what: str, **details: object
    ) -> OutcomeUnknownException:
        """The :class:`OutcomeUnknownException` of a write (``what``: "this follow") whose first
        try and resend both failed with ``exc``; ``details`` become its attributes."""
        return OutcomeUnknownException(
            f"{exc} The outcome of {what} is unknown: its request may have reached Redis before "
            "the reply was lost (a timeout or a cut connection), and the resend that would have "
            "told got no reply either, so no signal was sent yet. A job in the outbox finds out "
            "once Redis answers and then sends the signal of a change that was made (replayed by "
            "the sequere.replay_pending task or manage.py sequere_check --fix); is_following() "
            "says it meanwhile.",
            **details,
        )
