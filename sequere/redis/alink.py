"""The async twin of :mod:`sequere.redis.link`: the same protocol on a ``redis.asyncio`` client.

:class:`AsyncLink` does what :class:`~sequere.redis.link.Link` does, awaiting each round trip:

* a script is ``await client.evalsha(...)``, and ``client.eval(...)`` once on ``NOSCRIPT``;
* scripts in an :class:`AsyncPipeline` are queued as ``EVALSHA`` (``execute_command`` with
  ``target_nodes=`` on a cluster), and those a server answered ``NOSCRIPT`` are sent again as
  ``EVAL`` in one more pipeline;
* :meth:`AsyncLink.write` resends a write once when the server does not answer, and raises
  :class:`~sequere.exceptions.OutcomeUnknownException` when the resend fails too;
* errors are translated by the same :class:`~sequere.redis.errors.ErrorTranslator`.

The scripts and their calls are the very :class:`~sequere.redis.scripts.Script` and
:class:`~sequere.redis.scripts.ScriptCall` objects the sync backends send, so both APIs run the
same Lua on the same keys. The client comes from :func:`~sequere.redis.clients.get_async_client`
(one per event loop), so :func:`get_async_link` keeps one link per event loop and group.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from ..exceptions import BackendUnavailableException
from .clients import get_async_client, import_redis, is_cluster
from .errors import ErrorTranslator
from .scripts import ScriptCall

__all__ = ["AsyncLink", "AsyncPipeline", "get_async_link"]

_links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncLink]] = (
    weakref.WeakKeyDictionary()
)


async def get_async_link(group: str) -> AsyncLink:
    """The :class:`AsyncLink` of ``group`` for the running event loop.

    Its client is built on first use; a cluster client reads the cluster's layout here, once
    (pipelines need it to name each script's node).
    """
    loop = asyncio.get_running_loop()
    links = _links.setdefault(loop, {})
    link = links.get(group)
    client = get_async_client(group)
    if link is None or link.client is not client:  # new, or the settings changed
        link = AsyncLink(group, client)
        if link.cluster:
            with link.errors:
                await client.initialize()
        links[group] = link
    return link


class AsyncLink:
    """A ``redis.asyncio`` client of one settings group, with its error translator."""

    __slots__ = ("group", "client", "cluster", "errors", "noscript")

    def __init__(self, group: str, client: Any) -> None:
        self.group = group
        self.client = client
        self.cluster = is_cluster(client)
        self.errors = ErrorTranslator(client, group)
        self.noscript = import_redis().exceptions.NoScriptError

    async def run(self, call: ScriptCall) -> Any:
        """Run one script call (one round trip once the server knows it) and decode its reply."""
        script, client = call.script, self.client
        with self.errors:
            try:
                raw = await client.evalsha(script.sha, len(call.keys), *call.keys, *call.args)
            except self.noscript:
                raw = await client.eval(script.text, len(call.keys), *call.keys, *call.args)
        return script.decode(raw)

    async def write(self, calls: list[ScriptCall], what: str, **details: object) -> list[Any]:
        """Run write ``calls`` (alone or in one pipeline), resent once if the server fails.

        As :meth:`Link.write <sequere.redis.link.Link.write>`: only for scripts that recognise
        their own earlier run; :class:`~sequere.exceptions.OutcomeUnknownException` when the
        resend fails too.
        """

        async def send() -> list[Any]:
            if len(calls) == 1:
                return [await self.run(calls[0])]
            return await self.run_many(calls)

        try:
            return await send()
        except BackendUnavailableException:
            pass  # the first try may have run: the resend finds out
        try:
            return await send()
        except BackendUnavailableException as exc:
            raise self.errors.unknown(exc, what, **details) from exc.__cause__

    def pipeline(self) -> AsyncPipeline:
        """A new non-transactional :class:`AsyncPipeline` on the client."""
        return AsyncPipeline(self)

    async def run_many(self, calls: list[ScriptCall]) -> list[Any]:
        """Run ``calls`` in one pipeline (one round trip per server) and decode every reply."""
        if not calls:
            return []
        pipe = self.pipeline()
        for call in calls:
            pipe.script(call)
        return await pipe.execute()


class AsyncPipeline:
    """A non-transactional ``redis.asyncio`` pipeline that queues scripts as well as commands.

    Plain commands are queued on :attr:`pipe` (``p.pipe.zrem(key, member)``, not awaited);
    scripts with :meth:`script`. ``await`` :meth:`execute` returns every reply in order, script
    replies decoded, and raises the first error a command answered.
    """

    __slots__ = ("link", "pipe", "scripts")

    def __init__(self, link: AsyncLink) -> None:
        self.link = link
        self.pipe = link.client.pipeline(transaction=False)
        self.scripts: dict[int, ScriptCall] = {}

    def __len__(self) -> int:
        return len(self.pipe)

    def script(self, call: ScriptCall) -> None:
        """Queue ``call``: ``EVALSHA``, on its first key's node on a cluster."""
        self.scripts[len(self.pipe)] = call
        self._queue(self.pipe, call)

    def _queue(self, pipe: Any, call: ScriptCall, *, by_digest: bool = True) -> None:
        options = {}
        if self.link.cluster:
            options["target_nodes"] = self.link.client.get_node_from_key(call.keys[0])
        command, body = ("EVALSHA", call.script.sha) if by_digest else ("EVAL", call.script.text)
        pipe.execute_command(command, body, len(call.keys), *call.keys, *call.args, **options)

    async def execute(self) -> list[Any]:
        """Send everything queued; resend as ``EVAL`` the scripts a server did not know."""
        link = self.link
        with link.errors:
            results = list(await self.pipe.execute(raise_on_error=False))
            missing = [i for i in self.scripts if isinstance(results[i], link.noscript)]
            if missing:
                again = link.client.pipeline(transaction=False)
                for i in missing:
                    self._queue(again, self.scripts[i], by_digest=False)
                for i, result in zip(missing, await again.execute(raise_on_error=False), strict=True):
                    results[i] = result
            for result in results:
                if isinstance(result, Exception):
                    raise result
        for i, call in self.scripts.items():
            results[i] = call.script.decode(results[i])
        return results
