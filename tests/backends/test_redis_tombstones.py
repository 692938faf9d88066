"""Tombstones of the Redis Cluster write protocol get a lifetime; ``sequere_check --fix`` sweeps them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sequere.backends import get_backend
from sequere.backends.redis import scripts
from sequere.backends.redis.cluster import tombstone_lifetime
from sequere.backends.redis.keys import FOLLOWERS_CODE, FOLLOWINGS_CODE
from sequere.redis.scripts import ScriptCall
from sequere.refs import Ref
from sequere.timeutils import to_micros

pytestmark = pytest.mark.django_db

A, B, C = Ref("user", "a"), Ref("user", "b"), Ref("user", "c")


def test_lifetime_defaults_to_a_week_and_takes_seconds_or_a_timedelta(settings):
    assert tombstone_lifetime() == timedelta(days=7)
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = 60
    assert tombstone_lifetime() == timedelta(minutes=1)
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = timedelta(hours=2)
    assert tombstone_lifetime() == timedelta(hours=2)


@pytest.mark.redis
@pytest.mark.cluster
@pytest.mark.parametrize("follow_backend", ["redis_cluster"], indirect=True)
def test_expired_tombstones_are_reported_then_swept(follow_backend, settings):
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = 3600
    backend = get_backend()
    now = timezone.now()
    backend.add(A, B, now - timedelta(hours=3))
    assert backend.remove(A, B, removed_at=now - timedelta(hours=2))  # tombstones past the lifetime
    backend.add(C, B, now - timedelta(minutes=2))
    assert backend.remove(C, B, removed_at=now - timedelta(minutes=1))  # tombstones still young
    keys, client = backend.keys, backend.client
    old = [
        (keys.tombstones(A, FOLLOWINGS_CODE, "user"), "b"),
        (keys.tombstones(B, FOLLOWERS_CODE, "user"), "a"),
    ]
    young = [
        (keys.tombstones(C, FOLLOWINGS_CODE, "user"), "b"),
        (keys.tombstones(B, FOLLOWERS_CODE, "user"), "c"),
    ]
    assert all(client.hget(key, member) is not None for key, member in old + young)

    report = backend.audit()
    assert report["problems"] == [
        "2 tombstones are older than SEQUERE_REDIS_TOMBSTONE_LIFETIME; sequere_check --fix sweeps them"
    ]
    assert report["fixed"] == 0
    assert backend.audit(fix=True)["fixed"] == 1
    assert all(client.hget(key, member) is None for key, member in old)
    assert all(client.hget(key, member) is not None for key, member in young)
    assert backend.audit() == {"checked": 0, "problems": [], "fixed": 0}


def test_a_sweep_spares_a_tombstone_renewed_since_it_was_read(redis_backend):
    """The sweep script deletes a field only if it is still older than the cutoff."""
    key = redis_backend.keys.tombstones(A, FOLLOWINGS_CODE, "user")
    cutoff = to_micros(timezone.now())
    redis_backend.client.hset(key, mapping={"b": cutoff - 10, "c": cutoff + 10})
    call = ScriptCall(scripts.SWEEP, {"tombstones": key}, {"cutoff": cutoff, "members": ["b", "c", "gone"]})
    assert redis_backend.link.run(call) == {"swept": 1}
    assert redis_backend.client.hgetall(key) == {"c": str(cutoff + 10)}
    redis_backend.client.delete(key)


def test_a_single_redis_keeps_no_tombstones_to_sweep(single_redis_backend):
    backend = single_redis_backend
    backend.add(A, B, timezone.now() - timedelta(days=30))
    backend.remove(A, B)
    assert backend.audit() == {"checked": 0, "problems": [], "fixed": 0}
    assert list(backend.scan_keys("to")) == list(backend.scan_keys("ti")) == []
