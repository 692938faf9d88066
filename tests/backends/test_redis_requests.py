"""Follow requests on the Redis follow backend beyond the contract: round trips, key slots,
resends recognised, and the cluster approval completed after its second half was lost."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from redis.crc import key_slot

from sequere import signals
from sequere.backends import FOLLOWERS, REQUESTS, SENT_REQUESTS
from sequere.backends.base import ADDED, APPROVED, FOLLOWING, MISSING, PENDING
from sequere.backends.redis import scripts
from sequere.backends.redis.keys import REQUESTS_CODE, SENT_REQUESTS_CODE
from sequere.follow_requests import finish_approval
from sequere.redis.scripts import ScriptCall
from sequere.refs import Ref
from sequere.registration import registry
from sequere.timeutils import to_micros
from tests.backends.redis_helpers import round_trips
from tests.backends.test_redis_backend import nodes_for
from tests.testapp.models import User

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=dt_timezone.utc)
A, B = Ref("user", "a"), Ref("user", "b")


@pytest.fixture(autouse=True)
def tombstones_outlive_the_test_dates(settings):
    settings.SEQUERE_REDIS_TOMBSTONE_LIFETIME = timedelta(days=365 * 100)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_round_trips(redis_backend):
    backend = redis_backend
    # warm: scripts cached on the nodes, cluster slots known
    backend.add_request(A, B, at(0))
    backend.approve_request(A, B, at(0.5))
    backend.remove(A, B, removed_at=at(0.6))
    backend.add_request(A, B, at(0.7))
    backend.remove_request(A, B)
    hops = nodes_for(backend, A, B)
    with round_trips() as sent:
        assert backend.add_request(A, B, at(1)) == ADDED
    assert sent[0] == hops  # one per node: both halves in one pipeline on a cluster
    with round_trips() as sent:
        assert backend.add_request(A, B, at(2)) == PENDING
    assert sent[0] == hops
    with round_trips() as sent:
        assert backend.request_exists(A, B)
    assert sent[0] == 1
    with round_trips() as sent:
        assert backend.remove_request(A, B)
    assert sent[0] == hops
    backend.add_request(A, B, at(3))
    with round_trips() as sent:
        assert backend.approve_request(A, B, at(4)) == APPROVED
    # one script on a single Redis; the followed's half, then the follower's, on a cluster
    assert sent[0] == (2 if backend.link.cluster else 1)
    with round_trips() as sent:
        assert backend.approve_request(A, B, at(5)) == MISSING
    assert sent[0] == 1
    with round_trips() as sent:
        assert backend.add_request(A, B, at(6)) == FOLLOWING
    assert sent[0] == hops


def test_request_keys_share_their_resource_slot(redis_backend):
    backend = redis_backend
    backend.add_request(A, B, at(1))
    received = backend.keys.key(B, REQUESTS_CODE, "user")
    sent = backend.keys.key(A, SENT_REQUESTS_CODE, "user")
    assert backend.client.zscore(received, "a") == to_micros(at(1))
    assert backend.client.zscore(sent, "b") == to_micros(at(1))
    assert key_slot(received.encode()) == key_slot(backend.keys.key(B, "i", "user").encode())
    assert key_slot(sent.encode()) == key_slot(backend.keys.key(A, "o", "user").encode())
    assert backend.count(REQUESTS, B) == 1 == backend.count(SENT_REQUESTS, A)
    assert backend.count(FOLLOWERS, B) == 0


def test_resends_recognise_their_own_write(redis_backend):
    backend = redis_backend
    assert backend.add_request(A, B, at(1)) == ADDED
    assert backend.add_request(A, B, at(1)) == ADDED  # the same call resent: its own request
    assert backend.add_request(A, B, at(2)) == PENDING
    assert backend.approve_request(A, B, at(3)) == APPROVED
    assert backend.approve_request(A, B, at(3)) == APPROVED  # resent: the edge at its date
    assert backend.approve_request(A, B, at(4)) == MISSING
    assert backend.count(FOLLOWERS, B) == 1


def test_a_drop_resent_finds_its_marker(single_redis_backend):
    backend = single_redis_backend
    backend.add_request(A, B, at(1))
    keys = backend._request_keys(A, B)
    call = ScriptCall(
        scripts.DROP_REQUEST,
        {**keys, "marker": backend.keys.marker(B, REQUESTS_CODE, A)},
        {"follower": "a", "followed": "b", "op": "op-1", "keep": 60},
    )
    assert backend.link.run(call) == {"removed": True, "again": False}
    assert backend.link.run(call) == {"removed": False, "again": True}


@pytest.mark.cluster
@pytest.mark.redis
def test_cluster_approval_whose_second_half_was_lost_is_finished_by_the_outbox(settings, redis_cluster):
    from tests.backends.redis_helpers import configure_redis_backend

    with configure_redis_backend(settings, redis_cluster.url):
        from sequere.backends import get_backend

        backend = get_backend()
        fan = User.objects.create(username="fan")
        account = User.objects.create(username="account", is_private=True)
        a, b = registry.get_ref(fan), registry.get_ref(account)
        backend.add_request(a, b, at(1))
        stamp = to_micros(at(2))
        # only the followed's half ran (the follower's pipeline never got through)
        half = backend.writes.half(True, a, b, 1, stamp)
        keys = dict(zip(scripts.FOLLOW_HALF.keys, half.keys, strict=True))
        keys["requests"] = backend._request_keys(a, b)["followed_requests"]
        reply = backend.link.run(
            ScriptCall(scripts.APPROVE_HALF, keys, {"time": stamp, "member": a.object_id})
        )
        assert reply["approved"] and reply["applied"]
        assert not backend.exists(a, b)  # the follower's half is missing
        seen = []

        def receive(sender, from_instance, to_instance, **kwargs):
            seen.append((from_instance, to_instance))

        signals.follow_approved.connect(receive, weak=False, dispatch_uid="lost-half")
        try:
            assert finish_approval(list(a), list(b), str(stamp)) == 1
        finally:
            signals.follow_approved.disconnect(dispatch_uid="lost-half")
        assert backend.exists(a, b)
        assert backend.count(SENT_REQUESTS, a) == 0
        assert seen == [(fan, account)]
        # an approval that never ran is not finished
        assert finish_approval(list(b), list(a), str(stamp)) == 0


def test_follow_with_requests_in_force_is_one_round_trip_per_slot(redis_backend, settings):
    from sequere.models import REQUESTED, follow

    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    fan = User.objects.create(username="fan")
    account = User.objects.create(username="account", is_private=True)
    warm = User.objects.create(username="warm", is_private=True)
    follow(warm, account)  # scripts cached on both nodes, connections open, slots known
    follow(fan, warm)
    hops = nodes_for(redis_backend, registry.get_ref(fan), registry.get_ref(account))
    with round_trips() as sent:
        assert follow(fan, account) is REQUESTED
    assert sent[0] == hops


def test_approve_racing_cancel_in_threads(redis_backend):
    """Many requests, each approved and cancelled at the same moment from two threads: exactly
    one of the two wins each, and what is stored says which."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    backend = redis_backend
    account = Ref("user", "account")
    askers = [Ref("user", f"r{i}") for i in range(40)]
    for i, asker in enumerate(askers):
        backend.add_request(asker, account, at(i))
    start = threading.Barrier(2)

    def race(asker):
        def approve():
            start.wait()
            return backend.approve_request(asker, account, at(100))

        def cancel():
            start.wait()
            return backend.remove_request(asker, account)

        with ThreadPoolExecutor(2) as pool:
            approved, cancelled = pool.submit(approve), pool.submit(cancel)
            return approved.result(), cancelled.result()

    outcomes = [race(asker) for asker in askers]
    for asker, (approved, cancelled) in zip(askers, outcomes, strict=True):
        assert (approved == APPROVED) != cancelled, (asker, approved, cancelled)
        assert approved in (APPROVED, MISSING)
        assert backend.exists(asker, account) is (approved == APPROVED)
        assert not backend.request_exists(asker, account)
    assert backend.count(REQUESTS, account) == 0
    assert sum(backend.count(SENT_REQUESTS, asker) for asker in askers) == 0
    assert backend.count(FOLLOWERS, account) == sum(a == APPROVED for a, _ in outcomes)


def test_audit_finds_and_repairs_request_halves(redis_backend):
    backend = redis_backend
    C, D = Ref("user", "c"), Ref("project", "d")
    backend.add_request(A, B, at(1))
    backend.add_request(C, B, at(2))
    backend.add_request(A, D, at(3))
    assert backend.audit() == {"checked": 3, "problems": [], "fixed": 0}
    client, keys = backend.client, backend.keys
    client.zrem(keys.key(C, SENT_REQUESTS_CODE, "user"), "b")  # the sent half lost
    client.zadd(keys.key(A, SENT_REQUESTS_CODE, "project"), {"d": to_micros(at(9))})  # another date
    client.zadd(keys.key(C, SENT_REQUESTS_CODE, "project"), {"d": to_micros(at(4))})  # never received
    report = backend.audit()
    assert report["fixed"] == 0 and len(report["problems"]) == 3, report
    assert any("user:c to follow user:b is missing" in p for p in report["problems"])
    assert any("user:a to follow project:d is dated otherwise" in p for p in report["problems"])
    assert any("user:c lists a request to follow project:d" in p for p in report["problems"])
    assert backend.audit(fix=True)["fixed"] == 3
    assert backend.audit() == {"checked": 3, "problems": [], "fixed": 0}
    assert backend.count(SENT_REQUESTS, C) == 1
    assert [e.created_at for e in backend.fetch(SENT_REQUESTS, A, identifier="project")] == [at(3)]
