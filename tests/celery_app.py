"""The test project's Celery app (a project owns its app; sequere's tasks are ``shared_task``).

Configured from Django settings under the ``CELERY_`` namespace, eager unless a test gives it a
broker and a real worker (see tests/contrib/timeline/test_worker.py).
"""

from celery import Celery

app = Celery("sequere_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_always_eager=True,
    task_eager_propagates=True,
    task_serializer="json",
    accept_content=["json"],
    broker_url="memory://",
)
app.autodiscover_tasks(["sequere.contrib.timeline"])
app.set_default()
