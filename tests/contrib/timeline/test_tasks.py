"""The Celery tasks retry on connection errors with backoff and finish once the store is back."""

from __future__ import annotations

import pytest
from celery.signals import task_retry

from sequere.contrib.timeline import Timeline, tasks
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.exceptions import BackendUnavailableException
from sequere.models import follow
from sequere.registration import registry
from tests.celery_app import app
from tests.servers import free_port
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction

pytestmark = pytest.mark.parametrize("timeline_harness", ["redis"], indirect=True)


@pytest.fixture
def retries():
    """``(reason type, attempt)`` of every retry while the test runs.

    The test app runs tasks eagerly; with ``task_eager_propagates`` off, an eager retry runs the
    task again at once (a worker would wait for the backoff), so retries are seen in-process.
    """
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    seen: list[tuple[str, int]] = []

    def on_retry(sender=None, reason=None, request=None, **kwargs):
        seen.append((type(reason).__name__, request.retries))

    task_retry.connect(on_retry, weak=False)
    try:
        yield seen
    finally:
        task_retry.disconnect(on_retry)
        app.conf.task_eager_propagates = propagates


def test_dispatch_retries_until_redis_is_back(timeline, settings, retries):
    thoas = User.objects.create(username="thoas")
    followers = User.objects.bulk_create([User(username=f"f{i}") for i in range(3)])
    for user in followers:
        follow(user, thoas)
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    backend = get_timeline_backend()
    record = backend.get_records([saved.id])[saved.id]
    refs = [registry.get_ref(user) for user in followers]
    backend.retract([record], refs)

    real = settings.SEQUERE_TIMELINE_REDIS_CONNECTION
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = f"redis://127.0.0.1:{free_port()}/0"  # down

    def back_up(sender=None, request=None, **kwargs):
        if request.retries == 1:
            settings.SEQUERE_TIMELINE_REDIS_CONNECTION = real

    task_retry.connect(back_up, weak=False)
    try:
        result = tasks.dispatch.apply(kwargs={"record": record.to_dict()})
    finally:
        task_retry.disconnect(back_up)
    assert result.state == "SUCCESS" and result.result == 3
    assert [reason for reason, _ in retries] == ["Retry", "Retry"]
    assert [attempt for _, attempt in retries] == [0, 1]
    assert all(get_timeline_backend().count(ref, "private") == 1 for ref in refs)


def test_retries_end_with_the_clear_error(timeline, settings, retries):
    settings.SEQUERE_TIMELINE_REDIS_CONNECTION = f"redis://127.0.0.1:{free_port()}/0"
    record = {"id": "x" * 32, "verb": "join", "actor": ["user", "1"], "target": None, "date": 1, "data": {}}
    result = tasks.dispatch.apply(kwargs={"record": record})
    assert result.state == "FAILURE"
    assert isinstance(result.result, BackendUnavailableException)
    assert len(retries) == tasks.dispatch.max_retries
