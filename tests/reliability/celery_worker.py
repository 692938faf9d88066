"""The Celery app of the worker process the fault tests start and kill, and of the test sending to it.

Run as ``celery -A tests.reliability.celery_worker:app worker`` with the environment the test
sets (``SEQUERE_RELIABILITY_*``); the test itself builds a twin with :func:`make_app`.
"""

from __future__ import annotations

import os

from celery import Celery

#: Seconds before the broker hands an unacknowledged message to another worker.
VISIBILITY_TIMEOUT = 2


def make_app(broker_url: str) -> Celery:
    """A Celery app on ``broker_url`` that acknowledges late and prefetches one message."""
    app = Celery("sequere_reliability", set_as_current=False)
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
    )
    return app


app = None
if "SEQUERE_RELIABILITY_BROKER" in os.environ:  # the worker process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.worker_settings")
    import django

    django.setup()
    app = make_app(os.environ["SEQUERE_RELIABILITY_BROKER"])
    app.set_current()
    app.set_default()
    from sequere.contrib.timeline import tasks  # noqa: E402,F401 - registers the shared tasks on app
