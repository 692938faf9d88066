"""``manage.py sequere_migrate`` between the database and Redis: dates kept, resumable, verified."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sequere.backends import FOLLOWERS, FOLLOWINGS
from sequere.backends.database import DatabaseBackend
from sequere.backends.database.models import Follow
from sequere.backends.redis import RedisBackend
from sequere.refs import Ref
from tests.backends.redis_helpers import configure_redis_backend

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

T0 = datetime(2023, 1, 1, tzinfo=dt_timezone.utc)


def make_edges(count: int, resources: int, seed: int = 7) -> set[tuple[Ref, Ref, datetime]]:
    rng = random.Random(seed)
    kinds = ["user", "project", "tag"]
    edges: dict[tuple[Ref, Ref], datetime] = {}
    while len(edges) < count:
        a = Ref(kinds[rng.randrange(3)], str(rng.randrange(resources)))
        b = Ref(kinds[rng.randrange(3)], str(rng.randrange(resources)))
        if a != b:
            edges.setdefault((a, b), T0 + timedelta(microseconds=rng.randrange(10**12)))
    return {(a, b, at) for (a, b), at in edges.items()}


def store_in_database(edges) -> None:
    Follow.objects.bulk_create(
        [
            Follow(
                from_identifier=a.identifier,
                from_object_id=a.object_id,
                to_identifier=b.identifier,
                to_object_id=b.object_id,
                created_at=at,
            )
            for a, b, at in edges
        ],
        batch_size=5000,
    )


def all_edges(backend) -> set:
    return {edge for chunk in backend.iter_edges(chunk_size=5000) for edge in chunk}


def migrate(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sequere_migrate", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def redis_store(settings, redis_url):
    with configure_redis_backend(settings, redis_url):
        yield RedisBackend()


def test_database_to_redis_and_back_with_a_resume(redis_store, tmp_path):
    edges = make_edges(2500, 300)
    store_in_database(edges)
    checkpoint = str(tmp_path / "cp.json")
    out, _ = migrate("--from", "database", "--to", "redis", "--chunk-size", "400", "--checkpoint", checkpoint,
                     "--limit", "1000")  # fmt: skip
    assert "Stopped after 1000 edges" in out
    assert json.loads(open(checkpoint).read())["done"] == 1000
    assert redis_store.total_edges() == 1000
    out, err = migrate(
        "--from", "database", "--to", "redis", "--chunk-size", "400", "--checkpoint", checkpoint
    )
    assert "Resuming from" in err and "1000 edges already copied" in err
    assert "Copied 2500 edges (2500 new)" in out and "counts verified" in out
    assert not (tmp_path / "cp.json").exists()
    assert all_edges(redis_store) == edges
    database = DatabaseBackend()
    for ref in {a for a, _, _ in list(edges)[:50]}:
        for kind in (FOLLOWERS, FOLLOWINGS):
            assert redis_store.count(kind, ref) == database.count(kind, ref)
            assert redis_store.fetch(kind, ref) == database.fetch(kind, ref)

    Follow.objects.all().delete()
    out, _ = migrate("--from", "redis", "--to", "database", "--checkpoint", checkpoint)
    assert "Copied 2500 edges (2500 new)" in out
    assert all_edges(database) == edges


def test_an_empty_source_copies_nothing_and_succeeds(redis_store, tmp_path, monkeypatch):
    """A fresh project (no follow yet) migrating as the README says: no chunk was read, so no
    checkpoint was written, and the command still ends with its success line (it raised
    FileNotFoundError removing the checkpoint it never wrote)."""
    monkeypatch.chdir(tmp_path)  # the default checkpoint goes to the current directory
    out, _ = migrate("--from", "database", "--to", "redis")
    assert "Copied 0 edges (0 new)" in out and "counts verified" in out
    assert list(tmp_path.iterdir()) == [] and redis_store.total_edges() == 0


def test_progress_bar_goes_to_stderr(redis_store, tmp_path):
    store_in_database(make_edges(300, 50))
    out, err = migrate("--from", "database", "--to", "redis", "--chunk-size", "100",
                       "--checkpoint", str(tmp_path / "cp"))  # fmt: skip
    assert "sequere_migrate [" in err and "300/300" in err
    assert "sequere_migrate [" not in out


def test_verification_catches_a_store_written_meanwhile(redis_store, tmp_path):
    edges = make_edges(500, 80)
    store_in_database(edges)
    checkpoint = str(tmp_path / "cp.json")
    migrate(
        "--from",
        "database",
        "--to",
        "redis",
        "--chunk-size",
        "100",
        "--checkpoint",
        checkpoint,
        "--limit",
        "200",
    )
    extra = Ref("user", "new"), Ref("user", "newer"), T0
    redis_store.add(*extra)  # the destination is written to while the migration is paused
    with pytest.raises(CommandError, match="Verification failed.*--restart"):
        migrate("--from", "database", "--to", "redis", "--chunk-size", "100", "--checkpoint", checkpoint)
    out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", checkpoint, "--restart")
    assert "counts verified" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "redis", "--to", "redis"], "same backend"),
        (["--from", "mongo", "--to", "redis"], "Unknown backend 'mongo'"),
        (["--from", "nope.Backend", "--to", "redis"], "Cannot import backend"),
        (["--from", "database", "--to", "redis", "--chunk-size", "0"], "positive"),
    ],
)
def test_bad_arguments_are_explained(redis_store, args, message):
    with pytest.raises(CommandError, match=message):
        migrate(*args)


def test_a_checkpoint_of_another_migration_is_refused(redis_store, tmp_path):
    checkpoint = tmp_path / "cp.json"
    checkpoint.write_text(json.dumps({"from": "redis", "to": "database", "done": 5, "new": 5, "before": 0}))
    with pytest.raises(CommandError, match="checkpoint of a migration from redis to database"):
        migrate("--from", "database", "--to", "redis", "--checkpoint", str(checkpoint))


@pytest.mark.slow  # one to two minutes on two busy cores
def test_moves_100k_edges_both_ways(redis_store, tmp_path):
    edges = make_edges(100_000, 20_000)
    store_in_database(edges)
    checkpoint = str(tmp_path / "cp.json")
    out, _ = migrate(
        "--from", "database", "--to", "redis", "--chunk-size", "5000", "--checkpoint", checkpoint
    )
    assert "Copied 100000 edges (100000 new)" in out
    assert redis_store.total_edges() == 100_000
    Follow.objects.all().delete()
    out, _ = migrate(
        "--from", "redis", "--to", "database", "--chunk-size", "5000", "--checkpoint", checkpoint
    )
    assert "Copied 100000 edges (100000 new)" in out
    assert all_edges(DatabaseBackend()) == edges


def database_place() -> str:
    database = connection.settings_dict
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    return f"database 'default' ({engine}, name {str(database['NAME'])!r}"


def test_says_where_it_read_and_wrote(redis_store, settings, redis_url, tmp_path):
    store_in_database(make_edges(30, 10))
    server = urlsplit(redis_url)
    redis_place = f"Redis {server.hostname}:{server.port} db {int(server.path[1:] or 0)}, "
    redis_place += f"prefix {settings.SEQUERE_REDIS_PREFIX!r}"
    out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", str(tmp_path / "cp"))
    lines = out.splitlines()
    assert lines[0].startswith(f"Reading from {database_place()}")
    assert lines[1] == f"Writing to {redis_place}"
    assert lines[-1].startswith(f"Copied 30 edges (30 new) from {database_place()}")
    assert lines[-1].endswith(f" to {redis_place}; counts verified.")

    Follow.objects.all().delete()
    out, _ = migrate("--from", "redis", "--to", "database", "--checkpoint", str(tmp_path / "cp"))
    lines = out.splitlines()
    assert lines[0] == f"Reading from {redis_place}"
    assert lines[1].startswith(f"Writing to {database_place()}")
    assert "password" not in out.lower()


@pytest.mark.cluster
def test_names_the_nodes_of_a_cluster(settings, redis_cluster, tmp_path):
    store_in_database(make_edges(10, 5))
    with configure_redis_backend(settings, redis_cluster.url):
        out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", str(tmp_path / "cp"))
    nodes = ", ".join(sorted(f"{host}:{port}" for host, port in redis_cluster.startup_nodes))
    assert (
        out.splitlines()[1] == f"Writing to Redis Cluster {nodes}, prefix {settings.SEQUERE_REDIS_PREFIX!r}"
    )


def test_verbosity_0_prints_only_the_result(redis_store, tmp_path):
    store_in_database(make_edges(10, 5))
    out, err = migrate(
        "--from", "database", "--to", "redis", "--checkpoint", str(tmp_path / "cp"), verbosity=0
    )
    assert out.count("\n") == 1 and out.startswith("Copied 10 edges") and err == ""


def test_blocks_and_mutes_are_copied_after_the_edges(redis_store, tmp_path):
    from django.utils import timezone

    from sequere.backends import BLOCKS, MUTES
    from sequere.backends.database.models import Block, Mute

    edges = make_edges(200, 40)
    store_in_database(edges)
    database, now = DatabaseBackend(), timezone.now().replace(microsecond=0)
    a, b, c = Ref("user", "mig-a"), Ref("user", "mig-b"), Ref("project", "mig-c")
    database.block(a, b, now)
    database.block(c, a, now)
    database.mute(b, c, now)
    checkpoint = str(tmp_path / "cp.json")
    out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", checkpoint)
    assert "Copied 2 blocks and 1 mutes." in out
    assert redis_store.is_blocked(a, b) and redis_store.is_blocked(c, a) and redis_store.is_muted(b, c)
    assert redis_store.hidden_among(b, [a]) == {a}
    assert [e.created_at for e in redis_store.fetch(BLOCKS, a)] == [now]
    Block.objects.all().delete()
    Mute.objects.all().delete()
    Follow.objects.all().delete()
    out, _ = migrate("--from", "redis", "--to", "database", "--checkpoint", checkpoint)
    assert "Copied 2 blocks and 1 mutes." in out
    assert {(e.ref, e.created_at) for e in database.fetch(MUTES, b)} == {(c, now)}
    assert database.is_blocked(c, a) and not database.is_blocked(b, a)


def test_pending_follow_requests_are_copied_both_ways(redis_store, tmp_path):
    from django.utils import timezone

    from sequere.backends import REQUESTS, SENT_REQUESTS
    from sequere.backends.database.models import FollowRequest

    store_in_database(make_edges(20, 5))
    database, now = DatabaseBackend(), timezone.now().replace(microsecond=0)
    fan, other, private = Ref("user", "req-fan"), Ref("team", "req-other"), Ref("user", "req-private")
    database.add_request(fan, private, now)
    database.add_request(other, private, now - timedelta(hours=1))
    checkpoint = str(tmp_path / "cp.json")
    out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", checkpoint)
    assert "Copied 2 pending follow requests." in out
    assert redis_store.request_exists(fan, private) and redis_store.request_exists(other, private)
    assert {(e.ref, e.created_at) for e in redis_store.fetch(REQUESTS, private)} == {
        (fan, now),
        (other, now - timedelta(hours=1)),
    }
    assert [e.ref for e in redis_store.fetch(SENT_REQUESTS, fan)] == [private]
    assert not redis_store.exists(fan, private)  # a request, not an edge
    # run again: nothing changes (the dates stay)
    out, _ = migrate("--from", "database", "--to", "redis", "--checkpoint", checkpoint)
    assert redis_store.count(REQUESTS, private) == 2
    FollowRequest.objects.all().delete()
    Follow.objects.all().delete()
    out, _ = migrate("--from", "redis", "--to", "database", "--checkpoint", checkpoint)
    assert "Copied 2 pending follow requests." in out
    assert {(e.ref, e.created_at) for e in database.fetch(REQUESTS, private)} == {
        (fan, now),
        (other, now - timedelta(hours=1)),
    }
