"""What the suite leaves in a Redis it does not own (``REDIS_URL``): listed, deleted, checked.

``tests/conftest.py`` lists every key of that server before the session and again after it, and
fails the run if keys appeared that nobody deleted; tests that write outside the keys they clean
with ``flushdb`` delete theirs with :func:`delete_keys`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Keys named in a failure message, at most.
SHOWN = 20


def _client(url: str, db: int | None = None):
    import redis

    if db is not None:
        url = urlsplit(url)._replace(path=f"/{db}").geturl()
    return redis.Redis.from_url(url, decode_responses=True)


def all_keys(url: str) -> set[tuple[int, str]]:
    """``(db, key)`` of every key in every database of the server at ``url``."""
    with _client(url) as client:
        databases = [int(name[2:]) for name in client.info("keyspace")]
    found: set[tuple[int, str]] = set()
    for db in databases:
        with _client(url, db) as client:
            found.update((db, key) for key in client.scan_iter(count=1000))
    return found


def delete_keys(url: str, pattern: str) -> int:
    """Delete the keys matching ``pattern`` in the database of ``url``; return how many there were."""
    with _client(url) as client:
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    return len(keys)


def describe(keys: set[tuple[int, str]]) -> str:
    """The first :data:`SHOWN` keys, as ``db 0: key`` lines."""
    shown = sorted(keys)[:SHOWN]
    more = f"\n... and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return "\n".join(f"db {db}: {key}" for db, key in shown) + more
