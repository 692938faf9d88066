"""``manage.py sequere_migrate --from database --to redis``: copy every follow edge to another store.

Blocks, mutes and pending follow requests are copied after the edges.

Edges are read from the source in chunks (``--chunk-size``) and written to the destination in
bulk (pipelined scripts on Redis, ``bulk_create`` in the database), keeping their dates. Writes
are idempotent, so a chunk copied twice changes nothing. After each chunk the number of edges
done is saved in a checkpoint file; an interrupted run started again skips that many edges of
the source (read, not rewritten) and goes on. The database source is read in primary key order
and Redis in ``SCAN`` order, both stable while the source is not written to, which is why a
migration should run while writes are paused. At the end the counts are verified: everything
the source holds was copied, and the destination grew by exactly the new edges. ``--limit``
stops after that many edges (the checkpoint stays, run again to continue). The first and last
lines say where edges were read and written: the database alias, engine and name, or the Redis
server, database number and key prefix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, router
from django.utils.module_loading import import_string

from ...backends import BLOCKS, FOLLOWERS, FOLLOWINGS, MUTES
from ...backends.base import BaseBackend
from ...backends.database import DatabaseBackend
from ...conf import sequere_settings
from ...refs import Ref
from ..progress import Progress

ALIASES = {
    "database": "sequere.backends.database.DatabaseBackend",
    "redis": "sequere.backends.redis.RedisBackend",
}
#: Resources whose follower and following counts are compared between the two stores at the end.
SAMPLE = 200

Chunk = list[tuple[Ref, Ref, datetime]]


def build_backend(name: str) -> BaseBackend:
    """A backend from ``database``, ``redis`` or a dotted path to a BaseBackend subclass."""
    path = ALIASES.get(name, name)
    if "." not in path:
        raise CommandError(f"Unknown backend {name!r}: use 'database', 'redis' or a dotted class path.")
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise CommandError(f"Cannot import backend {path!r} ({exc}).") from exc
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseBackend)):
        raise CommandError(f"{path} is not a sequere backend (a BaseBackend subclass).")
    return backend_class()


def describe(backend: BaseBackend, *, writing: bool) -> str:
    """Where ``backend`` reads (or, ``writing``, writes) its edges, for the command's output."""
    if isinstance(backend, DatabaseBackend):
        from ...backends.database.models import Follow

        alias = router.db_for_write(Follow) if writing else router.db_for_read(Follow)
        database = connections[alias].settings_dict
        where = f" on {database['HOST']}:{database['PORT'] or 'default port'}" if database.get("HOST") else ""
        engine = database["ENGINE"].rsplit(".", 1)[-1]
        return f"database {alias!r} ({engine}, name {str(database['NAME'])!r}{where})"
    from ...backends.redis import RedisBackend

    if isinstance(backend, RedisBackend):
        return f"Redis {redis_server(backend.client)}, prefix {sequere_settings.REDIS_PREFIX!r}"
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def redis_server(client: Any) -> str:
    """``host:port db N`` (or the socket path, or a cluster's nodes), from redis-py's public API."""
    from ...redis.clients import is_cluster

    if is_cluster(client):
        nodes = sorted(f"{node.host}:{node.port}" for node in client.get_nodes())
        return "Cluster " + ", ".join(nodes)
    kwargs = client.get_connection_kwargs()
    address = f"unix://{kwargs['path']}" if kwargs.get("path") else f"{kwargs['host']}:{kwargs['port']}"
    return f"{address} db {kwargs.get('db', 0)}"


class Command(BaseCommand):
    help = (
        "Copy every follow edge (with its date) from one backend to another, e.g. "
        "--from database --to redis. Batched, resumable from a checkpoint file, counts verified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, help="database, redis or a dotted path.")
        parser.add_argument(
            "--to", dest="destination", required=True, help="database, redis or a dotted path."
        )
        parser.add_argument("--chunk-size", type=int, default=1000, help="Edges per batch (default 1000).")
        parser.add_argument(
            "--checkpoint",
            default=None,
            help="Checkpoint file (default: sequere_migrate-<from>-<to>.json in the current directory).",
        )
        parser.add_argument("--restart", action="store_true", help="Ignore an existing checkpoint.")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many edges.")

    def handle(self, *args: Any, **options: Any) -> None:
        source_name, destination_name = options["source"], options["destination"]
        if ALIASES.get(source_name, source_name) == ALIASES.get(destination_name, destination_name):
            raise CommandError("--from and --to name the same backend; nothing to copy.")
        chunk_size = options["chunk_size"]
        if chunk_size < 1:
            raise CommandError("--chunk-size must be a positive number.")
        source, destination = build_backend(source_name), build_backend(destination_name)
        origin, target = describe(source, writing=False), describe(destination, writing=True)
        quiet = options.get("verbosity", 1) == 0
        if not quiet:
            self.stdout.write(f"Reading from {origin}\nWriting to {target}")
        path = options["checkpoint"] or f"sequere_migrate-{_slug(source_name)}-{_slug(destination_name)}.json"
        state = self._load(path, source_name, destination_name, restart=options["restart"])
        if state["done"] == 0:
            state["before"] = destination.total_edges()
        total = source.total_edges()
        progress = Progress(self.stderr, "sequere_migrate", every=chunk_size, total=total, enabled=not quiet)
        progress.advance(state["done"])
        copied_now = 0
        limit = options["limit"]
        for chunk in _skip(source.iter_edges(chunk_size=chunk_size), state["done"]):
            if limit is not None and copied_now + len(chunk) > limit:
                chunk = chunk[: limit - copied_now]
            state["new"] += destination.add_many(chunk)
            state["done"] += len(chunk)
            copied_now += len(chunk)
            _save(path, state)
            progress.advance(len(chunk))
            if limit is not None and copied_now >= limit:
                progress.finish()
                self.stdout.write(
                    f"Stopped after {copied_now} edges ({state['done']}/{total} done); "
                    f"run the same command again to continue from {path}."
                )
                return
        progress.finish()
        self._verify(source, destination, state, total)
        relations = self._copy_relations(source, destination, chunk_size)
        requests = self._copy_requests(source, destination, chunk_size)
        if os.path.exists(path):  # no chunk, no checkpoint: an empty source writes none
            os.remove(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"Copied {state['done']} edges ({state['new']} new) from {origin} to {target}; "
                "counts verified."
            )
        )
        if any(relations.values()):
            self.stdout.write(f"Copied {relations[BLOCKS]} blocks and {relations[MUTES]} mutes.")
        if requests:
            self.stdout.write(f"Copied {requests} pending follow requests.")

    @staticmethod
    def _copy_relations(source: BaseBackend, destination: BaseBackend, chunk_size: int) -> dict[str, int]:
        """Blocks and mutes, after the edges (a block removes edges; the source holds none across
        one). Idempotent: a block or mute already there keeps its date. ``{}`` when either
        backend stores none."""
        if not (source.supports_relations and destination.supports_relations):
            return {}
        copied = {BLOCKS: 0, MUTES: 0}
        for kind, write in ((BLOCKS, destination.block), (MUTES, destination.mute)):
            for chunk in source.iter_relations(kind, chunk_size=chunk_size):
                for from_ref, to_ref, created_at in chunk:
                    write(from_ref, to_ref, created_at)
                copied[kind] += len(chunk)
        return copied

    @staticmethod
    def _copy_requests(source: BaseBackend, destination: BaseBackend, chunk_size: int) -> int:
        """Pending follow requests, last (a request is refused beside an edge or a block, and
        the source holds none beside either). Idempotent: one already there keeps its date.
        0 when either backend stores none."""
        try:
            chunks = source.iter_requests(chunk_size=chunk_size)
        except NotImplementedError:
            return 0
        copied = 0
        for chunk in chunks:
            for from_ref, to_ref, created_at in chunk:
                try:
                    destination.add_request(from_ref, to_ref, created_at)
                except NotImplementedError:
                    return 0
                copied += 1
        return copied

    def _load(self, path: str, source: str, destination: str, *, restart: bool) -> dict[str, Any]:
        fresh = {"from": source, "to": destination, "done": 0, "new": 0, "before": 0}
        if restart or not os.path.exists(path):
            return fresh
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        if (state.get("from"), state.get("to")) != (source, destination):
            raise CommandError(
                f"{path} is the checkpoint of a migration from {state.get('from')} to {state.get('to')}; "
                "pass another --checkpoint or --restart."
            )
        self.stderr.write(f"Resuming from {path}: {state['done']} edges already copied.")
        return {**fresh, **state}

    def _verify(self, source: BaseBackend, destination: BaseBackend, state: dict, total: int) -> None:
        after = destination.total_edges()
        if state["done"] != total or after != state["before"] + state["new"]:
            raise CommandError(
                f"Verification failed: the source holds {total} edges and {state['done']} were copied; "
                f"the destination held {state['before']}, gained {state['new']} new and now holds {after}. "
                "Was either store written to meanwhile? Run again with --restart (copying is idempotent)."
            )
        refs: set[Ref] = set()
        for chunk in source.iter_edges(chunk_size=SAMPLE):
            refs.update(ref for edge in chunk for ref in edge[:2])
            break
        for ref in list(refs)[:SAMPLE]:
            for kind in (FOLLOWERS, FOLLOWINGS):
                want, got = source.count(kind, ref), destination.count(kind, ref)
                if got < want:
                    raise CommandError(
                        f"Verification failed: {ref.identifier}:{ref.object_id} has {want} {kind} in the "
                        f"source but {got} in the destination. Run again with --restart."
                    )


def _slug(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower()


def _save(path: str, state: dict[str, Any]) -> None:
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(temporary, path)


def _skip(chunks: Iterator[Chunk], count: int) -> Iterator[Chunk]:
    """``chunks`` without their first ``count`` edges (already copied by an earlier run)."""
    for chunk in chunks:
        if count >= len(chunk):
            count -= len(chunk)
            continue
        yield chunk[count:]
        count = 0
