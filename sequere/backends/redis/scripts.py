"""Lua scripts of the Redis follow backend, run by SHA with a fallback to EVAL.

``EVALSHA`` sends only the script's digest. A server that does not know it (first use, restart,
``SCRIPT FLUSH``, a new cluster node) answers ``NOSCRIPT``; the call is then repeated once with
``EVAL``, which runs the script and caches it on that server, so the next call is ``EVALSHA``
again. Nothing runs twice: a ``NOSCRIPT`` answer means the script did not run.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from ...connections import import_redis


class Script:
    """One Lua script from ``sequere/backends/redis/lua/<name>.lua``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.source = resources.files(__package__).joinpath("lua", f"{name}.lua").read_text("utf-8")
        self.sha = hashlib.sha1(self.source.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return f"<Script {self.name} {self.sha[:8]}>"

    def __call__(self, client: Any, keys: list[str], args: list[Any]) -> Any:
        """Run on ``client`` in one round trip (two the first time a server sees it)."""
        try:
            return execute(client, "EVALSHA", self.sha, len(keys), *keys, *args)
        except import_redis().exceptions.NoScriptError:
            return execute(client, "EVAL", self.source, len(keys), *keys, *args)


def execute(client: Any, *command: Any) -> Any:
    """Send one command and read its answer.

    On a plain ``redis.Redis`` this talks to a pooled connection directly (pack, send, read),
    skipping the per-command retry and instrumentation layers of ``execute_command``, which cost
    as much as the round trip itself on a follow. A connection found broken is dropped and the
    command sent once more on a fresh one: every script here is idempotent, so that is safe.
    Other clients (Redis Cluster, custom classes) go through ``execute_command``.
    """
    pool = getattr(client, "connection_pool", None)
    if pool is None or getattr(client, "single_connection_client", False):
        return client.execute_command(*command)
    errors = import_redis().exceptions.ConnectionError
    for attempt in (1, 2):
        connection = pool.get_connection()
        try:
            connection.send_packed_command(connection.pack_command(*command))
            return connection.read_response()
        except errors:
            connection.disconnect()
            if attempt == 2:
                raise
        finally:
            pool.release(connection)
    raise AssertionError("unreachable")  # pragma: no cover


#: A queued script call: (script, keys, args).
Call = tuple[Script, list[str], list[Any]]


class _KeyedScripts:
    """Policy resolver telling redis-py's cluster pipeline that EVAL/EVALSHA route by their keys.

    Without it, redis-py 8's ``ClusterPipeline`` asks a node ``COMMAND GETKEYS`` for every queued
    script call (an extra round trip each) before routing it by the same keys.
    """

    def __init__(self, fallback: Any, policies: Any) -> None:
        self._fallback = fallback
        self._policies = policies

    def resolve(self, command_name: str) -> Any:
        if command_name in ("eval", "evalsha"):
            return self._policies
        return self._fallback.resolve(command_name)

    def with_fallback(self, fallback: Any) -> Any:
        return _KeyedScripts(fallback, self._policies)


def pipeline(client: Any) -> Any:
    """A non-transactional pipeline; on a cluster one that routes scripts without extra calls."""
    pipe = client.pipeline(transaction=False)
    resolver = getattr(pipe, "_policy_resolver", None)
    if resolver is not None:
        try:
            from redis._parsers.commands import CommandPolicies, RequestPolicy, ResponsePolicy
        except ImportError:  # pragma: no cover - redis-py without command policies
            return pipe
        keyed = CommandPolicies(RequestPolicy.DEFAULT_KEYED, ResponsePolicy.DEFAULT_KEYED)
        pipe._policy_resolver = _KeyedScripts(resolver, keyed)
    return pipe


def run_many(client: Any, calls: list[Call]) -> list[Any]:
    """Run ``calls`` in one pipeline (one round trip per server) and return their results.

    On a cluster the pipeline sends each node its share before reading any answer, so calls on
    different slots travel together. Calls answered ``NOSCRIPT`` are sent again with ``EVAL``.
    """
    if not calls:
        return []
    exceptions = import_redis().exceptions
    pipe = pipeline(client)
    for script, keys, args in calls:
        pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
    results = pipe.execute(raise_on_error=False)
    missing = [i for i, result in enumerate(results) if isinstance(result, exceptions.NoScriptError)]
    if missing:
        pipe = pipeline(client)
        for i in missing:
            script, keys, args = calls[i]
            pipe.execute_command("EVAL", script.source, len(keys), *keys, *args)
        for i, result in zip(missing, pipe.execute(raise_on_error=False), strict=True):
            results[i] = result
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


FOLLOW = Script("follow")
UNFOLLOW = Script("unfollow")
COUNT = Script("count")
FETCH = Script("fetch")
AFTER = Script("after")
#: Redis Cluster: one half of a follow / unfollow as a last-writer-wins register with tombstones.
FOLLOW_HALF = Script("follow_half")
UNFOLLOW_HALF = Script("unfollow_half")
