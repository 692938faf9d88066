"""The packed layout of the Redis timeline backend: entries, ordering, collection, one call per chunk,
and ``sequere_rebuild_timeline --relayout`` from the layout before version 2."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, get_timeline_backend
from sequere.contrib.timeline.backends import entries as packed
from sequere.contrib.timeline.backends.keys import KeyBuilder
from sequere.contrib.timeline.records import ActionRecord, new_action_id
from sequere.refs import Ref
from tests.contrib.timeline.conftest import HARNESSES
from tests.contrib.timeline.counting import TIMELINE_COUNTS
from tests.contrib.timeline.test_timeline_contract import ALICE, BOB, CAROL, DAVE, PROJECT, T0, rec, stored
from tests.redis_counting import counting

REDIS_BACKENDS = [
    pytest.param("redis", id="tl-redis", marks=pytest.mark.redis),
    pytest.param("redis-cluster", id="tl-redis-cluster", marks=[pytest.mark.redis, pytest.mark.cluster]),
]


@pytest.fixture(params=REDIS_BACKENDS)
def redis_harness(request, settings):
    harness = HARNESSES[request.param](request, settings)
    harness.configure()
    try:
        yield harness
    finally:
        harness.cleanup()


@pytest.fixture
def backend(redis_harness):
    return get_timeline_backend()


def compact(actor=ALICE, at=0, verb="like", target=None) -> ActionRecord:
    return ActionRecord(id=new_action_id(), verb=verb, actor=actor, target=target, date=T0 + at * 1_000_000)


def raw_entries(harness, owner, kind=PRIVATE) -> list[bytes]:
    from sequere.redis.clients import build_client

    client = build_client(harness.url)
    try:
        key = KeyBuilder(harness.prefix).timeline(owner, kind)
        return client.execute_command("LRANGE", key, 0, -1, NEVER_DECODE=True)
    finally:
        client.close()


def test_new_ids_are_16_hex_digits_and_their_entries_32_bytes():
    record = compact(target=PROJECT)
    assert len(record.id) == 16 and int(record.id, 16) >= 0
    entry = packed.pack(record)
    assert len(entry) == 32
    assert packed.unpack_id(entry) == record.id
    for other_id in ("legacy-id", "x" * 7, "0123456789abcdef0123456789abcdef", "é"):
        other = packed.pack(ActionRecord(other_id, "like", ALICE, T0))
        assert packed.unpack_id(other) == other_id and len(other) != 32


def test_a_timeline_is_one_list_of_packed_entries_in_date_then_id_order(backend, redis_harness):
    records = [compact(actor=BOB, at=at) for at in (5, 1, 3, 3, 0, 4)]
    stored(backend, *records)
    backend.deliver(records[::2], [ALICE])
    backend.deliver(records[1::2], [ALICE])
    backend.deliver(records, [ALICE])  # a retry of everything changes nothing
    expected = sorted(records, key=lambda r: (r.date, r.id))
    assert backend.fetch(ALICE, PRIVATE) == expected
    assert [packed.unpack_id(e) for e in raw_entries(redis_harness, ALICE)] == [r.id for r in expected]
    assert all(len(e) == 32 for e in raw_entries(redis_harness, ALICE))


def test_trimming_the_public_timeline_collects_the_actions_nothing_reads(backend, settings):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 3
    backend = get_timeline_backend()
    records = [compact(actor=BOB, at=at) for at in range(5)]
    for record in records:
        backend.store(record, BOB, public=True)
        backend.deliver([record], [ALICE])
    assert set(backend.get_records([r.id for r in records])) == {r.id for r in records[2:]}
    assert backend.fetch(ALICE, PRIVATE) == records[2:]
    # an action too old for a full public timeline is collected at once
    [old] = [compact(actor=BOB, at=-10)]
    backend.store(old, BOB, public=True)
    assert backend.get_records([old.id]) == {}


def test_an_action_saved_into_another_owners_timeline_is_collected_when_it_leaves(backend, settings):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 2
    backend = get_timeline_backend()
    gift = compact(actor=BOB, at=0)
    backend.store(gift, ALICE, public=False)
    delivered = stored(backend, compact(actor=CAROL, at=1))
    backend.deliver(delivered, [ALICE])
    assert backend.get_records([gift.id]) == {gift.id: gift}
    backend.deliver(stored(backend, compact(actor=CAROL, at=2)), [ALICE])  # trims the gift away
    assert backend.get_records([gift.id]) == {}
    assert backend.get_records([delivered[0].id])  # Carol's action is kept: her public timeline has it
    other = compact(actor=BOB, at=3)
    backend.store(other, ALICE, public=False)
    assert backend.remove_actor(ALICE, BOB, at=T0) == 1
    assert backend.get_records([other.id]) == {}


def test_a_fan_out_chunk_is_one_push_call_per_250_followers(settings, request):
    harness = HARNESSES["redis"](request, settings)
    harness.configure()
    try:
        backend = get_timeline_backend()
        followers = [Ref("user", str(i)) for i in range(600)]
        [action] = stored(backend, compact(actor=BOB, target=PROJECT))
        backend.deliver([action], followers[:1])  # the script is loaded
        with counting(TIMELINE_COUNTS) as sent:
            assert backend.deliver([action], followers) == 600
        assert sent.seen == ["EVALSHA"] * 3 and sent.round_trips == 1
        assert backend.fetch(followers[-1], PRIVATE, verb="like", target="project") == [action]
    finally:
        harness.cleanup()


def test_filters_drop_entries_whose_codes_collide(backend, monkeypatch):
    # as if "join" and "like" had the same CRC-32: the scan keeps both, the reader drops one
    monkeypatch.setattr(packed, "name_code", lambda name: 7 if name in ("like", "join") else 0)
    like, join = stored(backend, compact(verb="like"), compact(verb="join", at=1))
    assert backend.fetch(ALICE, PUBLIC, verb="like") == [like]
    assert backend.fetch(ALICE, PUBLIC, verb="join") == [join]


def _write_old_layout(client, prefix: str, owner: Ref, records: list[ActionRecord], kind: str) -> None:
    """What version 1 wrote for ``records`` in ``owner``'s ``kind`` timeline, with raw commands."""
    from sequere.redis.keys import escape, hash_tag

    base = f"{prefix}:{hash_tag(owner.identifier, owner.object_id)}:{kind}"
    for record in records:
        client.set(f"{prefix}:action:{{{record.id}}}", record.to_json())
        views = [base, f"{base}:v:{escape(record.verb)}"]
        if record.target is not None:
            views += [
                f"{base}:t:{escape(record.target.identifier)}",
                f"{base}:vt:{record.verb}:{record.target.identifier}",
            ]
        for key in views:
            client.zadd(key, {record.id: record.date})
        if kind == PRIVATE:
            actor = f"{escape(record.actor.identifier)}:{escape(record.actor.object_id)}"
            member = json.dumps([record.id, record.verb, record.target_identifier])
            client.zadd(f"{base}:a:{actor}", {member: record.date})


def test_relayout_rewrites_the_old_layout_resumably(backend, redis_harness):
    from sequere.redis.clients import build_client

    client = build_client(redis_harness.url)
    bobs = [rec(actor=BOB, at=i, target=PROJECT if i % 2 else None) for i in range(6)]  # 32-hex ids
    _write_old_layout(client, redis_harness.prefix, BOB, bobs, PUBLIC)
    _write_old_layout(client, redis_harness.prefix, BOB, bobs, PRIVATE)
    _write_old_layout(client, redis_harness.prefix, ALICE, bobs[2:], PRIVATE)
    try:
        out, err = StringIO(), StringIO()
        call_command("sequere_rebuild_timeline", "--relayout", "--progress-step=1", stdout=out, stderr=err)
        assert "Rewrote 3 timeline(s) of the old layout (16 entries); deleted 6 action(s)" in out.getvalue()
        assert "[" in err.getvalue() and "3/3" in err.getvalue()
        compacted = [r.id[:16] for r in bobs]
        assert [r.id for r in backend.fetch(ALICE, PRIVATE)] == compacted[2:]
        assert [r.id for r in backend.fetch(BOB, PUBLIC, target="project")] == compacted[1::2]
        assert backend.count(BOB, PRIVATE, verb="like") == 6
        assert backend.remove_actor(ALICE, BOB, at=T0) == 4
        assert sorted(
            k
            for k in client.scan_iter(match=f"{redis_harness.prefix}*")
            if ":entries:" not in k and ":action:" not in k
        ) == [f"{KeyBuilder(redis_harness.prefix).unfollowed(ALICE)}"]
        again = StringIO()
        call_command("sequere_rebuild_timeline", "--relayout", stdout=again, stderr=StringIO())
        assert "Rewrote 0 timeline(s) of the old layout (0 entries); deleted 0 action(s)" in again.getvalue()
    finally:
        client.close()


@pytest.mark.django_db
def test_relayout_needs_the_redis_backend(settings):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    with pytest.raises(CommandError, match="has no old layout"):
        call_command("sequere_rebuild_timeline", "--relayout", stdout=StringIO())
    with pytest.raises(CommandError, match="takes no resources"):
        call_command("sequere_rebuild_timeline", "--relayout", "--all", stdout=StringIO())


def test_a_follower_deleting_an_action_removes_its_own_copy(backend, redis_harness):
    [action] = stored(backend, compact(actor=BOB))
    backend.deliver([action], [ALICE])
    assert backend.delete(action, ALICE) is True
    assert raw_entries(redis_harness, ALICE) == []


def test_an_action_saved_into_a_second_timeline_stays_while_its_actor_lists_it(backend, settings):
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 2
    backend = get_timeline_backend()
    [action] = stored(backend, compact(actor=BOB, at=0))
    backend.store(action, CAROL, public=False)  # the same action saved into Carol's timeline too
    for at in (1, 2):
        backend.store(compact(actor=DAVE, at=at), CAROL, public=False)  # trims it from Carol's
    assert backend.get_records([action.id]) == {action.id: action}  # Bob's public timeline has it
    assert backend.fetch(BOB, PUBLIC) == [action]


def test_forget_owner_collects_what_others_saved_into_its_timeline(backend, redis_harness):
    gift = compact(actor=BOB, at=1)
    backend.store(gift, ALICE, public=False)
    [delivered] = stored(backend, compact(actor=CAROL, at=2))
    backend.deliver([delivered], [ALICE])
    [own] = stored(backend, compact(actor=ALICE, at=3))
    assert backend.forget_owner(ALICE) == 1
    assert raw_entries(redis_harness, ALICE) == [] and raw_entries(redis_harness, ALICE, PUBLIC) == []
    assert backend.get_records([gift.id, own.id, delivered.id]) == {delivered.id: delivered}


def test_huge_offsets_and_limits_read_nothing_or_everything(backend):
    records = stored(backend, *(compact(at=i) for i in range(3)))
    assert backend.fetch(ALICE, PUBLIC, limit=10**17) == records
    assert backend.fetch(ALICE, PUBLIC, offset=10**17, limit=5) == []
    assert backend.fetch(ALICE, PUBLIC, desc=True, offset=1, limit=2**62) == records[::-1][1:]


def test_an_unfollow_mark_only_moves_forward(backend):
    [action] = stored(backend, compact(actor=BOB))
    backend.remove_actor(ALICE, BOB, at=T0 + 500)
    backend.remove_actor(ALICE, BOB, at=T0 + 123)  # a late retry of an older removal
    assert backend.deliver([action], [ALICE], since=T0 + 200) == 0
