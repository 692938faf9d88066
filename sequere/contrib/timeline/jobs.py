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
from . import signals
from .actions import any_delivers_to_target, delivers_to_target
from .backends import PUBLIC, get_timeline_backend
from .inactive import active
from .records import ActionRecord
from .relations import hide_actions, is_hidden, visible

#: The cut-off of a pulled following that merges everything its actor's public timeline holds.
EVERYTHING = -(2**62)

__all__ = [
    "JOBS",
    "deliver",
    "dispatch",
    "forget_chunk",
    "forget_timelines",
    "import_actions",
    "materialize_chunk",
    "pull_chunk",
    "remove_actions",
    "retract",
    "retract_chunk",
    "stop_pulling",
    "switch_mode",
]


def _ref(value: Sequence[str]) -> Ref:
    identifier, object_id = value
    return Ref(str(identifier), str(object_id))


def _refs(values: Sequence[Sequence[str]]) -> list[Ref]:
    return [_ref(value) for value in values]


def _spread(
    actor: Ref,
    job: Callable[..., Any],
    record: dict[str, Any],
    *,
    count: bool = True,
    audience: bool = False,
    **extra: Any,
) -> int:
    """Run ``job(record=..., followers=chunk, since=...)`` for each chunk of ``actor``'s followers.

    Chunks of ``SEQUERE_TIMELINE_DISPATCH_RANGE`` refs are read straight from the follow backend
    (no instance loaded); ``since`` is taken just before each chunk is read. In this process each
    chunk job runs at once and the sum of what they return is returned; on workers each chunk is
    a task of its own, so a large fan-out is shared by the workers and a redelivery repeats one
    chunk, and the number of chunks sent is returned. With ``audience``, the followers who must
    not see ``actor``'s actions (mutes, blocks) are left out by the chunk read itself
    (``iter_audience``): no extra call.
    """
    size = sequere_settings.TIMELINE_DISPATCH_RANGE
    follows = get_backend()
    chunks = follows.iter_audience(actor, size) if audience else follows.iter_refs(FOLLOWERS, actor, size)
    total = 0
    while True:
        since = now_micros()
        chunk = next(chunks, None)
        if chunk is None:
            return total
        if not chunk:
            continue
        result = spawn(job, record=record, followers=[list(ref) for ref in chunk], since=since, **extra)
        total += 1 if result is None or not count else result


def _push_limit() -> int | None:
    limit = sequere_settings.TIMELINE_PUSH_LIMIT
    return None if limit is None else int(limit)


def _over_limit(ref: Ref) -> bool:
    """Whether ``ref`` has more followers than ``SEQUERE_TIMELINE_PUSH_LIMIT`` (one count)."""
    limit = _push_limit()
    return limit is not None and get_backend().count(FOLLOWERS, ref) > limit


def _is_pulled(actor: Ref, date: int) -> bool:
    """Whether an action of ``actor`` dated ``date`` is left to readers (hybrid fan-out).

    An actor found on the wrong side of the limit is moved (a :func:`switch_mode` job); the
    action is pushed unless the actor was pulled from before its date.
    """
    mode = get_timeline_backend().get_pull_mode(actor)
    if (mode is None and _over_limit(actor)) or (mode is not None and _push_limit() is None):
        spawn(switch_mode, actor=list(actor))
        mode = get_timeline_backend().get_pull_mode(actor)
    return mode is not None and date >= mode


def _check_mode(ref: Ref) -> None:
    """Queue a :func:`switch_mode` job when ``ref``'s follower count crossed the limit."""
    if (get_timeline_backend().get_pull_mode(ref) is not None) != _over_limit(ref):
        spawn(switch_mode, actor=list(ref))


def dispatch(record: dict[str, Any]) -> int:
    """Put a saved action in the private timeline of every follower of its actor, chunk by chunk.

    Each chunk is a :func:`deliver` job; a follower who unfollows while this runs does not keep
    the action. A pulled actor (more followers than ``SEQUERE_TIMELINE_PUSH_LIMIT``) is not fanned
    out: readers merge its public timeline. An action whose class says ``deliver_to = ("actor",
    "target")`` also goes to its target's followers (unless the target is over the limit).
    Returns how many timelines were written (in this process) or chunks sent (on workers); 0
    when the action was deleted before the fan-out ran.
    """
    action = ActionRecord.from_dict(record)
    if action.id not in get_timeline_backend().get_records([action.id]):
        return 0
    total = 0
    if not _is_pulled(action.actor, action.date):
        total += _spread(action.actor, deliver, record, audience=True)
    target = action.target
    if target is not None and target != action.actor and delivers_to_target(action.verb):
        if not _over_limit(target):
            total += _spread(target, deliver, record, via=list(target))
    return total


def deliver(
    record: dict[str, Any],
    followers: Sequence[Sequence[str]],
    since: int,
    via: Sequence[str] | None = None,
) -> int:
    """One chunk of :func:`dispatch`: one backend write; returns how many timelines were written.

    ``via`` is the target whose followers these are (None: the actor's). The actor's own
    followers come without those who mute or block it (the chunk read left them out); a target's
    followers are filtered here, against the actor's blocks and mutes (one follow backend call
    for the chunk). Sends :data:`~sequere.contrib.timeline.signals.delivered` once for the chunk
    when it added any entry.
    Inactive followers (``SEQUERE_TIMELINE_INACTIVE_AFTER``) are skipped (:func:`.inactive.active`).
    """
    backend, action, owners = get_timeline_backend(), ActionRecord.from_dict(record), active(_refs(followers))
    via_ref = None if via is None else _ref(via)
    if via_ref is not None:
        owners = visible(action.actor, owners)
    written, new = backend.deliver_counts([action], owners, since=since, via=via_ref)
    if new:  # a retried chunk finds its entries there: nothing new, no signal
        signals.send_delivered(backend, action, owners, via_ref)
    return written


def retract(record: dict[str, Any]) -> int:
    """Remove a deleted action from the private timeline of every follower of its actor (and of
    its target, for an action delivered to the target's followers)."""
    action = ActionRecord.from_dict(record)
    total = _spread(action.actor, retract_chunk, record)
    if action.target is not None and action.target != action.actor and delivers_to_target(action.verb):
        total += _spread(action.target, retract_chunk, record)
    return total


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


def import_actions(owner: Sequence[str], source: Sequence[str], copy: bool = True) -> int:
    """``owner`` now follows ``source``: copy ``source``'s recent public actions to ``owner``.

    At most ``SEQUERE_TIMELINE_POPULATE_RANGE`` actions; nothing when ``owner`` no longer follows
    ``source`` by the time the job runs, or mutes or blocks it, nor with ``copy=False``
    (``SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False``: the job then only does the hybrid fan-out's
    part). A pulled ``source`` is pulled instead, from where the copy would have started.
    Returns how many actions were written.
    """
    owner_ref, source_ref = _ref(owner), _ref(source)
    since = now_micros()
    backend = get_timeline_backend()
    mode = backend.get_pull_mode(source_ref)
    if mode is None and not copy:
        # nothing to pull or copy; a pushed source that has crossed the limit since is moved by
        # its next save (dispatch checks), so a follow costs no follower count here
        return 0
    if not get_backend().exists(owner_ref, source_ref) or is_hidden(owner_ref, source_ref):
        return 0
    populate = int(sequere_settings.TIMELINE_POPULATE_RANGE)
    written = 0
    if mode is not None:
        # pulled: merge from where an import would have started (or from now, without import)
        cutoff = since
        if copy:
            recent = backend.fetch(source_ref, PUBLIC, desc=True, limit=populate)
            cutoff = recent[-1].date if len(recent) >= populate else EVERYTHING
        backend.pull([owner_ref], source_ref, cutoff=cutoff, since=since)
    elif copy:
        written = backend.import_actions(owner_ref, source_ref, limit=populate, since=since)
    if (mode is not None) != _over_limit(source_ref):
        spawn(switch_mode, actor=list(source_ref))
    return written


def remove_actions(owner: Sequence[str], actor: Sequence[str]) -> int:
    """``owner`` unfollowed ``actor``: remove ``actor``'s actions from ``owner``'s private timeline.

    Nothing is removed when ``owner`` follows ``actor`` again by the time the job runs. Returns
    how many actions were removed.
    """
    owner_ref, actor_ref = _ref(owner), _ref(actor)
    at = now_micros()
    follows = get_backend()
    if follows.exists(owner_ref, actor_ref):
        return 0
    backend = get_timeline_backend()
    removed = backend.remove_actor(owner_ref, actor_ref, at=at)
    if any_delivers_to_target():
        # what reached owner because it followed actor as a target, unless it follows their actor
        found = backend.find_targeted(owner_ref, actor_ref)
        actors = {record.actor for record in found}
        kept = {ref for ref in actors if ref == owner_ref or follows.exists(owner_ref, ref)}
        removed += backend.retract([r for r in found if r.actor not in kept], [owner_ref])
    _check_mode(actor_ref)
    return removed


def stop_pulling(owner: Sequence[str], actor: Sequence[str]) -> int:
    """``owner`` unfollowed ``actor`` with ``SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = False``: what it
    merged of a pulled ``actor`` stays, as entries of its own. Returns how many were written."""
    owner_ref, actor_ref = _ref(owner), _ref(actor)
    if get_backend().exists(owner_ref, actor_ref):
        return 0
    written = get_timeline_backend().materialize([owner_ref], actor_ref)
    _check_mode(actor_ref)
    return written


def switch_mode(actor: Sequence[str]) -> int:
    """Move ``actor`` to the side of ``SEQUERE_TIMELINE_PUSH_LIMIT`` its follower count is on.

    Push to pull: the mode is set (later actions are not fanned out), then every follower pulls
    it from that moment on (:func:`pull_chunk`); the copies it already has stay and the merge
    reads each action once. Pull to push: the mode is cleared, then every follower gets what it
    merged as entries of its own and stops pulling (:func:`materialize_chunk`). Returns how many
    chunks were handled (0 when nothing had to move).
    """
    ref = _ref(actor)
    backend = get_timeline_backend()
    mode = backend.get_pull_mode(ref)
    pulled = _over_limit(ref)
    if pulled and mode is None:
        at = now_micros()
        backend.set_pull_mode(ref, at)
        return _spread(ref, pull_chunk, {"actor": list(ref), "cutoff": at}, count=False, audience=True)
    if not pulled and mode is not None:
        backend.set_pull_mode(ref, None)
        return _spread(ref, materialize_chunk, {"actor": list(ref)}, count=False)
    return 0


def pull_chunk(record: dict[str, Any], followers: Sequence[Sequence[str]], since: int) -> int:
    """One chunk of a switch to pull: these followers merge ``record["actor"]`` from its cut-off
    (the chunk read left out those who mute or block it, or whom it blocks)."""
    return get_timeline_backend().pull(
        _refs(followers), _ref(record["actor"]), cutoff=int(record["cutoff"]), since=since
    )


def materialize_chunk(record: dict[str, Any], followers: Sequence[Sequence[str]], since: int) -> int:
    """One chunk of a switch to push: these followers keep what they merged and stop pulling."""
    return get_timeline_backend().materialize(_refs(followers), _ref(record["actor"]), since=since)


#: Every job, in the order the Celery tasks are declared.
JOBS: tuple[Callable[..., int], ...] = (
    dispatch,
    deliver,
    retract,
    retract_chunk,
    forget_chunk,
    import_actions,
    remove_actions,
    stop_pulling,
    switch_mode,
    pull_chunk,
    materialize_chunk,
    hide_actions,
)
