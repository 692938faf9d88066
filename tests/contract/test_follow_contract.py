"""The follow contract: every backend in ``FOLLOW_BACKENDS`` must pass every test here."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sequere import signals
from sequere.backends import get_backend
from sequere.exceptions import (
    AlreadyFollowingException,
    InvalidInstanceException,
    NotFollowingException,
    NotRegisteredException,
    SequereException,
)
from sequere.models import (
    follow,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    get_friends,
    get_friends_count,
    is_following,
    unfollow,
)
from tests.testapp.models import Project, Tag, Team, Unregistered, User

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("follow_backend")]

#: SQL queries a backend itself spends to read one page of edges (instances not included).
SQL_PER_EDGE_PAGE = {"database": 1}


@pytest.fixture
def thoas():
    return User.objects.create(username="thoas")


@pytest.fixture
def project():
    return Project.objects.create(name="La classe americaine")


def users(n, prefix="u"):
    return User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])


def test_readme_session(thoas, project):
    follow(thoas, project)
    assert is_following(thoas, project) is True
    assert is_following(project, thoas) is False
    assert get_followers_count(project) == 1
    assert get_followings_count(thoas) == 1
    assert list(get_followers(thoas)) == []
    assert repr(get_followers(thoas)) == "[]"
    [(follower, at)] = get_followers(project)
    assert follower == thoas
    assert isinstance(at, datetime) and at.tzinfo is not None
    assert repr(get_followers(project)).startswith("[(<User: thoas>, datetime.datetime(")
    [(followed, at2)] = get_followings(thoas)
    assert followed == project and at2 == at


def test_mixin_session(thoas, project):
    thoas.follow(project)
    assert thoas.is_following(project)
    assert project.get_followers_count() == 1
    assert thoas.get_followings_count() == 1
    assert thoas.get_followers() == []
    assert [u for u, _ in project.get_followers()] == [thoas]
    assert [p for p, _ in thoas.get_followings()] == [project]
    thoas.unfollow(project)
    assert not thoas.is_following(project)
    assert project.get_followers_count() == 0


def test_follow_twice_raises_and_keeps_first_date(thoas, project):
    follow(thoas, project)
    [(_, first)] = get_followers(project)
    with pytest.raises(AlreadyFollowingException, match="already follows"):
        follow(thoas, project)
    assert get_followers_count(project) == 1
    assert get_followers(project)[0][1] == first


def test_unfollow_without_follow_raises(thoas, project):
    with pytest.raises(NotFollowingException, match="does not follow"):
        unfollow(thoas, project)


def test_fail_silently(settings, thoas, project):
    settings.SEQUERE_FAIL_SILENTLY = True
    follow(thoas, project)
    follow(thoas, project)
    assert get_followers_count(project) == 1
    unfollow(thoas, project)
    unfollow(thoas, project)
    assert get_followers_count(project) == 0


def test_self_follow_is_refused(thoas):
    with pytest.raises(InvalidInstanceException, match="cannot follow itself"):
        follow(thoas, thoas)
    assert get_followings_count(thoas) == 0
    assert get_followers_count(thoas) == 0


def test_unregistered_model_is_named(thoas):
    other = Unregistered.objects.create(name="x")
    with pytest.raises(NotRegisteredException, match=r"testapp\.Unregistered.*sequere\.register"):
        follow(thoas, other)
    with pytest.raises(NotRegisteredException, match="Unregistered"):
        follow(other, thoas)
    assert get_followings_count(thoas) == 0
    assert get_followers_count(thoas) == 0


def test_unsaved_instance_is_refused(thoas):
    with pytest.raises(InvalidInstanceException, match=r"not saved.*\.save\(\)"):
        follow(thoas, Project(name="draft"))
    with pytest.raises(InvalidInstanceException, match="not saved"):
        follow(User(username="ghost"), thoas)
    assert get_followings_count(thoas) == 0


def test_class_instead_of_instance_is_refused(thoas):
    with pytest.raises(InvalidInstanceException, match="model instance"):
        follow(thoas, Project)


def test_errors_are_sequere_exceptions():
    for exc in (
        AlreadyFollowingException,
        NotFollowingException,
        NotRegisteredException,
        InvalidInstanceException,
    ):
        assert issubclass(exc, SequereException)


def test_unknown_identifier_filter_is_named(thoas):
    with pytest.raises(NotRegisteredException, match="'nope'"):
        get_followers_count(thoas, identifier="nope")


def test_signals_fire_once_per_real_change(settings, thoas, project):
    settings.SEQUERE_FAIL_SILENTLY = True
    seen = []

    def on_followed(sender, from_instance, to_instance, created_at, **kwargs):
        seen.append(("followed", sender, from_instance, to_instance))

    def on_unfollowed(sender, from_instance, to_instance, **kwargs):
        seen.append(("unfollowed", sender, from_instance, to_instance))

    signals.followed.connect(on_followed)
    signals.unfollowed.connect(on_unfollowed)
    try:
        follow(thoas, project)
        follow(thoas, project)
        unfollow(thoas, project)
        unfollow(thoas, project)
    finally:
        signals.followed.disconnect(on_followed)
        signals.unfollowed.disconnect(on_unfollowed)
    assert seen == [("followed", User, thoas, project), ("unfollowed", User, thoas, project)]


def test_identifier_filter_on_lists_and_counts(thoas, project):
    team = Team.objects.create(name="core")
    alice = User.objects.create(username="alice")
    follow(thoas, project)
    follow(thoas, team)
    follow(thoas, alice)
    assert get_followings_count(thoas) == 3
    assert get_followings_count(thoas, identifier="project") == 1
    assert get_followings_count(thoas, identifier=Team) == 1
    assert get_followings_count(thoas, identifier=alice) == 1
    assert [o for o, _ in get_followings(thoas, identifier="project")] == [project]
    assert [o for o, _ in get_followings(thoas, identifier="team")] == [team]
    follow(alice, team)
    follow(project, team)
    assert get_followers_count(team, identifier="user") == 2
    assert {o for o, _ in get_followers(team, identifier="user")} == {thoas, alice}
    assert [o for o, _ in get_followers(team, identifier="project")] == [project]


def test_order_newest_first_with_sub_second_precision(thoas):
    followers = users(5)
    for user in followers:
        follow(user, thoas)
    listed = get_followers(thoas)
    assert [u for u, _ in listed] == list(reversed(followers))
    dates = [at for _, at in listed]
    assert dates == sorted(dates, reverse=True)
    assert len(set(dates)) == 5  # microseconds kept
    assert [u for u, _ in get_followers(thoas, desc=False)] == followers


def test_order_is_stable_for_pages(thoas):
    followers = users(30)
    for user in followers:
        follow(user, thoas)
    pages = [list(get_followers(thoas)[i : i + 7]) for i in range(0, 30, 7)]
    flat = [u for page in pages for u, _ in page]
    assert flat == list(reversed(followers))


def test_friends_follow_every_change(thoas):
    alice, bob = users(2)
    follow(thoas, alice)
    assert get_friends_count(thoas) == 0
    follow(alice, thoas)
    assert get_friends_count(thoas) == 1
    assert get_friends_count(alice) == 1
    [(friend, since)] = get_friends(thoas)
    assert friend == alice
    assert since == get_followers(thoas)[0][1]  # mutual since alice's follow, the later one
    follow(thoas, bob)
    follow(bob, thoas)
    assert [u for u, _ in get_friends(thoas)] == [bob, alice]
    assert get_friends_count(thoas, identifier="user") == 2
    assert get_friends_count(thoas, identifier="project") == 0
    unfollow(alice, thoas)
    assert [u for u, _ in get_friends(thoas)] == [bob]
    assert get_friends_count(alice) == 0
    unfollow(thoas, bob)
    assert get_friends_count(thoas) == 0
    assert get_friends_count(bob) == 0


def test_deleting_an_instance_removes_its_edges(thoas, project, django_capture_on_commit_callbacks):
    alice = User.objects.create(username="alice")
    follow(thoas, project)
    follow(alice, project)
    follow(project, alice)
    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert get_followings_count(thoas) == 0
    assert get_followings_count(alice) == 0
    assert get_followers_count(alice) == 0
    assert get_friends_count(alice) == 0


def test_missing_rows_are_left_out_of_pages(thoas, project):
    follow(thoas, project)
    alice = User.objects.create(username="alice")
    follow(alice, project)
    # A raw delete skips post_delete: the page must still hold only real instances.
    User.objects.filter(pk=alice.pk)._raw_delete(using="default")
    assert [u for u, _ in get_followers(project)] == [thoas]


@pytest.mark.parametrize("make", ["int", "uuid", "str"])
def test_primary_key_types(thoas, make):
    if make == "int":
        target = Project.objects.create(name="p")
    elif make == "uuid":
        target = Team.objects.create(id=uuid.uuid4(), name="t")
    else:
        target = Tag.objects.create(slug="weird: {key} with spaces\nand ünïcode")
    follow(thoas, target)
    assert is_following(thoas, target)
    assert [o for o, _ in get_followings(thoas)] == [target]
    assert [u for u, _ in get_followers(target)] == [thoas]
    follow(target, thoas)
    assert [o for o, _ in get_friends(thoas)] == [target]
    unfollow(thoas, target)
    assert not is_following(thoas, target)


def test_string_keys_that_look_alike_do_not_collide(thoas):
    a = Tag.objects.create(slug="a:b")
    b = Tag.objects.create(slug="a")
    follow(thoas, a)
    assert not is_following(thoas, b)
    assert get_followers_count(b) == 0


def test_lazy_list_protocol(thoas):
    followers = users(25)
    for user in followers:
        follow(user, thoas)
    newest = list(reversed(followers))
    result = get_followers(thoas)
    assert len(result) == 25 and result.count() == 25
    assert bool(result) and not bool(get_followers(followers[0]))
    assert result[0][0] == newest[0]
    assert result[-1][0] == newest[-1]
    assert [u for u, _ in result[5:8]] == newest[5:8]
    assert [u for u, _ in result[-3:]] == newest[-3:]
    assert result[30:40] == []
    with pytest.raises(IndexError):
        result[25]
    with pytest.raises(TypeError):
        result["a"]
    assert [u for u, _ in result] == newest
    text = repr(result)
    assert text.endswith("'...(remaining elements truncated)...']")


def test_paginator_accepts_lists(thoas):
    for user in users(23):
        follow(user, thoas)
    paginator = Paginator(get_followers(thoas), 10)
    assert paginator.count == 23
    assert paginator.num_pages == 3
    assert len(paginator.page(3).object_list) == 3
    assert paginator.page(1).has_next()


def test_naive_datetimes_without_use_tz(settings, thoas, project):
    settings.USE_TZ = False
    follow(thoas, project)
    [(_, at)] = get_followers(project)
    assert at.tzinfo is None
    assert abs(at - datetime.now()) < timedelta(minutes=5)


@pytest.mark.parametrize("size", [10, 100])
def test_page_query_count(follow_backend, thoas, size):
    people = users(size)
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(size)])
    teams = Team.objects.bulk_create([Team(name=f"t{i}") for i in range(size)])
    for user, proj, team in zip(people, projects, teams, strict=True):
        follow(user, thoas)
        follow(proj, thoas)
        follow(team, thoas)
    page_size = size
    get_backend()  # built outside the measured block
    with CaptureQueriesContext(connection) as ctx:
        page = get_followers(thoas)[:page_size]
    assert len(page) == page_size
    types = {type(obj) for obj, _ in page}
    assert len(ctx.captured_queries) == SQL_PER_EDGE_PAGE.get(follow_backend, 0) + len(types)
    with CaptureQueriesContext(connection) as ctx:
        page = get_followers(thoas, identifier="user")[:page_size]
    assert len(page) == page_size
    assert len(ctx.captured_queries) == SQL_PER_EDGE_PAGE.get(follow_backend, 0) + 1


@pytest.mark.parametrize("chunk", [1, 7, 100])
def test_iter_refs_yields_every_follower_once_oldest_first(thoas, chunk):
    from django.utils import timezone

    from sequere.backends import FOLLOWERS
    from sequere.registration import registry

    people = users(23)
    same_time = timezone.now()
    backend = get_backend()
    target = registry.get_ref(thoas)
    # ties on the date must neither repeat nor drop anyone between chunks
    backend.add_many([(registry.get_ref(u), target, same_time) for u in people[:10]])
    for user in people[10:]:
        follow(user, thoas)
    chunks = list(backend.iter_refs(FOLLOWERS, target, chunk_size=chunk))
    refs = [ref for part in chunks for ref in part]
    assert all(len(part) <= chunk for part in chunks)
    assert len(refs) == len(set(refs)) == 23
    assert refs[10:] == [registry.get_ref(u) for u in people[10:]]
    assert set(refs[:10]) == {registry.get_ref(u) for u in people[:10]}


#: SQL statements a backend itself spends on one write or one point read.
SQL_PER_CALL = {"database": 1}


def test_calls_cost_one_statement_or_none(
    follow_backend, thoas, project, django_assert_num_queries, settings
):
    # the follow backend's own cost: no timeline job (hybrid fan-out queues one per follow)
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    expected = SQL_PER_CALL.get(follow_backend, 0)
    get_backend()
    with django_assert_num_queries(expected):
        follow(thoas, project)  # one INSERT ... ON CONFLICT DO NOTHING on the database
    with django_assert_num_queries(expected):
        assert is_following(thoas, project)
    with django_assert_num_queries(expected):
        assert get_followers_count(project) == 1
    with django_assert_num_queries(expected):
        assert get_friends_count(thoas) == 0
    with django_assert_num_queries(expected):
        unfollow(thoas, project)
