"""A real Celery worker over a real Redis broker fans one action out to 1,000 followers."""

from __future__ import annotations

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from sequere import outbox
from sequere.backends import get_backend
from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
from sequere.registration import registry
from tests.celery_app import app, make_app
from tests.leftovers import delete_keys
from tests.polling import wait_until
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction

FOLLOWERS = 1000


@pytest.fixture
def worker_app(timeline, settings, redis_url):
    """A Celery app on the test Redis as broker, current for the test, with a worker thread.

    Every key the broker writes carries the queue's name as a prefix and is deleted afterwards,
    so the test leaves nothing in a Redis that ``REDIS_URL`` names.
    """
    settings.SEQUERE_TIMELINE_FANOUT = "celery"
    queue = f"sequere-test-{uuid.uuid4().hex[:8]}"
    worker = make_app(
        "sequere_worker_test",
        broker_url=redis_url,
        broker_transport_options={"global_keyprefix": f"{queue}:"},
        task_default_queue=queue,
    )
    worker.set_current()
    try:
        with start_worker(worker, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=30):
            yield worker
    finally:
        app.set_current()
        worker.close()
        delete_keys(redis_url, f"{queue}:*")


@pytest.mark.worker
@pytest.mark.parametrize("timeline_harness", ["redis"], indirect=True)
def test_real_worker_fans_out_to_a_thousand_followers(worker_app, settings):
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
    with worker_app.connection_for_write() as connection:
        assert connection.transport.driver_type == "redis"
    thoas = User.objects.create(username="thoas")
    followers = User.objects.bulk_create([User(username=f"f{i}") for i in range(FOLLOWERS)])
    thoas_ref = registry.get_ref(thoas)
    refs = [registry.get_ref(user) for user in followers]
    now = timezone.now()
    assert get_backend().add_many((ref, thoas_ref, now) for ref in refs) == FOLLOWERS

    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    assert Timeline(thoas).get_public_count() == 1  # the owner's write does not wait for the worker

    backend = get_timeline_backend()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if backend.count(refs[-1], PRIVATE) and backend.count(refs[0], PRIVATE):
            break
        time.sleep(0.05)
    missing = [ref for ref in refs if [r.id for r in backend.fetch(ref, PRIVATE)] != [saved.id]]
    assert missing == []
    # the worker confirmed the dispatch and its chunk: their outbox rows are gone
    wait_until(lambda: outbox.pending_count() == 0, 30)
