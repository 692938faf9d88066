"""The fan-out jobs: plain, idempotent functions of JSON data.

Every job takes refs as ``[identifier, object_id]`` lists and records as
:meth:`ActionRecord.to_dict` output, and re-reads what it needs when it runs, so running it again
(a Celery retry or redelivery) changes nothing. They are queued through the outbox
(:func:`sequere.outbox.enqueue`), which runs them in the calling process or sends the Celery task
that wraps each one (:mod:`sequere.contrib.timeline.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...backends import FOLLOWERS, get_backend
from ...conf import sequere_settings
from ...outbox import spawn
from ...refs import Ref
from ...timeutils import now_micros
from .backends import get_timeline_backend
from .records import ActionRecord

__all__ = [
    "JOBS",
    "deliver",
    "dispatch",
    "forget_chunk",
    "forget_timelines",
    "import_actions",
    "remove_actions",
    "retract",
    "retract_chunk",
]


def _ref(value: Sequence[str]) -> Ref:
    identifier, object_id = value
    return Ref(str(identifier), str(object_id))


def _refs(values: Sequence[Sequence[str]]) -> list[Ref]:
    return [_ref(value) for value in values]


def _spread(actor: Ref, job: Callable[..., Any], record: dict[str, Any], *, count: bool = True) -> int:
    """Run ``job(record=..., followers=chunk, since=...)`` for each chunk of ``actor``'s followers.

    Chunks of ``SEQUERE_TIMELINE_DISPATCH_RANGE`` refs are read straight from the follow backend
    (no instance loaded); ``since`` is taken just before each chunk is read. In this process each
    chunk job runs at once and the sum of what they return is returned; on workers each chunk is
    a task of its own, so a large fan-out is shared by the workers and a redelivery repeats one
    chunk, and the number of chunks sent is returned.
    """
    chunks = get_backend().iter_refs(FOLLOWERS, actor, sequere_settings.TIMELINE_DISPATCH_RANGE)
    total = 0
    while True:
        since = now_micros()
        chunk = next(chunks, None)
        if chunk is None:
            return total
        result = spawn(job, record=record, followers=[list(ref) for ref in chunk], since=since)
        total += 1 if result is None or not count else result


def dispatch(record: dict[str, Any]) -> int:
    """Put a saved action in the private timeline of every follower of its actor, chunk by chunk.

    Each chunk is a :func:`deliver` job; a follower who unfollows while this runs does not keep
    the action. Returns how many timelines were written (in this process) or chunks sent (on
    workers); 0 when the action was deleted before the fan-out ran.
    """
    action = ActionRecord.from_dict(record)
    if action.id not in get_timeline_backend().get_records([action.id]):
        return 0
    return _spread(action.actor, deliver, record)


def deliver(record: dict[str, Any], followers: Sequence[Sequence[str]], since: int) -> int:
    """One chunk of :func:`dispatch`: one backend write; returns how many timelines were written."""
    return get_timeline_backend().deliver([ActionRecord.from_dict(record)], _refs(followers), since=since)


def retract(record: dict[str, Any]) -> int:
    """Remove a deleted action from the private timeline of every follower of its actor."""
    return _spread(ActionRecord.from_dict(record).actor, retract_chunk, record)


def retract_chunk(record: dict[str, Any], followers: Sequence[Sequence[str]], since: int) -> int:
    """One chunk of :func:`retract`."""
    return get_timeline_backend().retract([ActionRecord.from_dict(record)], _refs(followers))


def forget_timelines(actor: Sequence[str]) -> int:
    """``actor`` was deleted: remove its actions from its followers' timelines (a
    :func:`forget_chunk` per chunk of followers), then its own timelines and stored actions.

    Runs inside the core's clean-up job (:func:`sequere.receivers.forget`), before the actor's
    edges are removed. Returns how many chunks were handled.
    """
    actor_ref = _ref(actor)
    chunks = _spread(actor_ref, forget_chunk, {"actor": list(actor_ref)}, count=False)
    get_timeline_backend().forget_owner(actor_ref)
    return chunks


def forget_chunk(record: dict[str, Any], followers: Sequence[Sequence[str]], since: int) -> int:
    """One chunk of :func:`forget_timelines`: the actor's entries leave these followers' timelines."""
    backend = get_timeline_backend()
    actor = _ref(record["actor"])
    return sum(backend.remove_actor(owner, actor, at=since) for owner in _refs(followers))


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
JOBS: tuple[Callable[..., int], ...] = (
    dispatch,
    deliver,
    retract,
    retract_chunk,
    forget_chunk,
    import_actions,
    remove_actions,
)
