"""Celery tasks of the timeline fan-out, named ``sequere.timeline.*``.

They are thin: each runs the plain function of the same name in
:mod:`sequere.contrib.timeline.jobs` (or the core's clean-up, ``sequere.forget``) and then deletes
the job's outbox row (:mod:`sequere.outbox`). The project owns its Celery app (``shared_task`` binds
to it); workers find this module through ``app.autodiscover_tasks()``. Tasks acknowledge late and
retry with exponential backoff on connection errors; every job is idempotent, so a retry or a
redelivery after a worker crash leaves the same timelines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ... import outbox, receivers
from ...exceptions import BackendUnavailableException
from . import inactive, jobs, relations

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


def _task(job: Callable[..., Any], name: str) -> Any:
    """The Celery task ``name`` that runs ``job``, then forgets its outbox row."""

    def run(pending_id: int | None = None, **kwargs: Any) -> Any:
        result = job(**kwargs)
        outbox.done(pending_id)
        return result

    run.__name__, run.__qualname__, run.__doc__ = job.__name__, job.__qualname__, job.__doc__
    return shared_task(name=name, **TASK_OPTIONS)(run)


dispatch = _task(jobs.dispatch, "sequere.timeline.dispatch")
deliver = _task(jobs.deliver, "sequere.timeline.deliver")
retract = _task(jobs.retract, "sequere.timeline.retract")
retract_chunk = _task(jobs.retract_chunk, "sequere.timeline.retract_chunk")
import_actions = _task(jobs.import_actions, "sequere.timeline.import_actions")
remove_actions = _task(jobs.remove_actions, "sequere.timeline.remove_actions")
forget_chunk = _task(jobs.forget_chunk, "sequere.timeline.forget_chunk")
stop_pulling = _task(jobs.stop_pulling, "sequere.timeline.stop_pulling")
switch_mode = _task(jobs.switch_mode, "sequere.timeline.switch_mode")
pull_chunk = _task(jobs.pull_chunk, "sequere.timeline.pull_chunk")
materialize_chunk = _task(jobs.materialize_chunk, "sequere.timeline.materialize_chunk")
refresh = _task(inactive.refresh, "sequere.timeline.refresh")
hide_actions = _task(relations.hide_actions, "sequere.timeline.hide_actions")
forget = _task(receivers.forget, "sequere.forget")

#: The task that runs each job: the timeline's (:mod:`sequere.contrib.timeline.jobs`) and the
#: core's clean-up after a delete.
TASKS: dict[Callable[..., Any], Any] = {
    jobs.dispatch: dispatch,
    jobs.deliver: deliver,
    jobs.retract: retract,
    jobs.retract_chunk: retract_chunk,
    jobs.import_actions: import_actions,
    jobs.remove_actions: remove_actions,
    jobs.forget_chunk: forget_chunk,
    jobs.stop_pulling: stop_pulling,
    jobs.switch_mode: switch_mode,
    jobs.pull_chunk: pull_chunk,
    jobs.materialize_chunk: materialize_chunk,
    inactive.refresh: refresh,
    relations.hide_actions: hide_actions,
    receivers.forget: forget,
}


@shared_task(name="sequere.replay_pending", ignore_result=True, serializer="json")
def replay_pending(limit: int = 1000) -> dict[str, int]:
    """Send again the outbox rows whose time has come (schedule it with Celery beat, every minute)."""
    return outbox.replay(limit=limit)
