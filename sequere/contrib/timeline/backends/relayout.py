"""Rewrite Redis timelines of the layout before version 2 into the packed layout of today.

``manage.py sequere_rebuild_timeline --relayout`` runs :func:`relayout`. The old layout kept each
timeline as sorted sets of 32-character action ids (the timeline, one per filtered view, and a
per-actor index, see :mod:`sequere.contrib.timeline.backends.keys`). For each old timeline it:

1. reads the ids and loads their actions;
2. gives each action a compact id, the first 16 of its 32 hex digits (the same id whichever
   timeline it is met in, so every copy agrees), and stores it under that id (``SET NX``: an
   action already copied is left alone; two old ids sharing their first 16 digits keep their
   old ids);
3. adds the entries to the new list with the ``push`` script every write uses (in order,
   idempotent, trimmed), so deliveries that reach the new list meanwhile are kept;
4. deletes the old sorted sets of that timeline.

At the end one ``SCAN`` deletes old views nothing named, and the old-id actions whose compact
copy holds the same action are deleted. Every step is idempotent, so a run that stopped (Ctrl-C,
a failover) is resumed by running the command again: converted timelines have no old keys left
and are not visited twice.

What to know before running it:

* **Action ids change** from 32 to 16 hex digits (:attr:`Action.id
  <sequere.contrib.timeline.Action.id>` of stored actions). Drain the fan-out jobs queued before
  the upgrade first (workers idle, ``sequere_check`` showing no pending job): a job still
  carrying an old id would write or retract the old id. Ids the project stored elsewhere keep
  working if shortened to their first 16 digits.
* Until a timeline is rewritten, readers see only what was written to it since the upgrade: run
  the command right after deploying. An unfollow made in between removes the actor's entries
  from the new list only; the rewrite brings the old ones back, so run
  ``sequere_rebuild_timeline --all --prune`` after it if unfollows happened meanwhile.
* Entries of actions saved into another owner's timeline cannot be told apart from delivered
  ones in the old layout, so their actions are not collected when trimmed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ....redis.keys import unescape
from ....refs import Ref
from ..records import ActionRecord

OLD_ID = re.compile(r"[0-9a-f]{32}")
#: Old timelines whose keys are read per SCAN page.
SCAN_COUNT = 500


def _owner(owner_start: str) -> Ref:
    tag = owner_start[owner_start.index("{") + 1 : -1]
    identifier, _, object_id = tag.partition(":")
    return Ref(unescape(identifier), unescape(object_id))


def old_timelines(backend: Any) -> Iterator[str]:
    """Every main sorted set of the old layout under the backend's prefix."""
    link, keys = backend.link, backend.keys
    with link.errors:
        for key in link.client.scan_iter(match=keys.old_pattern(), count=SCAN_COUNT, _type="zset"):
            if keys.old_owner(key) is not None:
                yield key


def _compact(record: ActionRecord) -> ActionRecord:
    if not OLD_ID.fullmatch(record.id):
        return record
    return ActionRecord(record.id[:16], record.verb, record.actor, record.date, record.target, record.data)


def relayout_timeline(backend: Any, key: str) -> int:
    """Rewrite one old timeline (its main sorted set ``key``); returns how many entries moved."""
    link, keys = backend.link, backend.keys
    owner_start, kind = keys.old_owner(key)
    owner = _owner(owner_start)
    with link.errors:
        old_ids = link.client.zrange(key, 0, -1)
    found = backend.get_records(old_ids) if old_ids else {}
    records = [found[action_id] for action_id in old_ids if action_id in found]
    moved: list[ActionRecord] = []
    pipe = link.pipeline()
    for record in records:
        new = _compact(record)
        pipe.pipe.set(keys.action(new.id), new.to_json(), nx=True)
        moved.append(new)
    claimed = pipe.execute() if moved else []
    kept: list[ActionRecord] = []
    if moved:
        # a NX that failed found the compact id taken: by this very action, or by another one
        taken = [new for new, fresh in zip(moved, claimed, strict=True) if not fresh]
        holders = backend.get_records([new.id for new in taken])
        for old, new, fresh in zip(records, moved, claimed, strict=True):
            kept.append(new if fresh or new.id == old.id or _same(holders.get(new.id), new) else old)
    pipe = link.pipeline()
    for record in kept:
        backend.queue_push(pipe, record, [owner], kind)
    for old_key in [key, *keys.old_views(owner_start, kind, records)]:
        pipe.pipe.delete(old_key)
    backend.finish(pipe.execute())
    return len(kept)


def _same(stored: ActionRecord | None, new: ActionRecord) -> bool:
    return stored is not None and json.loads(stored.to_json()) == json.loads(new.to_json())


def collect_old_actions(backend: Any) -> int:
    """Delete every old-id action whose compact copy holds the same action; returns how many."""
    link, keys = backend.link, backend.keys
    deleted = 0
    with link.errors:
        old = [
            key
            for key in link.client.scan_iter(match=keys.action_pattern(), count=1000)
            if OLD_ID.fullmatch(_id_of(key))
        ]
    for start in range(0, len(old), 500):
        old_ids = [_id_of(key) for key in old[start : start + 500]]
        found = backend.get_records(old_ids + [old_id[:16] for old_id in old_ids])
        pipe = link.pipeline()
        for old_id in old_ids:
            if old_id in found and _same(found.get(old_id[:16]), _compact(found[old_id])):
                pipe.pipe.delete(keys.action(old_id))
        if len(pipe):
            deleted += sum(pipe.execute())
    return deleted


def _id_of(action_key: str) -> str:
    return unescape(action_key[action_key.rindex("{") + 1 : -1])


def sweep_old_views(backend: Any) -> int:
    """Delete old-layout views and indexes no converted timeline named (one ``SCAN``); their number."""
    link, keys = backend.link, backend.keys
    with link.errors:
        left = list(link.client.scan_iter(match=keys.old_extras_pattern(), count=1000, _type="zset"))
        for start in range(0, len(left), 500):
            link.client.delete(*left[start : start + 500])
    return len(left)


def relayout(backend: Any, *, advance: Callable[[int], None] | None = None) -> dict[str, int]:
    """Rewrite every old timeline, then drop what is left of the old layout and the old actions.

    Returns ``{"timelines", "entries", "actions"}``: timelines rewritten, entries moved, old-id
    actions deleted.
    """
    timelines = moved = 0
    for key in old_timelines(backend):
        moved += relayout_timeline(backend, key)
        timelines += 1
        if advance is not None:
            advance(1)
    sweep_old_views(backend)
    return {"timelines": timelines, "entries": moved, "actions": collect_old_actions(backend)}


__all__ = ["collect_old_actions", "old_timelines", "relayout", "relayout_timeline"]
