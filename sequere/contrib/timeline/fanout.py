"""The outbox runner of the timeline app: ``SEQUERE_TIMELINE_FANOUT`` decides where jobs run.

``"celery"`` (the default) sends each job's Celery task (:mod:`sequere.contrib.timeline.tasks`)
once the caller's transaction commits, so a worker never looks for rows it cannot see yet;
``"inline"`` runs jobs in the calling process. A Celery app with ``task_always_eager`` runs its
tasks in the calling process too; when such a job runs is :func:`sequere.outbox.enqueue`'s rule
(inside a caller's transaction, at once and again after the commit, so that a Django ``TestCase``
sees the fan-out). See :mod:`sequere.outbox` for what happens when a service is down.
"""

from __future__ import annotations

import threading
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


def _timeouts(seconds: float) -> dict[str, float]:
    """Transport options that bound a publish: every socket operation (Redis and AMQP names),
    and one connection attempt, not kombu's retry loop."""
    return {
        "socket_connect_timeout": seconds,  # redis
        "socket_timeout": seconds,
        "read_timeout": seconds,  # amqp
        "write_timeout": seconds,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0,
        "interval_max": 0,
    }


class FanoutRunner:
    """Runs jobs as ``SEQUERE_TIMELINE_FANOUT`` says (installed by the timeline app's ``ready()``).

    Tasks are published over a broker connection of the runner's own (one per thread, kept between
    sends), whose every socket operation is bounded by ``SEQUERE_TIMELINE_PUBLISH_TIMEOUT``, with
    no retry loop: a broker that refuses or does not answer fails the send within that bound (twice
    it, when a kept connection failed and a new one is tried), and the outbox keeps the job for the
    replay.
    """

    def __init__(self) -> None:
        self._local = threading.local()

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
        timeout = float(sequere_settings.TIMELINE_PUBLISH_TIMEOUT)
        reused = getattr(self._local, "connection", None) is not None
        try:
            self._publish(task, {**kwargs, "pending_id": pending_id}, timeout)
        except Exception:
            self._forget_connection()
            if not reused:
                raise
            # the kept connection may have died with a broker restart: one more try on a new one
            try:
                self._publish(task, {**kwargs, "pending_id": pending_id}, timeout)
            except Exception:
                self._forget_connection()
                raise

    def _publish(self, task: Any, kwargs: dict[str, Any], timeout: float) -> None:
        connection = self._connection(task.app, timeout)
        task.apply_async(kwargs=kwargs, connection=connection, retry=False, timeout=timeout)

    def _connection(self, app: Any, timeout: float) -> Any:
        local = self._local
        if getattr(local, "connection", None) is None or local.key != (app, timeout):
            self._forget_connection()
            options = {**(app.conf.broker_transport_options or {}), **_timeouts(timeout)}
            local.connection = app.connection_for_write(connect_timeout=timeout, transport_options=options)
            local.key = (app, timeout)
        return local.connection

    def _forget_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close too
                pass


runner = FanoutRunner()
