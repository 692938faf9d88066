"""The test project's Celery app (a project owns its app; sequere's tasks are ``shared_task``).

``app`` is eager and the default; :func:`make_app` builds others, e.g. the one the real-worker
test (tests/contrib/timeline/test_worker.py) runs over a Redis broker.
"""

from typing import Any

from celery import Celery


def make_app(name: str = "sequere_tests", **conf: Any) -> Celery:
    """A Celery app configured from Django's ``CELERY_*`` settings, JSON only, plus ``conf``."""
    new = Celery(name, set_as_current=False)
    new.config_from_object("django.conf:settings", namespace="CELERY")
    new.conf.update(task_serializer="json", accept_content=["json"], **conf)
    new.autodiscover_tasks(["sequere.contrib.timeline"])
    return new


app = make_app(task_always_eager=True, task_eager_propagates=True, broker_url="memory://")
app.set_default()
app.set_current()
