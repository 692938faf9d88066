"""The fan-out jobs: plain, idempotent functions of JSON data.

Every job takes refs as ``[identifier, object_id]`` lists and records as
:meth:`ActionRecord.to_dict` output, and re-reads what it needs when it runs, so running it again
(a Celery retry or redelivery) changes nothing. :func:`sequere.contrib.timeline.fanout.enqueue`
runs them in the calling process or sends the Celery task that wraps each one
(:mod:`sequere.contrib.timeline.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...backends import FOLLOWERS, get_backend
from ...conf import sequere_settings
from ...refs import Ref
from ...timeutils import now_micros
from .backends import get_timeline_backend
from .records import ActionRecord

__all__ = ["JOBS", "dispatch", "import_actions", "remove_actions", "retract"]


def _ref(value: Sequence[str]) -> Ref:
    identifier, object_id = value
    return Ref(str(identifier), str(object_id))


def _walk_followers(actor: Ref, write: Callable[[list[Ref], int], int]) -> int:
    """Call ``write(chunk, since)`` for each chunk of ``actor``'s followers; sum what it returns.

    ``since`` is taken just before the chunk is read from the follow backend.
    """
    chunks = get_backend().iter_refs(FOLLOWERS, actor, sequere_settings.TIMELINE_DISPATCH_RANGE)
    total = 0
    while True:
        since = now_micros()
        chunk = next(chunks, None)
        if chunk is None:
            return total
        total += write(chunk, since)


def dispatch(record: dict[str, Any]) -> int:
    """Put a saved action in the private timeline of every follower of its actor.

    Followers are read in chunks of ``SEQUERE_TIMELINE_DISPATCH_RANGE`` straight from the follow
    backend (no instance loaded); each chunk is one backend write. A follower who unfollows while
    this runs does not keep the action. Returns how many timelines were written.
    """
    action = ActionRecord.from_dict(record)
    backend = get_timeline_backend()
    if action.id not in backend.get_records([action.id]):
        return 0  # deleted before the fan-out ran
    return _walk_followers(action.actor, lambda chunk, since: backend.deliver([action], chunk, since=since))


def retract(record: dict[str, Any]) -> int:
    """Remove a deleted action from the private timeline of every follower of its actor."""
    action = ActionRecord.from_dict(record)
    backend = get_timeline_backend()
    return _walk_followers(action.actor, lambda chunk, since: backend.retract([action], chunk))


def import_actions(owner: Sequence[str], source: Sequence[str]) -> int:
    """``owner`` now follows ``source``: copy ``source``'s recent public actions to ``owner``.

    At most ``SEQUERE_TIMELINE_POPULATE_RANGE`` actions; nothing when ``owner`` no longer follows
    ``source`` by the time the job runs. Returns how many actions were written.
    """
    owner_ref, source_ref = _ref(owner), _ref(source)
    since = now_micros()
    if not get_backend().exists(owner_ref, source_ref):
        return 0
    return get_timeline_backend().import_actions(
        owner_ref, source_ref, limit=sequere_settings.TIMELINE_POPULATE_RANGE, since=since
    )


def remove_actions(owner: Sequence[str], actor: Sequence[str]) -> int:
    """``owner`` unfollowed ``actor``: remove ``actor``'s actions from ``owner``'s private timeline.

    Nothing is removed when ``owner`` follows ``actor`` again by the time the job runs. Returns
    how many actions were removed.
    """
    owner_ref, actor_ref = _ref(owner), _ref(actor)
    at = now_micros()
    if get_backend().exists(owner_ref, actor_ref):
        return 0
    return get_timeline_backend().remove_actor(owner_ref, actor_ref, at=at)


#: Every job, in the order the Celery tasks are declared.
JOBS: tuple[Callable[..., int], ...] = (dispatch, retract, import_actions, remove_actions)
