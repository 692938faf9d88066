"""The fan-out jobs as plain functions, and how they are queued (inline or through Celery).

Every job takes plain JSON data (refs as ``[identifier, object_id]`` lists, records as
:meth:`ActionRecord.to_dict` output) and is idempotent, so a retried Celery task changes nothing.
Jobs are queued with :func:`django.db.transaction.on_commit`: they never run before the data
they read is committed. ``SEQUERE_TIMELINE_FANOUT = "inline"`` runs them in the calling process;
``"celery"`` (the default) sends the tasks of :mod:`sequere.contrib.timeline.tasks`, which run in
the caller too when Celery is eager (``CELERY_TASK_ALWAYS_EAGER``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ...backends import FOLLOWERS, get_backend
from ...conf import sequere_settings
from ...refs import Ref
from .backends import get_timeline_backend
from .records import ActionRecord

MODES = ("celery", "inline")


def now_micros() -> int:
    """The current time in microseconds since the epoch (the clock ``since``/``at`` marks use)."""
    return time.time_ns() // 1000


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


JOBS: dict[str, Callable[..., int]] = {
    "dispatch": dispatch,
    "retract": retract,
    "import_actions": import_actions,
    "remove_actions": remove_actions,
}


def fanout_mode() -> str:
    """``SEQUERE_TIMELINE_FANOUT``, checked."""
    mode = sequere_settings.TIMELINE_FANOUT
    if mode not in MODES:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_FANOUT = {mode!r} is not supported; use 'celery' (the default) or 'inline'."
        )
    return mode


def get_task(name: str) -> Any:
    """The Celery task of job ``name``; ImproperlyConfigured naming the extra when Celery is missing."""
    try:
        from . import tasks
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SEQUERE_TIMELINE_FANOUT = 'celery' needs Celery: pip install 'django-sequere[timeline]', "
            "or set SEQUERE_TIMELINE_FANOUT = 'inline' to fan out in the web process."
        ) from exc
    return tasks.TASKS[name]


def enqueue(name: str, **kwargs: Any) -> None:
    """Run job ``name`` with JSON ``kwargs`` once the current transaction commits."""
    mode = fanout_mode()
    task = get_task(name) if mode == "celery" else None

    def run() -> None:
        if task is None:
            JOBS[name](**kwargs)
        else:
            task.apply_async(kwargs=kwargs)

    transaction.on_commit(run)
