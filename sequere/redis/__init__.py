"""The one Redis layer under sequere's Redis backends (the follow and the timeline backend alike).

* :mod:`sequere.redis.clients` builds the configured client of each backend from its settings
  (URL, dict or Redis Cluster, through the configured client class), once, on first use;
* :mod:`sequere.redis.link` is a backend's handle on that client: redis-py's connection errors
  translated into :class:`~sequere.exceptions.BackendUnavailableException` (by
  :mod:`sequere.redis.errors`), and the Lua scripts run with the client's ``evalsha`` (``eval``
  once where a server does not know them), alone or in pipelines;
* :mod:`sequere.redis.scripts` declares a script from its ``.lua`` file, with named keys,
  arguments and results;
* :mod:`sequere.redis.keys` holds the one escaping rule and the prefix rule of every key name.

Every command goes through the configured client object's public API, pipelines included, so a
client class of the project's own, ``retry=`` options, timeouts and instrumentation see them all.
redis-py itself is imported on first use only: importing sequere never needs it.
"""

from .clients import build_client, get_client, import_redis, is_cluster
from .link import Link, Pipeline

__all__ = ["Link", "Pipeline", "build_client", "get_client", "import_redis", "is_cluster"]
