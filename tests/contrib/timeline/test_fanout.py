"""Fan-out, import on follow, removal on unfollow: inline, eager Celery, retries, races, costs."""

from __future__ import annotations

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sequere.backends import get_backend
from sequere.backends.database import DatabaseBackend
from sequere.contrib import timeline as timeline_package
from sequere.contrib.timeline import Timeline, jobs
from sequere.contrib.timeline.backends import get_timeline_backend
from sequere.exceptions import BackendUnavailableException
from sequere.models import follow, unfollow
from sequere.registration import registry
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = pytest.mark.usefixtures("timeline", "follow_backend")


def make_followers(target, n, prefix="f"):
    followers = User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])
    for user in followers:
        follow(user, target)
    return followers


def private_ids(instance):
    return [a.id for a in Timeline(instance).get_private()]


def test_dispatch_reaches_every_follower_in_chunks(thoas, project, settings, timeline):
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 10
    followers = make_followers(thoas, 25)
    follow(thoas, project)  # thoas's own followings get nothing
    saved = Timeline(thoas).save(LikeAction(actor=thoas, target=project))
    for user in followers:
        assert private_ids(user) == [saved.id]
        assert Timeline(user).get_public_count() == 0
        assert Timeline(user).get_private_count(action="like", target=Project) == 1
    assert Timeline(project).get_private_count() == 0
    # the job alone: one store read, then a constant cost per chunk of followers
    record = get_timeline_backend().get_records([saved.id])[saved.id]
    with timeline.round_trips() as trips:
        assert jobs.dispatch(record.to_dict()) == 25
    if timeline.fanout_chunk_round_trips is not None:
        # the record check and the actor's pull mode, then the chunks
        assert 3 < trips.value <= 2 + 3 * timeline.fanout_chunk_round_trips


def test_dispatch_reads_followers_without_loading_instances(thoas, settings):
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 10
    make_followers(thoas, 25)
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    record = get_timeline_backend().get_records([saved.id])[saved.id].to_dict()
    with CaptureQueriesContext(connection) as queries:
        assert jobs.dispatch(record) == 25
    sql = [q["sql"] for q in queries]
    assert not [q for q in sql if User._meta.db_table in q]
    follow_sql = [q for q in sql if "sequere_follow" in q]
    # the follower count (hybrid fan-out), then pages 10, 10, 5
    assert len(follow_sql) == (4 if isinstance(get_backend(), DatabaseBackend) else 0)


def test_jobs_are_idempotent(thoas, settings):
    followers = make_followers(thoas, 5)
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    record = get_timeline_backend().get_records([saved.id])[saved.id].to_dict()
    for _ in range(2):
        assert jobs.dispatch(record) == 5
    assert all(private_ids(u) == [saved.id] for u in followers)
    owner, source = registry.get_ref(followers[0]), registry.get_ref(thoas)
    assert jobs.import_actions(list(owner), list(source)) == 1
    assert jobs.import_actions(list(owner), list(source)) == 1
    assert Timeline(followers[0]).get_private_count() == 1
    unfollow(followers[0], thoas)
    assert Timeline(followers[0]).get_private_count() == 0
    assert jobs.remove_actions(list(owner), list(source)) == 0


def test_import_on_follow_takes_the_newest_public_actions(thoas, settings):
    settings.SEQUERE_TIMELINE_POPULATE_RANGE = 3
    other = User.objects.create(username="other")
    saved = [Timeline(thoas).save(JoinAction(actor=thoas, n=i)) for i in range(5)]
    Timeline(thoas).save(JoinAction(actor=other))  # in thoas's private timeline, not public
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    assert private_ids(newbie) == [a.id for a in saved[2:]]


def test_unfollow_removes_only_that_actor(thoas, project):
    newbie = User.objects.create(username="newbie")
    other = User.objects.create(username="other")
    follow(newbie, thoas)
    follow(newbie, other)
    mine = Timeline(newbie).save(JoinAction(actor=newbie))
    from_thoas = Timeline(thoas).save(LikeAction(actor=thoas, target=project))
    from_other = Timeline(other).save(LikeAction(actor=other, target=project))
    assert set(private_ids(newbie)) == {mine.id, from_thoas.id, from_other.id}
    unfollow(newbie, thoas)
    assert private_ids(newbie) == [mine.id, from_other.id]
    assert [a.id for a in Timeline(newbie).get_private(action="like", target=project)] == [from_other.id]
    assert private_ids(thoas) == [from_thoas.id]


def test_settings_turn_import_and_removal_off(thoas, settings):
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = False
    Timeline(thoas).save(JoinAction(actor=thoas))
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    assert private_ids(newbie) == []
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    unfollow(newbie, thoas)
    assert private_ids(newbie) == [saved.id]


def test_unfollow_during_a_dispatch_leaves_nothing_behind(thoas, settings):
    """The dispatch reads a chunk that still holds the follower, the unfollow (and its removal
    job) lands, then the dispatch writes the chunk: the follower must not keep the action."""
    settings.SEQUERE_TIMELINE_DISPATCH_RANGE = 2
    followers = make_followers(thoas, 4)
    leaver = followers[0]
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    record = get_timeline_backend().get_records([saved.id])[saved.id]
    follow_backend = get_backend()
    # the dispatch reads its followers with iter_audience (iter_refs less mutes and blocks)
    real_iter_audience = follow_backend.iter_audience

    def iter_audience_then_unfollow(*args, **kwargs):
        for number, chunk in enumerate(real_iter_audience(*args, **kwargs)):
            if number == 0:
                assert registry.get_ref(leaver) in chunk
                unfollow(leaver, thoas)  # lands between the read of the chunk and its write
            yield chunk

    get_timeline_backend().retract([record], [registry.get_ref(u) for u in followers])
    follow_backend.iter_audience = iter_audience_then_unfollow
    try:
        jobs.dispatch(record.to_dict())
    finally:
        del follow_backend.iter_audience
    assert private_ids(leaver) == []
    assert all(private_ids(u) == [saved.id] for u in followers[1:])
    # following again later delivers again
    follow(leaver, thoas)
    assert private_ids(leaver) == [saved.id]


def test_removal_waits_for_a_refollow(thoas):
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    owner, actor = list(registry.get_ref(newbie)), list(registry.get_ref(thoas))
    # a removal job that runs after the follower came back removes nothing
    assert jobs.remove_actions(owner, actor) == 0
    assert private_ids(newbie) == [saved.id]


def test_inline_jobs_run_inside_the_callers_transaction(thoas, timeline):
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    with transaction.atomic():
        saved = Timeline(thoas).save(JoinAction(actor=thoas))
        assert private_ids(thoas) == [saved.id]
        assert private_ids(newbie) == [saved.id]  # at once, not at the commit
    assert private_ids(newbie) == [saved.id]
    with transaction.atomic():
        Timeline(thoas).save(JoinAction(actor=thoas))
        assert Timeline(newbie).get_private_count() == 2
        transaction.set_rollback(True)
    # the database timeline rolls back with the caller; a Redis one keeps what it wrote
    expected = 1 if timeline.name == "database" else 2
    assert Timeline(newbie).get_private_count() == expected


def sent_task_names(app) -> list[str]:
    """Drain the test app's in-memory broker queue: the names of the tasks sent to it."""
    names = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        while True:
            try:
                message = queue.get_nowait()
            except queue.Empty:
                break
            names.append(message.headers["task"])
            message.ack()
        queue.close()
    return names


def test_jobs_for_workers_wait_for_the_commit(thoas, settings):
    from tests.celery_app import app

    settings.SEQUERE_TIMELINE_FANOUT = "celery"
    newbie = User.objects.create(username="newbie")
    follow(newbie, thoas)
    sent_task_names(app)
    app.conf.task_always_eager = False  # a worker's job: sent to the (in-memory) broker
    try:
        with transaction.atomic():
            Timeline(thoas).save(JoinAction(actor=thoas))
            assert sent_task_names(app) == []  # queued for the commit, not sent
        assert sent_task_names(app) == ["sequere.timeline.dispatch"]
    finally:
        app.conf.task_always_eager = True
    assert Timeline(newbie).get_private_count() == 0  # no worker ran it


def test_eager_celery_runs_the_named_tasks(thoas, celery_eager):
    from sequere import receivers
    from sequere.contrib.timeline import inactive, tasks

    assert set(tasks.TASKS) == {*jobs.JOBS, inactive.refresh, receivers.forget}
    assert {t.name for t in tasks.TASKS.values()} == {
        "sequere.timeline.dispatch",
        "sequere.timeline.deliver",
        "sequere.timeline.retract",
        "sequere.timeline.retract_chunk",
        "sequere.timeline.forget_chunk",
        "sequere.timeline.stop_pulling",
        "sequere.timeline.switch_mode",
        "sequere.timeline.pull_chunk",
        "sequere.timeline.materialize_chunk",
        "sequere.timeline.import_actions",
        "sequere.timeline.remove_actions",
        "sequere.timeline.refresh",
        "sequere.timeline.hide_actions",
        "sequere.forget",
    }
    for task in tasks.TASKS.values():
        assert task.acks_late and task.serializer == "json"
        assert BackendUnavailableException in task.autoretry_for and task.retry_backoff
    followers = make_followers(thoas, 3)
    saved = Timeline(thoas).save(JoinAction(actor=thoas))
    assert all(private_ids(u) == [saved.id] for u in followers)
    unfollow(followers[0], thoas)
    assert private_ids(followers[0]) == []
    follow(followers[0], thoas)
    assert private_ids(followers[0]) == [saved.id]


def test_celery_missing_names_the_extra(thoas, settings, monkeypatch):
    settings.SEQUERE_TIMELINE_FANOUT = "celery"
    monkeypatch.setitem(sys.modules, "celery", None)
    monkeypatch.delitem(sys.modules, "sequere.contrib.timeline.tasks", raising=False)
    monkeypatch.delattr(timeline_package, "tasks", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"django-sequere\[timeline\].*'inline'"):
        Timeline(thoas).save(JoinAction(actor=thoas))


def test_unknown_fanout_mode(thoas, settings):
    settings.SEQUERE_TIMELINE_FANOUT = "threads"
    with pytest.raises(ImproperlyConfigured, match="SEQUERE_TIMELINE_FANOUT = 'threads'.*'inline'"):
        Timeline(thoas).save(JoinAction(actor=thoas))
