"""Consistency audit of the Redis timeline store (``manage.py sequere_check`` calls it).

Every timeline of every owner (found by ``SCAN``) is checked:

* entries whose action is no longer in the action store (a deleted action whose copies in other
  owners' timelines were not retracted yet, or a store written around sequere). Readers skip
  them; repair: they are removed;
* timelines holding more than ``SEQUERE_TIMELINE_MAX_LENGTH`` entries (the
  setting was lowered). Repair: trimmed to the newest ones, as every write does.

The audit reads the store through the backend's public surface (:class:`Store`).
"""

from __future__ import annotations

from typing import Any, Protocol

from ....redis.link import Link
from .entries import unpack_id
from .keys import KeyBuilder

#: Entries read per page, and problems listed in full (beyond it only their number).
BATCH = 500
MAX_LISTED = 1000


class Store(Protocol):
    """What the audit needs of :class:`~sequere.contrib.timeline.backends.redis.RedisBackend`."""

    @property
    def link(self) -> Link: ...

    @property
    def keys(self) -> KeyBuilder: ...


def audit_timelines(store: Store, max_length: int, *, fix: bool = False) -> dict[str, Any]:
    """``{"checked": entries examined, "problems": [text, ...], "fixed": repairs made}``."""
    link, keys = store.link, store.keys
    checked = fixed = 0
    problems: list[str] = []
    with link.errors:
        timeline_keys = list(link.client.scan_iter(match=keys.timeline_pattern(), count=1000))
    for key in timeline_keys:
        length, gone = _check(link, keys, key, fix)
        checked += length
        if gone:
            problems.append(f"{key} holds {gone} entries whose action is gone")
            fixed += int(fix)
        if length - (gone if fix else 0) > max_length:
            problems.append(
                f"{key} holds {length} entries, more than SEQUERE_TIMELINE_MAX_LENGTH = {max_length}"
            )
            if fix:
                with link.errors:
                    link.client.ltrim(key, -max_length, -1)
                fixed += 1
    if len(problems) > MAX_LISTED:
        more = len(problems) - MAX_LISTED
        problems = [*problems[:MAX_LISTED], f"... and {more} more problems not listed"]
        fixed = min(fixed, len(problems))
    return {"checked": checked, "problems": problems, "fixed": fixed}


def _check(link: Link, keys: KeyBuilder, key: str, fix: bool) -> tuple[int, int]:
    """(entries of ``key``, entries whose action is gone), removing the latter with ``fix``."""
    length = gone = start = 0
    while True:
        with link.errors:
            batch = link.client.execute_command("LRANGE", key, start, start + BATCH - 1, NEVER_DECODE=True)
        if not batch:
            return length, gone
        length += len(batch)
        pipe = link.pipeline()
        for entry in batch:
            pipe.pipe.exists(keys.action(unpack_id(entry)))
        missing = [entry for entry, found in zip(batch, pipe.execute(), strict=True) if not found]
        gone += len(missing)
        if missing and fix:
            pipe = link.pipeline()
            for entry in missing:
                pipe.pipe.lrem(key, 0, entry)
            pipe.execute()
        start += BATCH - (len(missing) if fix else 0)
        if len(batch) < BATCH:
            return length, gone
