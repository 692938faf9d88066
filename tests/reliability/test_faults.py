"""Faults: the Redis server goes away in the middle of a stream of follows, then comes back.

The test owns its redis-server (so stopping it disturbs no other test, and it runs when
``REDIS_URL`` names a shared server too), with an append-only file so the data outlives the
restart, as a production server's would.
"""

from __future__ import annotations

import threading

import pytest

from sequere.exceptions import AlreadyFollowingException, BackendUnavailableException, SequereException
from sequere.models import follow, get_followers_count, is_following
from tests.reliability.workload import SignalRecorder, check_store, key_of
from tests.testapp.models import Project, User

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_stopped_server_gives_clear_errors_and_nothing_half_written(own_redis):
    project = Project.objects.create(name="p")
    fans = User.objects.bulk_create([User(username=f"f{i}") for i in range(20)])
    with SignalRecorder() as recorder:
        for fan in fans[:10]:
            follow(fan, project)
        own_redis.stop()
        for fan in fans[10:]:
            with pytest.raises(BackendUnavailableException) as info:
                follow(fan, project)
            message = str(info.value)
            assert f"127.0.0.1:{own_redis.port}" in message and "SEQUERE_REDIS_CONNECTION" in message
            assert info.value.__cause__ is not None  # redis-py's own error is kept
        for read in (lambda: is_following(fans[0], project), lambda: get_followers_count(project)):
            with pytest.raises(BackendUnavailableException):
                read()
        own_redis.start()
        assert get_followers_count(project) == 10  # reconnects by itself; the AOF kept every edge
        for fan in fans[10:]:
            follow(fan, project)
    signals = sum(recorder.by_thread[threading.get_ident()].values())
    assert signals == 20  # one per real change; none for the refused calls
    check_store([project, *fans], {(key_of_obj(fan), key_of_obj(project)) for fan in fans})


def key_of_obj(obj):
    from sequere.registration import registry

    return key_of(registry.get_ref(obj))


def test_server_stopped_in_the_middle_of_a_threaded_stream(own_redis):
    """A writer thread never stops calling; the server dies under it and comes back."""
    project = Project.objects.create(name="p")
    fans = User.objects.bulk_create([User(username=f"s{i}") for i in range(300)])
    outcome: dict[int, str] = {}
    progress = threading.Condition()
    unexpected: list[BaseException] = []

    def writer() -> None:
        from django.db import connections

        try:
            for index, fan in enumerate(fans):
                try:
                    follow(fan, project)
                    result = "ok"
                except BackendUnavailableException:
                    result = "down"
                except AlreadyFollowingException:  # a reply lost to the stop, then retried
                    result = "already"
                with progress:
                    outcome[index] = result
                    progress.notify_all()
                if result == "down" and list(outcome.values()).count("down") >= 20:
                    # enough calls have met the outage: go on only once the server is back
                    restarted.wait(timeout=60)
        except BaseException as exc:  # noqa: BLE001 - reported in the test thread
            unexpected.append(exc)
        finally:
            connections.close_all()

    def wait_for(predicate) -> None:
        with progress:
            assert progress.wait_for(predicate, timeout=60), f"writer stalled: {len(outcome)} calls made"

    restarted = threading.Event()

    with SignalRecorder() as recorder:
        thread = threading.Thread(target=writer)
        thread.start()
        wait_for(lambda: list(outcome.values()).count("ok") >= 50)
        own_redis.stop()
        wait_for(lambda: list(outcome.values()).count("down") >= 20)
        own_redis.start()
        restarted.set()
        thread.join(timeout=120)
    assert not thread.is_alive() and not unexpected, unexpected
    assert len(outcome) == len(fans)
    results = list(outcome.values())
    assert set(results) <= {"ok", "down", "already"}
    print("outage figures:", {r: results.count(r) for r in ("ok", "down", "already")})  # shown with -s
    assert results.count("down") >= 20 and results[-1] == "ok"  # served again after the restart
    ok = {i for i, r in outcome.items() if r == "ok"}
    signalled = sum(recorder.by_thread.get(thread.ident, {}).values())
    assert signalled == len(ok)
    # Every acknowledged follow is stored; a failed one is either wholly there or wholly absent.
    project_key = key_of_obj(project)
    stored = {i for i, fan in enumerate(fans) if is_following(fan, project)}
    assert ok <= stored
    check_store([project, *fans], {(key_of_obj(fans[i]), project_key) for i in stored}, all_pairs=False)
    # Retrying what failed completes the stream exactly once.
    for index in set(outcome) - ok:
        try:
            follow(fans[index], project)
        except AlreadyFollowingException:
            assert index in stored
    assert get_followers_count(project) == len(fans)
    check_store([project, *fans], {(key_of_obj(fan), project_key) for fan in fans}, all_pairs=False)


def test_backend_unavailable_is_a_sequere_exception():
    assert issubclass(BackendUnavailableException, SequereException)
