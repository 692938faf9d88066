"""Redis clients built from settings, once per process, on first use.

Each Redis backend belongs to a *group* of settings: ``"follow"`` (the follow backend) or
``"timeline"`` (the timeline's Redis backend); :data:`GROUPS` names them.

``SEQUERE_REDIS_CONNECTION`` (and ``SEQUERE_TIMELINE_REDIS_CONNECTION``) take:

* a URL: ``redis://[user:password@]host:6379/0``, ``rediss://...`` (TLS) or
  ``unix:///path/to/redis.sock?db=0``;
* a dict of keyword arguments for the client: ``{"host": "localhost", "port": 6379, "db": 0}``;
* Redis Cluster, either as a URL with the ``redis+cluster://`` (or ``rediss+cluster://``) scheme
  naming one node, or a dict with ``"cluster": True`` and ``"startup_nodes"``::

      SEQUERE_REDIS_CONNECTION = {
          "cluster": True,
          "startup_nodes": [("10.0.0.1", 7000), ("10.0.0.2", 7000)],
      }

``SEQUERE_REDIS_CONNECTION_CLASS`` / ``SEQUERE_TIMELINE_CONNECTION_CLASS`` replace
``redis.Redis`` by another client class (it gets the same URL or keyword arguments). Clients
always decode responses to ``str``.

The async API (``afollow``, ``Timeline.asave``, ...) talks to the same servers through
``redis.asyncio`` clients built from the same connection setting by :func:`get_async_client`:
``redis.asyncio.Redis``, or ``redis.asyncio.RedisCluster`` when the setting names a cluster, or
the class ``SEQUERE_REDIS_ASYNC_CONNECTION_CLASS`` / ``SEQUERE_TIMELINE_ASYNC_CONNECTION_CLASS``
names. An asyncio client belongs to the event loop it first ran on, so there is one per loop.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ..conf import on_reload, sequere_settings


@dataclass(frozen=True)
class Group:
    """The settings of one Redis backend, and how its errors name it."""

    #: ``"follow"`` or ``"timeline"``: the word error messages use for the backend
    name: str
    #: the setting holding the URL or dict, without ``SEQUERE_``
    connection_setting: str
    #: the setting holding the client class, without ``SEQUERE_``
    class_setting: str
    #: what an error message says about retrying the failed call
    retry_note: str
    #: the setting holding the ``redis.asyncio`` client class of the async API, without ``SEQUERE_``
    async_class_setting: str = ""


GROUPS = {
    "follow": Group(
        "follow",
        "REDIS_CONNECTION",
        "REDIS_CONNECTION_CLASS",
        "retrying is safe (a retried follow or unfollow changes nothing twice)",
        "REDIS_ASYNC_CONNECTION_CLASS",
    ),
    "timeline": Group(
        "timeline",
        "TIMELINE_REDIS_CONNECTION",
        "TIMELINE_CONNECTION_CLASS",
        "timeline writes are idempotent, so retrying is safe",
        "TIMELINE_ASYNC_CONNECTION_CLASS",
    ),
}
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}

_clients: dict[str, Any] = {}
#: Sockets one asyncio client (one event loop) opens to a single Redis at most; more concurrent
#: calls wait for a free one, up to ASYNC_POOL_TIMEOUT seconds.
ASYNC_MAX_CONNECTIONS = 50
ASYNC_POOL_TIMEOUT = 20
#: event loop -> group -> its asyncio client (a loop's clients go when the loop does)
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)

NYDUS_MESSAGE = (
    "SEQUERE_TIMELINE_NYDUS_CONNECTION is set, but nydus only runs on Python 2 and cannot be "
    "imported here. Remove it and scale out with Redis Cluster instead, e.g.\n"
    "    SEQUERE_TIMELINE_REDIS_CONNECTION = {\n"
    "        'cluster': True,\n"
    "        'startup_nodes': [('10.0.0.1', 7000), ('10.0.0.2', 7000), ('10.0.0.3', 7000)],\n"
    "    }\n"
    "or SEQUERE_TIMELINE_REDIS_CONNECTION = 'redis+cluster://10.0.0.1:7000/0'."
)


def import_redis() -> Any:
    """The ``redis`` module, or an ImproperlyConfigured naming the extra to install."""
    try:
        import redis
    except ImportError as exc:
        raise ImproperlyConfigured(
            "sequere's Redis backends need redis-py: pip install 'django-sequere[redis]'."
        ) from exc
    return redis


def get_client(group: str = "follow") -> Any:
    """The shared client of ``group`` (``"follow"`` or ``"timeline"``), built on first call."""
    client = _clients.get(group)
    if client is None:
        if group == "timeline" and sequere_settings.TIMELINE_NYDUS_CONNECTION:
            raise ImproperlyConfigured(NYDUS_MESSAGE)
        connection, client_class, setting = _group_settings(group)
        client = build_client(connection, client_class, setting=setting)
        _clients[group] = client
    return client


def check_connection(group: str) -> None:
    """Validate ``group``'s connection settings without connecting; ImproperlyConfigured if wrong.

    The system checks call it: the value is a URL of a known scheme or a dict, and the client
    class imports. redis-py need not be installed.
    """
    connection, _, setting = _group_settings(group)
    _connection_kind(connection, setting)


def _group_settings(group: str) -> tuple[Any, type | None, str]:
    settings = GROUPS[group]
    client_class = getattr(sequere_settings, settings.class_setting)
    if client_class is not None and not isinstance(client_class, type):
        raise ImproperlyConfigured(
            f"SEQUERE_{settings.class_setting} = {client_class!r} is not a class; name a subclass of "
            "redis.Redis (or redis.RedisCluster) by its dotted path."
        )
    return (
        sequere_settings.raw(settings.connection_setting),
        client_class,
        f"SEQUERE_{settings.connection_setting}",
    )


def _connection_kind(connection: Any, setting: str) -> str:
    """``"url"``, ``"cluster-url"``, ``"dict"`` or ``"cluster-dict"``; ImproperlyConfigured otherwise."""
    if isinstance(connection, str):
        scheme, sep, _ = connection.partition("://")
        if not sep:
            raise ImproperlyConfigured(
                f"{setting} = {connection!r} is not a URL; use e.g. 'redis://localhost:6379/0' "
                "or a dict such as {'host': 'localhost', 'port': 6379, 'db': 0}."
            )
        if scheme in CLUSTER_SCHEMES:
            return "cluster-url"
        if scheme not in ("redis", "rediss", "unix"):
            raise ImproperlyConfigured(
                f"{setting} has the scheme {scheme!r}; use redis://, rediss://, unix:// or redis+cluster://."
            )
        return "url"
    if isinstance(connection, dict):
        return "cluster-dict" if connection.get("cluster") else "dict"
    raise ImproperlyConfigured(
        f"{setting} must be a URL string or a dict of client arguments, not {type(connection).__name__}."
    )


def is_cluster(client: Any) -> bool:
    """Whether ``client`` is a redis-py ``RedisCluster`` (``redis.asyncio``'s included)."""
    redis = import_redis()
    if isinstance(client, redis.RedisCluster):
        return True
    from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster

    return isinstance(client, AsyncRedisCluster)


def get_async_client(group: str = "follow") -> Any:
    """The ``redis.asyncio`` client of ``group`` for the running event loop, built on first call.

    Built from the same connection setting as :func:`get_client` (see the module docstring); it
    opens no connection until its first command.
    """
    loop = asyncio.get_running_loop()
    clients = _async_clients.setdefault(loop, {})
    client = clients.get(group)
    if client is None:
        if group == "timeline" and sequere_settings.TIMELINE_NYDUS_CONNECTION:
            raise ImproperlyConfigured(NYDUS_MESSAGE)
        connection, _, setting = _group_settings(group)
        client_class = getattr(sequere_settings, GROUPS[group].async_class_setting)
        if client_class is not None and not isinstance(client_class, type):
            raise ImproperlyConfigured(
                f"SEQUERE_{GROUPS[group].async_class_setting} = {client_class!r} is not a class; name a "
                "subclass of redis.asyncio.Redis (or redis.asyncio.RedisCluster) by its dotted path."
            )
        client = build_async_client(connection, client_class, setting=setting)
        clients[group] = client
    return client


def build_async_client(connection: Any, client_class: type | None = None, *, setting: str = "") -> Any:
    """A new ``redis.asyncio`` client for a connection setting value, as :func:`build_client`.

    No I/O: a cluster client reads the cluster's layout on its first command (or ``initialize()``).
    """
    kind = _connection_kind(connection, setting)
    import_redis()
    from redis import asyncio as aredis
    from redis.asyncio.cluster import ClusterNode

    if kind == "cluster-url":
        scheme, _, rest = connection.partition("://")
        url = f"{CLUSTER_SCHEMES[scheme]}://{rest}"
        return (client_class or aredis.RedisCluster).from_url(url, decode_responses=True)
    if kind == "url":
        # a waiting pool: many tasks share ASYNC_MAX_CONNECTIONS sockets (``?max_connections=``
        # in the URL overrides it) instead of failing once the pool is full
        pool = aredis.BlockingConnectionPool.from_url(
            connection,
            decode_responses=True,
            max_connections=ASYNC_MAX_CONNECTIONS,
            timeout=ASYNC_POOL_TIMEOUT,
        )
        return (client_class or aredis.Redis)(connection_pool=pool)
    options = {**connection, "decode_responses": True}
    if kind == "cluster-dict":
        del options["cluster"]
        nodes = options.pop("startup_nodes", None)
        if nodes:
            options["startup_nodes"] = [
                ClusterNode(**n)
                if isinstance(n, dict)
                else ClusterNode(n.host, n.port)
                if hasattr(n, "host")
                else ClusterNode(*n)
                for n in nodes
            ]
        return (client_class or aredis.RedisCluster)(**options)
    options.pop("cluster", None)
    options.setdefault("max_connections", ASYNC_MAX_CONNECTIONS)
    options.setdefault("timeout", ASYNC_POOL_TIMEOUT)
    pool_options = {name: options.pop(name) for name in ("max_connections", "timeout")}
    pool = aredis.BlockingConnectionPool(**pool_options, **options)
    return (client_class or aredis.Redis)(connection_pool=pool)


def build_client(connection: Any, client_class: type | None = None, *, setting: str = "") -> Any:
    """A new client for a connection setting value (URL or dict); see the module docstring.

    A plain client opens no connection until its first command; redis-py's ``RedisCluster``
    reads the cluster's layout from a startup node as it is built, which is why backends build
    their client on first use.
    """
    kind = _connection_kind(connection, setting)
    redis = import_redis()
    if kind == "cluster-url":
        scheme, _, rest = connection.partition("://")
        url = f"{CLUSTER_SCHEMES[scheme]}://{rest}"
        return (client_class or redis.RedisCluster).from_url(url, decode_responses=True)
    if kind == "url":
        return (client_class or redis.Redis).from_url(connection, decode_responses=True)
    options = {**connection, "decode_responses": True}
    if kind == "cluster-dict":
        del options["cluster"]
        nodes = options.pop("startup_nodes", None)
        if nodes:
            options["startup_nodes"] = [
                n
                if isinstance(n, redis.cluster.ClusterNode)
                else redis.cluster.ClusterNode(**n)
                if isinstance(n, dict)
                else redis.cluster.ClusterNode(*n)
                for n in nodes
            ]
        return (client_class or redis.RedisCluster)(**options)
    options.pop("cluster", None)
    return (client_class or redis.Redis)(**options)


@on_reload
def reset_clients() -> None:
    """Close and forget every client (settings changed)."""
    for client in _clients.values():
        try:
            client.close()
        except Exception:  # noqa: BLE001 - a broken client is being thrown away anyway
            pass
    _clients.clear()
    # asyncio clients cannot be closed from here (no loop to await on): they are dropped, and
    # their connections closed as they are collected
    _async_clients.clear()
