"""A backend's handle on its Redis: the configured client, error translation, scripts, pipelines.

Both Redis backends hold one :class:`Link`, built on first use from their settings group
(``"follow"`` or ``"timeline"``, see :mod:`sequere.redis.clients`). Everything goes through the
configured client object's public API:

* a script alone is ``client.evalsha(...)``; a server that answers ``NOSCRIPT`` (first use,
  restart, failover, a new cluster node) gets ``client.eval(...)`` once, which runs the script
  and caches it there, so the next call is ``EVALSHA`` again;
* scripts in a :class:`Pipeline` are queued as ``EVALSHA`` with ``pipe.execute_command``; the
  calls a server answered ``NOSCRIPT`` are sent again as ``EVAL`` in one more pipeline. Only
  they are: a script that ran is never run twice, so what it returned is what it did.

**Writes whose reply is lost.** :meth:`Link.write` runs script calls that recognise their own
earlier run (the follow backend's: the edge's score is the follow's date, an unfollow leaves its
operation id in an outcome marker). When the server cannot be reached or does not answer, it
sends them once more: a first try that did run is then found and reported as done, one that did
not run runs now. When the resend fails too, the outcome is unknown, and it says so
(:class:`~sequere.exceptions.OutcomeUnknownException`) rather than guess.

This is the one small helper on top of redis-py's script commands. Why not redis-py's
``register_script`` object: on ``NOSCRIPT`` it sends ``SCRIPT LOAD`` then ``EVALSHA`` (one round
trip more than ``EVAL``, and on a cluster ``SCRIPT LOAD`` goes to every primary), and queued in a
pipeline (``script(keys, args, client=pipe)``) it sends ``SCRIPT EXISTS`` before every pipeline,
one more round trip on every fan-out chunk. Why ``execute_command("EVALSHA", ...)`` with
``target_nodes=`` in pipelines: redis-py's cluster pipeline refuses ``pipe.evalsha()``, and
redis-py 6 and later would ask a node ``COMMAND GETKEYS`` (one more round trip) for every queued
script whose node it is not told; every key of a sequere script carries one hash tag, so the node
of the first key (``client.get_node_from_key``, public) is the script's node.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import BackendUnavailableException
from .clients import get_client, import_redis, is_cluster
from .errors import ErrorTranslator
from .scripts import ScriptCall


class Link:
    """The configured client of one settings group, with its error translator."""

    __slots__ = ("group", "client", "cluster", "errors", "noscript")

    def __init__(self, group: str) -> None:
        self.group = group
        self.client = get_client(group)
        self.cluster = is_cluster(self.client)
        self.errors = ErrorTranslator(self.client, group)
        #: redis-py's exception for a ``NOSCRIPT`` answer
        self.noscript = import_redis().exceptions.NoScriptError

    def run(self, call: ScriptCall) -> Any:
        """Run one script call (one round trip once the server knows it) and decode its reply."""
        script, client = call.script, self.client
        with self.errors:
            try:
                raw = client.evalsha(script.sha, len(call.keys), *call.keys, *call.args)
            except self.noscript:
                raw = client.eval(script.text, len(call.keys), *call.keys, *call.args)
        return script.decode(raw)

    def write(self, calls: list[ScriptCall], what: str, **details: object) -> list[Any]:
        """Run write ``calls`` (alone or in one pipeline), resent once if the server fails.

        Only for scripts that recognise their own earlier run (see the module doc). Raises
        :class:`~sequere.exceptions.OutcomeUnknownException` (``what`` names the change, e.g.
        "this follow"; ``details`` become its attributes) when the resend fails too.
        """
        send = (lambda: [self.run(calls[0])]) if len(calls) == 1 else (lambda: self.run_many(calls))
        try:
            return send()
        except BackendUnavailableException:
            pass  # the first try may have run: the resend finds out
        try:
            return send()
        except BackendUnavailableException as exc:
            raise self.errors.unknown(exc, what, **details) from exc.__cause__

    def pipeline(self) -> Pipeline:
        """A new non-transactional :class:`Pipeline` on the client."""
        return Pipeline(self)

    def run_many(self, calls: list[ScriptCall]) -> list[Any]:
        """Run ``calls`` in one pipeline (one round trip per server) and decode every reply."""
        if not calls:
            return []
        pipe = self.pipeline()
        for call in calls:
            pipe.script(call)
        return pipe.execute()


class Pipeline:
    """A non-transactional pipeline of a :class:`Link` that queues scripts as well as commands.

    Plain commands are queued on :attr:`pipe`, redis-py's own pipeline object
    (``p.pipe.zrem(key, member)``); scripts with :meth:`script`. :meth:`execute` returns every
    reply in order, script replies decoded, and raises the first error a command answered.
    """

    __slots__ = ("link", "pipe", "scripts")

    def __init__(self, link: Link) -> None:
        self.link = link
        self.pipe = link.client.pipeline(transaction=False)
        #: position in the pipeline -> the script call queued there
        self.scripts: dict[int, ScriptCall] = {}

    def __len__(self) -> int:
        return len(self.pipe)

    def script(self, call: ScriptCall) -> None:
        """Queue ``call`` (see the module doc for how)."""
        self.scripts[len(self.pipe)] = call
        self._queue(self.pipe, call)

    def _queue(self, pipe: Any, call: ScriptCall, *, by_digest: bool = True) -> None:
        options = {}
        if self.link.cluster:
            options["target_nodes"] = self.link.client.get_node_from_key(call.keys[0])
        command, body = ("EVALSHA", call.script.sha) if by_digest else ("EVAL", call.script.text)
        pipe.execute_command(command, body, len(call.keys), *call.keys, *call.args, **options)

    def execute(self) -> list[Any]:
        """Send everything queued; resend as ``EVAL`` the scripts a server did not know."""
        link = self.link
        with link.errors:
            results = self.pipe.execute(raise_on_error=False)
            missing = [i for i in self.scripts if isinstance(results[i], link.noscript)]
            if missing:
                again = link.client.pipeline(transaction=False)
                for i in missing:
                    self._queue(again, self.scripts[i], by_digest=False)
                for i, result in zip(missing, again.execute(raise_on_error=False), strict=True):
                    results[i] = result
            # inside the translator: a cluster pipeline hands back a node's timeout as a result
            for result in results:
                if isinstance(result, Exception):
                    raise result
        for i, call in self.scripts.items():
            results[i] = call.script.decode(results[i])
        return results
