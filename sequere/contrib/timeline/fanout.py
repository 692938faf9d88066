"""How the fan-out jobs of :mod:`sequere.contrib.timeline.jobs` run: in this process, or on workers.

``SEQUERE_TIMELINE_FANOUT = "celery"`` (the default) sends the job's Celery task
(:mod:`sequere.contrib.timeline.tasks`); ``"inline"`` calls the job in the calling process.

When a job runs follows one rule, written here only: a job that runs in another process (a Celery
worker) is sent once the current transaction commits (:func:`django.db.transaction.on_commit`),
so a worker never looks for rows it cannot see yet; a job that runs in this process (``"inline"``,
or Celery with ``task_always_eager``) runs at once, inside the caller's transaction. It then reads
the caller's own uncommitted rows, the database timeline's writes commit or roll back with the
caller's, and a Django ``TestCase`` (one transaction that never commits) sees the fan-out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ...conf import sequere_settings

MODES = ("celery", "inline")


def fanout_mode() -> str:
    """``SEQUERE_TIMELINE_FANOUT``, checked."""
    mode = sequere_settings.TIMELINE_FANOUT
    if mode not in MODES:
        raise ImproperlyConfigured(
            f"SEQUERE_TIMELINE_FANOUT = {mode!r} is not supported; use 'celery' (the default) or 'inline'."
        )
    return mode


def task_for(job: Callable[..., int]) -> Any:
    """The Celery task that runs ``job``; ImproperlyConfigured naming the extra when Celery is missing."""
    try:
        from . import tasks
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SEQUERE_TIMELINE_FANOUT = 'celery' needs Celery: pip install 'django-sequere[timeline]', "
            "or set SEQUERE_TIMELINE_FANOUT = 'inline' to fan out in the web process."
        ) from exc
    return tasks.TASKS[job]


def enqueue(job: Callable[..., int], **kwargs: Any) -> None:
    """Run ``job(**kwargs)`` (JSON keyword arguments): at once in this process, else at commit."""
    if fanout_mode() == "inline":
        job(**kwargs)
        return
    task = task_for(job)
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
    else:
        transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
