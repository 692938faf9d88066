"""Celery tasks of the timeline fan-out, named ``sequere.timeline.*``.

They are thin: each is the plain function of the same name in :mod:`sequere.contrib.timeline.jobs`,
run by Celery. The project owns its Celery app (``shared_task`` binds
to it); workers find this module through ``app.autodiscover_tasks()``. Tasks acknowledge late and
retry with exponential backoff on connection errors; every job is idempotent, so a retry or a
redelivery after a worker crash leaves the same timelines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ...exceptions import BackendUnavailableException
from . import jobs

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


def _task(job: Callable[..., int]) -> Any:
    return shared_task(name=f"sequere.timeline.{job.__name__}", **TASK_OPTIONS)(job)


dispatch = _task(jobs.dispatch)
retract = _task(jobs.retract)
import_actions = _task(jobs.import_actions)
remove_actions = _task(jobs.remove_actions)

#: The task that runs each job of :mod:`sequere.contrib.timeline.jobs`.
TASKS: dict[Callable[..., int], Any] = {
    jobs.dispatch: dispatch,
    jobs.retract: retract,
    jobs.import_actions: import_actions,
    jobs.remove_actions: remove_actions,
}
