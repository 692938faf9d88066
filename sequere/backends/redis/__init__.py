"""The Redis follow backend: ``SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"``.

Needs redis-py (``pip install 'django-sequere[redis]'``); it is imported on first use only.
"""

from .backend import RedisBackend

__all__ = ["RedisBackend"]
