"""``manage.py sequere_check`` against deliberately corrupted stores."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from sequere.backends import FOLLOWERS, get_backend
from sequere.backends.database.models import Follow
from sequere.management.commands.sequere_check import Command
from sequere.models import follow, get_followers_count, get_followings_count, is_following
from sequere.refs import Ref
from tests.testapp.models import Project, Tag, Team, User

pytestmark = pytest.mark.django_db


def check(*args, store="follow"):
    """Run the command on one store; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("sequere_check", *args, *(["--store", store] if store else []), stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def raw_row(from_ref, to_ref, **extra):
    """An edge written around the API, as a bad import or a hand-made SQL fix would."""
    return Follow.objects.create(
        from_identifier=from_ref.identifier,
        from_object_id=from_ref.object_id,
        to_identifier=to_ref.identifier,
        to_object_id=to_ref.object_id,
        **extra,
    )


def ref(instance):
    return Ref({User: "user", Project: "project", Tag: "tag", Team: "team"}[type(instance)], str(instance.pk))


@pytest.fixture
def people():
    thoas, newbie = User.objects.create(username="thoas"), User.objects.create(username="newbie")
    project = Project.objects.create(name="La classe americaine")
    follow(thoas, project)
    follow(newbie, project)
    follow(newbie, thoas)
    return thoas, newbie, project


def test_clean_store_exits_0(people):
    status, out, err = check()
    assert status == 0, err
    assert "DatabaseBackend: checked 3 edges, 3 objects; 0 problem(s) found." in out
    assert "problem:" not in out
    assert err == ""


def test_queries_one_per_identifier(people, django_assert_num_queries):
    Team.objects.create(name="core").follow(people[0])
    # self edges, duplicates, edge count; the distinct refs; one existence query per identifier
    with django_assert_num_queries(3 + 1 + 3):
        assert check()[0] == 0


def test_queries_per_chunk(django_assert_num_queries):
    users = User.objects.bulk_create([User(username=f"u{i}") for i in range(5)])
    project = Project.objects.create(name="p")
    for user in users:
        follow(user, project)
    with django_assert_num_queries(3 + 1 + 3 + 1):  # users in chunks of 2: 3 queries
        assert check("--chunk-size", "2")[0] == 0


def test_objects_deleted_around_the_orm(people):
    thoas, newbie, project = people
    Project.objects.filter(pk=project.pk)._raw_delete("default")  # no post_delete signal

    status, out, err = check()
    assert status == 1
    assert f"problem: project:{project.pk} has no row; its edges point nowhere" in out
    assert "1 problem(s) found. Run again with --fix to repair." in err
    assert Follow.objects.count() == 3  # a check alone changes nothing

    status, out, err = check("--fix")
    assert status == 0, err
    assert "1 problem(s) found, 1 fixed." in out
    assert Follow.objects.count() == 1
    assert get_followings_count(thoas) == 0
    assert is_following(newbie, thoas)
    assert check()[0] == 0


def test_ids_that_can_never_match_a_row(people):
    thoas, newbie, project = people
    raw_row(ref(thoas), Ref("project", "not-a-number"))
    raw_row(ref(thoas), Ref("team", "not-a-uuid"))
    raw_row(ref(thoas), Ref("project", "9" * 30))  # out of the integer range
    status, out, _ = check()
    assert status == 1
    assert "problem: project:not-a-number is not a valid id of testapp.Project" in out
    assert "problem: team:not-a-uuid is not a valid id of testapp.Team" in out
    assert f"problem: project:{'9' * 30} is not a valid id of testapp.Project" in out
    assert check("--fix")[0] == 0
    assert get_followings_count(thoas) == 1
    assert check()[0] == 0


def test_non_canonical_ids_are_moved_to_the_canonical_ref(people):
    thoas, newbie, project = people
    team = Team.objects.create(name="core")
    other = Project.objects.create(name="other")
    raw_row(Ref("user", f"0{thoas.pk}"), ref(other))  # "01" for pk 1
    raw_row(Ref("user", f"00{newbie.pk}"), ref(project))  # already stored canonically too
    raw_row(ref(thoas), Ref("team", str(team.pk).upper()))

    status, out, _ = check()
    assert status == 1
    assert f"problem: user:0{thoas.pk} is spelled '{thoas.pk}' by its row" in out
    assert f"problem: team:{str(team.pk).upper()} is spelled '{team.pk}' by its row" in out

    assert check("--fix")[0] == 0
    assert is_following(thoas, other) and is_following(thoas, team)
    assert get_followers_count(project) == 2
    assert Follow.objects.count() == 5
    assert check()[0] == 0


def test_self_edges(people):
    thoas = people[0]
    raw_row(ref(thoas), ref(thoas))
    status, out, _ = check()
    assert status == 1
    assert f"problem: self edge user:{thoas.pk} -> user:{thoas.pk}" in out
    assert check("--fix")[0] == 0
    assert Follow.objects.count() == 3
    pk = str(thoas.pk)
    assert not Follow.objects.filter(from_object_id=pk, to_identifier="user", to_object_id=pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs to drop a constraint in a transaction")
def test_duplicate_edges_are_merged_keeping_the_oldest(people):
    thoas, newbie, project = people
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("ALTER TABLE sequere_follow DROP CONSTRAINT sequere_follow_unique_edge")
    first = Follow.objects.get(from_object_id=str(thoas.pk), to_identifier="project")
    raw_row(ref(thoas), ref(project), created_at=timezone.now())
    raw_row(ref(thoas), ref(project), created_at=timezone.now())
    status, out, _ = check()
    assert status == 1
    assert f"duplicate edge user:{thoas.pk} -> project:{project.pk} stored 3 times" in out
    assert check("--fix")[0] == 0
    assert list(Follow.objects.filter(from_object_id=str(thoas.pk), to_identifier="project")) == [first]


def test_unknown_identifiers_are_reported_but_left_alone(people):
    thoas = people[0]
    raw_row(ref(thoas), Ref("ghost", "1"))
    status, out, err = check("--fix")
    assert status == 1
    assert "problem: 1 objects use identifier 'ghost', which no registered model claims" in out
    assert "1 problem(s) found, 0 fixed." in err
    assert Follow.objects.filter(to_identifier="ghost").count() == 1


def test_progress_on_stderr_for_long_runs():
    users = User.objects.bulk_create([User(username=f"u{i}") for i in range(5)])
    project = Project.objects.create(name="p")
    for user in users:
        follow(user, project)
    status, out, err = check("--chunk-size", "2")
    assert status == 0
    # one project, then the users by two: a line each time a multiple of 2 is passed, then the end
    assert err.splitlines() == [
        "sequere_check: objects checked: 3",
        "sequere_check: objects checked: 5",
        "sequere_check: objects checked: 6",
    ]
    assert "sequere_check" not in out
    assert check("--chunk-size", "2", "--verbosity", "0")[2] == ""


def test_bad_chunk_size():
    with pytest.raises(CommandError, match="--chunk-size must be a positive number"):
        call_command("sequere_check", "--chunk-size", "0")


def test_exit_status_from_the_command_line(people, capsys):
    Project.objects.filter(pk=people[2].pk)._raw_delete("default")
    with pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["manage.py", "sequere_check"])
    assert exc.value.code == 1
    assert "Run again with --fix" in capsys.readouterr().err


@pytest.mark.usefixtures("follow_backend")
def test_gone_rows_on_every_backend(follow_backend):
    """Edges written an hour ago whose rows were deleted around the ORM since."""
    backend = get_backend()
    thoas = User.objects.create(username="thoas")
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(3)])
    hour_ago = timezone.now() - timedelta(hours=1)
    for project in projects:
        backend.add(ref(thoas), ref(project), hour_ago)
    Project.objects.filter(pk=projects[0].pk)._raw_delete("default")

    status, out, _ = check()
    assert status == 1
    assert f"problem: project:{projects[0].pk} has no row" in out
    assert check("--fix")[0] == 0
    assert [edge.ref for edge in backend.fetch(FOLLOWERS, ref(projects[1]))] == [ref(thoas)]
    assert backend.count(FOLLOWERS, ref(projects[0])) == 0
    assert get_followings_count(thoas) == 2
    assert check()[0] == 0


@pytest.mark.redis
def test_young_edges_of_missing_rows_are_left_alone_outside_the_database(redis_url, settings):
    from tests.backends.redis_helpers import configure_redis_backend

    with configure_redis_backend(settings, redis_url):
        thoas = User.objects.create(username="thoas")
        project = Project.objects.create(name="p")
        follow(thoas, project)
        Project.objects.filter(pk=project.pk)._raw_delete("default")
        status, out, _ = check("--fix")
        assert status == 1
        assert "1 objects are missing but have edges younger than 0:05:00" in out
        assert get_followings_count(thoas) == 1


@pytest.mark.redis
def test_redis_audit_is_part_of_the_check(redis_url, settings):
    from tests.backends.redis_helpers import configure_redis_backend

    with configure_redis_backend(settings, redis_url):
        backend = get_backend()
        thoas, project = User.objects.create(username="thoas"), Project.objects.create(name="p")
        backend.add(ref(thoas), ref(project), timezone.now() - timedelta(hours=1))
        backend.client.zrem(backend.keys.key(ref(project), "i", "user"), str(thoas.pk))  # half edge
        status, out, err = check()
        assert status == 1
        assert "half edge" in out
        assert "RedisBackend: checked 1 edges" in err
        assert check("--fix")[0] == 0
        assert check()[0] == 0
