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
            return client.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)
        except import_redis().exceptions.NoScriptError:
            return client.execute_command("EVAL", self.source, len(keys), *keys, *args)


#: A queued script call: (script, keys, args).
Call = tuple[Script, list[str], list[Any]]


def run_many(client: Any, calls: list[Call]) -> list[Any]:
    """Run ``calls`` in one pipeline (one round trip per server) and return their results.

    On a cluster the pipeline sends each node its share before reading any answer, so calls on
    different slots travel together. Calls answered ``NOSCRIPT`` are sent again with ``EVAL``.
    """
    if not calls:
        return []
    exceptions = import_redis().exceptions
    pipe = client.pipeline(transaction=False)
    for script, keys, args in calls:
        pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
    results = pipe.execute(raise_on_error=False)
    missing = [i for i, result in enumerate(results) if isinstance(result, exceptions.NoScriptError)]
    if missing:
        pipe = client.pipeline(transaction=False)
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
