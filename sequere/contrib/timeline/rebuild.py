"""Rebuild one resource's private timeline from its followings' public timelines.

Used by ``manage.py sequere_rebuild_timeline`` after follows were imported around the signals
(``sequere_migrate``, a restore, ``SEQUERE_TIMELINE_IMPORT_ON_FOLLOW`` off for a while) or a
timeline store was lost. Only the backend contracts are used, so it works on every follow and
timeline backend, and every write is idempotent: running it twice changes nothing more.
"""

from __future__ import annotations

from typing import Any

from ...backends import FOLLOWINGS, get_backend
from ...conf import sequere_settings
from ...refs import Ref
from ...timeutils import now_micros
from .backends import get_timeline_backend
from .records import PRIVATE

#: Private timeline entries read per page when looking for actors to prune.
PAGE_SIZE = 500


def rebuild_private_timeline(
    owner: Ref, *, prune: bool = False, chunk_size: int | None = None
) -> dict[str, Any]:
    """Copy into ``owner``'s private timeline what it would hold had every follow gone through sequere.

    * the newest ``SEQUERE_TIMELINE_POPULATE_RANGE`` public actions of each resource it follows
      (followings read from the follow backend in chunks of ``chunk_size``, default
      ``SEQUERE_TIMELINE_DISPATCH_RANGE``); an unfollow racing the rebuild is respected;
    * its own public actions (up to ``SEQUERE_TIMELINE_MAX_LENGTH``);
    * with ``prune``, the actions of actors it no longer follows are removed. Off by default: an
      action saved directly into this timeline by another actor (``Timeline(owner).save(...)``)
      would go too.

    Returns ``{"followings": n, "added": entries, "removed": entries}``: how many entries the
    private timeline gained (0 when it was already complete; capped timelines count what is left
    after trimming) and how many ``prune`` removed.
    """
    follows = get_backend()
    timelines = get_timeline_backend()
    limit = int(sequere_settings.TIMELINE_POPULATE_RANGE)
    chunks = follows.iter_refs(FOLLOWINGS, owner, chunk_size or sequere_settings.TIMELINE_DISPATCH_RANGE)
    followed: set[Ref] = set()
    before = timelines.count(owner, PRIVATE)
    while True:
        since = now_micros()  # taken before reading: a later unfollow wins (see deliver)
        chunk = next(chunks, None)
        if chunk is None:
            break
        for source in chunk:
            followed.add(source)
            timelines.import_actions(owner, source, limit=limit, since=since)
    timelines.import_actions(owner, owner, limit=int(sequere_settings.TIMELINE_MAX_LENGTH))
    added = max(timelines.count(owner, PRIVATE) - before, 0)
    removed = _prune(owner, followed) if prune else 0
    return {"followings": len(followed), "added": added, "removed": removed}


def _prune(owner: Ref, followed: set[Ref]) -> int:
    follows, timelines = get_backend(), get_timeline_backend()
    strangers: set[Ref] = set()
    total = timelines.count(owner, PRIVATE)
    for offset in range(0, total, PAGE_SIZE):
        for record in timelines.fetch(owner, PRIVATE, offset=offset, limit=PAGE_SIZE):
            if record.actor != owner and record.actor not in followed:
                strangers.add(record.actor)
    removed = 0
    for actor in sorted(strangers):
        at = now_micros()
        if not follows.exists(owner, actor):  # followed since the followings were read
            removed += timelines.remove_actor(owner, actor, at=at)
    return removed
