"""Celery tasks of the timeline fan-out, named ``sequere.timeline.*``.

They are thin: each takes JSON data and calls the plain function of the same name in
:mod:`sequere.contrib.timeline.fanout`. The project owns its Celery app (``shared_task`` binds
to it); workers find this module through ``app.autodiscover_tasks()``. Tasks acknowledge late and
retry with exponential backoff on connection errors; every job is idempotent, so a retry or a
redelivery after a worker crash leaves the same timelines.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ...exceptions import BackendUnavailableException
from . import fanout

RETRY_ON: tuple[type[BaseException], ...] = (
    BackendUnavailableException,
    ConnectionError,
    TimeoutError,
    OperationalError,
    InterfaceError,
)
try:
    import redis

    RETRY_ON += (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterDownError)
except ImportError:  # pragma: no cover - the database timeline backend runs without redis-py
    pass

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": RETRY_ON,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 12,
    "serializer": "json",
    "ignore_result": True,
}


@shared_task(name="sequere.timeline.dispatch", **TASK_OPTIONS)
def dispatch(record: dict[str, Any]) -> int:
    """Fan a saved action out to its actor's followers (see :func:`fanout.dispatch`)."""
    return fanout.dispatch(record)


@shared_task(name="sequere.timeline.retract", **TASK_OPTIONS)
def retract(record: dict[str, Any]) -> int:
    """Remove a deleted action from its actor's followers (see :func:`fanout.retract`)."""
    return fanout.retract(record)


@shared_task(name="sequere.timeline.import_actions", **TASK_OPTIONS)
def import_actions(owner: list[str], source: list[str]) -> int:
    """Copy ``source``'s recent actions to its new follower (see :func:`fanout.import_actions`)."""
    return fanout.import_actions(owner, source)


@shared_task(name="sequere.timeline.remove_actions", **TASK_OPTIONS)
def remove_actions(owner: list[str], actor: list[str]) -> int:
    """Remove ``actor``'s actions from its former follower (see :func:`fanout.remove_actions`)."""
    return fanout.remove_actions(owner, actor)


TASKS = {
    "dispatch": dispatch,
    "retract": retract,
    "import_actions": import_actions,
    "remove_actions": remove_actions,
}
