"""The outbox runner of the timeline app: ``SEQUERE_TIMELINE_FANOUT`` decides where jobs run.

``"celery"`` (the default) sends each job's Celery task (:mod:`sequere.contrib.timeline.tasks`)
once the caller's transaction commits, so a worker never looks for rows it cannot see yet;
``"inline"`` runs jobs in the calling process. A Celery app with ``task_always_eager`` runs its
tasks in the calling process too. A job that runs in this process runs at once, inside the caller's
transaction: it reads the caller's own uncommitted rows, the database timeline's writes commit or
roll back with the caller's, and a Django ``TestCase`` (one transaction that never commits) sees
the fan-out. See :mod:`sequere.outbox` for what happens when a service is down.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ...conf import sequere_settings
from ...outbox import Job, done

MODES = ("celery", "inline")


def fanout_mode() -> str:
    """``SEQUERE_TIMELINE_FANOUT``, checked."""
    mode = sequere_settings.TIMELINE_FANOUT
    if mode not in MODES:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_FANOUT = {mode!r} is not supported; use 'celery' (the default) or 'inline'."
        )
    return mode


def task_for(job: Job) -> Any:
    """The Celery task that runs ``job``; ImproperlyConfigured naming the extra when Celery is missing."""
    try:
        from . import tasks
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SEQUERE_TIMELINE_FANOUT = 'celery' needs Celery: pip install 'django-sequere[timeline]', "
            "or set SEQUERE_TIMELINE_FANOUT = 'inline' to fan out in the web process."
        ) from exc
    try:
        return tasks.TASKS[job]
    except KeyError:
        raise ImproperlyConfigured(f"No sequere Celery task runs {job!r}.") from None


class FanoutRunner:
    """Runs jobs as ``SEQUERE_TIMELINE_FANOUT`` says (installed by the timeline app's ``ready()``)."""

    def in_process(self, job: Job) -> bool:
        if fanout_mode() == "inline":
            return True
        return bool(task_for(job).app.conf.task_always_eager)

    def send(self, job: Job, kwargs: dict[str, Any], pending_id: int | None) -> None:
        if fanout_mode() == "inline":
            job(**kwargs)
            done(pending_id)
            return
        task = task_for(job)
        publish_timeout = sequere_settings.TIMELINE_PUBLISH_TIMEOUT
        # no retry loop around the broker: a failed send leaves the outbox row for the replay
        with task.app.connection_for_write(connect_timeout=publish_timeout) as connection:
            task.apply_async(
                kwargs={**kwargs, "pending_id": pending_id},
                connection=connection,
                retry=False,
                timeout=publish_timeout,
            )


runner = FanoutRunner()
