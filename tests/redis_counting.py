"""redis-py clients that count what they send, for the client-class settings.

Nothing is faked: these are redis-py's own ``Redis`` and ``RedisCluster`` on real servers. Three
figures are kept, all in :data:`COUNTS`:

* ``seen``: every command the *client object* was asked to send, by its public API: direct
  commands through ``execute_command`` (scripts included: ``evalsha`` calls it) and commands
  queued on its pipelines (``pipeline()`` returns a pipeline that logs what is queued on it);
* ``wire``: every command the connections actually packed and wrote, direct or pipelined (but
  not what a new connection sends to set itself up);
* ``round_trips``: every write to a socket (one command, or one whole pipeline to one node).

A command on the wire that the client class did not see went around it. So, once connections
are open, ``wire == len(seen)`` proves that everything went through the configured class.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.cluster import RedisCluster


@dataclass
class Counts:
    """What the counting clients sent, since the process started or inside :func:`counting`."""

    seen: list[str] = field(default_factory=list)
    wire: int = 0
    round_trips: int = 0


COUNTS = Counts()


def _name(args: tuple) -> str:
    return str(args[0]).upper() if args else ""


class CountingConnection(redis.Connection):
    """A real connection that counts the commands it writes (``send_command`` one, a pipeline's
    ``pack_commands`` each of its commands) and the writes (``send_packed_command``)."""

    #: where this class counts (a subclass may count apart, see tests/contrib/timeline/counting.py)
    counts = COUNTS
    setting_up = False

    def connect(self, *args: Any, **kwargs: Any) -> None:
        # what a new connection sends for itself (HELLO, AUTH, SELECT, CLIENT SETINFO) is not
        # a command of the caller's
        self.setting_up = True
        try:
            super().connect(*args, **kwargs)
        finally:
            self.setting_up = False

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        if not self.setting_up:
            self.counts.wire += 1
        super().send_command(*args, **kwargs)

    def pack_command(self, *args: Any) -> Any:
        # redis-py's own sends pack through send_command/pack_commands; this is for anyone else
        if not self.setting_up:
            self.counts.wire += 1
        return super().pack_command(*args)

    def pack_commands(self, commands: Any) -> Any:
        commands = list(commands)
        self.counts.wire += len(commands)
        return super().pack_commands(commands)

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self.counts.round_trips += 1
        super().send_packed_command(command, check_health)


_pipeline_classes: dict[type, type] = {}


def _logging_pipeline(pipe: Any, counts: Counts) -> Any:
    """``pipe`` (redis-py's own pipeline object) made to log each command queued on it."""
    base = type(pipe)
    if base not in _pipeline_classes:

        def execute_command(self: Any, *args: Any, **options: Any) -> Any:
            self.sequere_test_counts.seen.append(_name(args))
            return base.execute_command(self, *args, **options)

        _pipeline_classes[base] = type(
            f"Counting{base.__name__}", (base,), {"execute_command": execute_command}
        )
    pipe.__class__ = _pipeline_classes[base]
    pipe.sequere_test_counts = counts
    return pipe


class CountingRedis(redis.Redis):
    """``redis.Redis`` that logs every command it is asked for, on :class:`CountingConnection`."""

    connection_class = CountingConnection

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> CountingRedis:
        kwargs.setdefault("connection_class", cls.connection_class)
        return super().from_url(url, **kwargs)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.connection_class.counts.seen.append(_name(args))
        return super().execute_command(*args, **options)

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        return _logging_pipeline(super().pipeline(*args, **kwargs), self.connection_class.counts)


class CountingRedisCluster(RedisCluster):
    """``RedisCluster`` that logs every command it is asked for; node connections count too."""

    connection_class = CountingConnection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("connection_class", self.connection_class)
        super().__init__(*args, **kwargs)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.connection_class.counts.seen.append(_name(args))
        return super().execute_command(*args, **options)

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        return _logging_pipeline(super().pipeline(*args, **kwargs), self.connection_class.counts)


@contextmanager
def counting(counts: Counts = COUNTS) -> Iterator[Counts]:
    """What the counting clients counting into ``counts`` send inside the block (set at its end)."""
    result = Counts()
    seen, wire, trips = len(counts.seen), counts.wire, counts.round_trips
    try:
        yield result
    finally:
        result.seen = counts.seen[seen:]
        result.wire = counts.wire - wire
        result.round_trips = counts.round_trips - trips
