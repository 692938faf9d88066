"""An unfollow racing the fan-out of an action: the unfollower keeps nothing, the others get it once.

The fan-out walks the actor's followers in small chunks in one thread while another thread
unfollows half of them (each unfollow queues the removal of the actor's actions, run inline).
"""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from sequere.backends import get_backend
from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
from sequere.models import unfollow
from sequere.registration import registry
from tests.testapp.models import User
from tests.testapp.sequere_registry import LikeAction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("follow_backend")]


def skip_on_shared_memory_sqlite(follow_backend: str, timeline_store: str) -> None:
    """Two threads writing SQLite's shared in-memory test database fail on its table locks."""
    if connection.vendor == "sqlite" and "database" in (follow_backend, timeline_store):
        pytest.skip("a database store on in-memory SQLite: run with DATABASE_URL=postgres://...")


@pytest.mark.parametrize("followers", [300])
def test_unfollow_racing_a_dispatch_leaves_nothing_behind(
    settings, follow_backend, timeline_store, followers
):
    skip_on_shared_memory_sqlite(follow_backend, timeline_store)
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 3
    actor = User.objects.create(username="actor")
    fans = User.objects.bulk_create([User(username=f"fan{i}") for i in range(followers)])
    actor_ref = registry.get_ref(actor)
    now = timezone.now()
    get_backend().add_many((registry.get_ref(fan), actor_ref, now) for fan in fans)
    leaving = random.Random(7).sample(fans, followers // 2)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
        finally:
            connections.close_all()

    saved = []
    done: list[int] = []  # unfollows finished, read when the fan-out returns (shows the overlap)

    def save() -> None:
        saved.append(Timeline(actor).save(LikeAction(actor)))
        saved.append(len(done))

    def leave() -> None:
        for fan in leaving:
            unfollow(fan, actor)
            done.append(1)

    threads = [threading.Thread(target=run, args=(save,)), threading.Thread(target=run, args=(leave,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    action, overlap = saved
    print(f"race figures: {len(leaving)} unfollows, {overlap} done when the fan-out returned")
    timeline = get_timeline_backend()
    leaving_ids = {fan.pk for fan in leaving}
    kept, left = 0, 0
    for fan in fans:
        records = timeline.fetch(registry.get_ref(fan), PRIVATE)
        ids = [record.id for record in records]
        if fan.pk in leaving_ids:
            assert ids == [], f"{fan} unfollowed the actor but kept {ids}"
            left += 1
        else:
            assert ids == [action.id], f"{fan} should hold the action exactly once, holds {ids}"
            kept += 1
    assert (kept, left) == (followers - followers // 2, followers // 2)
