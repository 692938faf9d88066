"""Feed cases: sequere's timelines (Redis and database backends) against actstream's user_stream.

Both sides hold the same 100,000 actions. Sequere's timelines are filled through the timeline
backend contract (``store`` each action in its actor's timelines, ``deliver`` it to the actor's
followers), which is what fan-out does, without the per-action task overhead, so building the data
stays within the time budget. Sequere's timelines are capped at ``SEQUERE_TIMELINE_MAX_LENGTH``
(1,000) entries, as in production; actstream's feed is computed over every action each time.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test.utils import override_settings

from . import compare, rate_row, sql_count, time_row
from . import peer_actstream as peer
from .cases import has
from .data import Dataset

TIMELINE_BACKENDS = {
    "redis": "sequere.contrib.timeline.backends.redis.RedisBackend",
    "database": "sequere.contrib.timeline.backends.database.DatabaseBackend",
}
PAGES_PER_ROUND = 10
SAVES_PER_ROUND = 30
LOAD_CHUNK = 500
LOAD_BATCH = 5000


def like_action() -> type:
    """The bench's ``like`` Action class (registered for User in bench.apps)."""
    from .apps import LikeAction

    return LikeAction


def fill_timelines(data: Dataset) -> int:
    """Store every action of the data set and deliver it to its actor's followers; return deliveries."""
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.contrib.timeline.records import ActionRecord
    from sequere.refs import Ref
    from sequere.timeutils import to_micros

    backend = get_timeline_backend()
    by_actor: dict[int, list[ActionRecord]] = defaultdict(list)
    for number, (actor, group, at) in enumerate(data.actions):
        by_actor[actor].append(
            ActionRecord(
                id=f"{number:016x}",
                verb="like",
                actor=Ref("user", str(actor)),
                target=Ref("group", str(group)),
                date=to_micros(at),
            )
        )
    if hasattr(backend, "_entry") and hasattr(backend, "audit"):
        return _bulk_fill_database(backend, by_actor, data)
    if hasattr(backend, "link") and hasattr(backend, "queue_deliver"):
        return _bulk_fill_redis(backend, by_actor, data)
    delivered = 0
    actors = list(by_actor.items())
    for start in range(0, len(actors), LOAD_CHUNK):
        with transaction.atomic():
            for actor, records in actors[start : start + LOAD_CHUNK]:
                owner = records[0].actor
                for record in records:
                    backend.store(record, owner, public=True)
                followers = [Ref("user", str(f)) for f in data.followed_by.get(actor, ())]
                if followers:
                    delivered += backend.deliver(records, followers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load; plans use fresh statistics
    return delivered


def _bulk_fill_redis(backend, by_actor: dict, data: Dataset) -> int:
    """The Redis timeline's writes for the same records, many actors per pipeline.

    The very commands ``store`` and ``deliver`` queue (the backend's own ``queue_store`` and
    ``queue_deliver``), sent in pipelines of ``LOAD_CHUNK`` actors instead of one round trip per
    action, and settled as they settle theirs (trimmed actions collected).
    """
    from sequere.refs import Ref

    actors = list(by_actor.items())
    delivered = 0
    for start in range(0, len(actors), LOAD_CHUNK):
        pipe = backend.link.pipeline()
        for actor, records in actors[start : start + LOAD_CHUNK]:
            owner = records[0].actor
            followers = [Ref("user", str(f)) for f in data.followed_by.get(actor, ())]
            for record in records:
                backend.queue_store(pipe, record, owner, public=True)
                if followers:
                    backend.queue_deliver(pipe, record, followers)
        backend.settle(pipe.execute())
        delivered += sum(
            len(data.followed_by.get(actor, ())) * len(records)
            for actor, records in actors[start : start + LOAD_CHUNK]
        )
    return delivered


def _bulk_fill_database(backend, by_actor: dict, data: Dataset) -> int:
    """The database timeline's rows for the same records, written with bulk INSERTs.

    Row for row what ``store`` and ``deliver`` write (built by the backend's own ``_entry``), then
    the backend's own repairs (``audit(fix=True)``): the timelines past the cap trimmed, the
    actions they dropped collected, the per-owner counters written. Per-action calls would take
    many minutes on PostgreSQL here, and building data is not what is measured.
    """
    from sequere.contrib.timeline import models
    from sequere.contrib.timeline.backends import PRIVATE, PUBLIC
    from sequere.refs import Ref

    actions, entries = [], []
    delivered = 0
    for actor, records in by_actor.items():
        owner = records[0].actor
        followers = [Ref("user", str(f)) for f in data.followed_by.get(actor, ())]
        for record in records:
            actions.append(
                models.StoredAction(
                    id=record.id,
                    verb=record.verb,
                    actor_identifier=record.actor.identifier,
                    actor_object_id=record.actor.object_id,
                    target_identifier=record.target.identifier,
                    target_object_id=record.target.object_id,
                    date=record.date,
                    payload=record.to_json(),
                )
            )
            entries += [backend._entry(record, owner, PRIVATE), backend._entry(record, owner, PUBLIC)]
            entries += [backend._entry(record, follower, PRIVATE) for follower in followers]
            delivered += len(followers)
    with transaction.atomic():
        models.StoredAction.objects.bulk_create(actions, batch_size=LOAD_BATCH, ignore_conflicts=True)
        for start in range(0, len(entries), LOAD_BATCH):
            models.Entry.objects.bulk_create(entries[start : start + LOAD_BATCH], ignore_conflicts=True)
    backend.audit(fix=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return delivered


def _cycle_users(ids: list[int]) -> Iterator[User]:
    by_id = User.objects.in_bulk(ids)
    return itertools.cycle([by_id[i] for i in ids])


def feed_rows(data: Dataset, name: str) -> list[dict]:
    """Save an action, a feed page of 20 for three readers, feed count and unread count."""
    from sequere.contrib.timeline import Timeline

    LikeAction = like_action()
    rows: list[dict] = []
    label = f"sequere {name} timeline"
    with override_settings(SEQUERE_TIMELINE_BACKEND_CLASS=TIMELINE_BACKENDS[name]):
        started = time.perf_counter()
        delivered = fill_timelines(data)
        fill_seconds = time.perf_counter() - started
        # actors no reader follows, so the feed pages below read the same data on both sides
        followed = {b for a, b in data.edges if a in data.readers.values()}
        savers = [u for u in data.user_ids[100:] if u not in followed][:1000]
        ours_actors, peer_actors = _cycle_users(savers), _cycle_users(savers)
        group_list = list(Group.objects.all()[:200])
        ours_groups, peer_groups = itertools.cycle(group_list), itertools.cycle(group_list)

        def ours_save() -> None:
            actor = next(ours_actors)
            Timeline(actor).save(LikeAction(actor=actor, target=next(ours_groups)))

        def peer_save() -> None:
            peer.save_action(next(peer_actors), next(peer_groups))

        ours, theirs = compare(ours_save, peer_save, number=SAVES_PER_ROUND)
        rows.append(
            rate_row(
                f"save an action + fan-out [{label}]",
                ours,
                theirs,
                baseline_name="actstream action.send",
                note=f"loading stored {len(data.actions):,} actions and delivered {delivered:,} timeline "
                f"entries in {fill_seconds:.0f} s; sequere's save includes the inline fan-out to the "
                "actor's followers, actstream's is one INSERT",
            )
        )
        for follows, reader_id in sorted(data.readers.items()):
            reader = User.objects.get(pk=reader_id)
            timeline = Timeline(reader)

            def page(t: Timeline = timeline) -> list:
                return [(a.actor, a.verb, a.target) for a in t.get_private(desc=True)[:20]]

            ours_page, theirs_page = page(), peer.feed_page(reader)
            assert len(ours_page) == len(theirs_page) == 20, (follows, len(ours_page), len(theirs_page))
            ours_sql, peer_sql = sql_count(page), sql_count(lambda r=reader: peer.feed_page(r))
            ours, theirs = compare(page, lambda r=reader: peer.feed_page(r), number=PAGES_PER_ROUND)
            quiet = " quiet" if reader_id == data.quiet_reader else ""
            rows.append(
                time_row(
                    f"feed page of 20, following {follows:,}{quiet} actors [{label}]",
                    ours,
                    theirs,
                    baseline_name="actstream user_stream",
                    target=10 if quiet else (5 if follows == 1000 else None),
                    note=f"SQL per page: sequere {ours_sql}, actstream {peer_sql}",
                )
            )
        reader = User.objects.get(pk=data.readers[1000])
        timeline = Timeline(reader)
        read_at = data.now - timedelta(days=30)
        timeline.mark_as_read(read_at)
        ours, theirs = compare(
            timeline.get_private_count, lambda: peer.feed_count(reader), number=PAGES_PER_ROUND
        )
        rows.append(
            time_row(
                f"feed count, following 1,000 actors [{label}]",
                ours,
                theirs,
                baseline_name="actstream user_stream().count()",
                target=100,
                note=f"sequere counts its capped timeline ({timeline.get_private_count():,} entries), "
                f"actstream counts {peer.feed_count(reader):,} actions",
            )
        )
        ours, theirs = compare(
            timeline.get_unread_count, lambda: peer.unread_count(reader, read_at), number=PAGES_PER_ROUND
        )
        rows.append(
            time_row(
                f"unread count, following 1,000 actors [{label}]",
                ours,
                theirs,
                baseline_name="actstream stream newer than read_at",
                target=100,
                note=f"{timeline.get_unread_count():,} unread (sequere), "
                f"{peer.unread_count(reader, read_at):,} (actstream)",
            )
        )
        if name == "database":
            rows.append(delivery_at_cap_row(label))
    return rows


#: Full timelines one delivery goes to in :func:`delivery_at_cap_row` (a fan-out chunk).
CHUNK = 100


def delivery_at_cap_row(label: str) -> dict:
    """One action delivered to ``CHUNK`` full timelines, beside the least such a write can cost.

    Every timeline holds ``SEQUERE_TIMELINE_MAX_LENGTH`` entries, so each delivery also trims one
    entry per timeline, collects the actions that left every timeline and keeps the counters. The
    baseline is the physical minimum: one ``INSERT`` of the same ``CHUNK`` (owner, date, action)
    rows into a table keyed by them, with no trim and no count.
    """
    from sequere.conf import sequere_settings
    from sequere.contrib.timeline.backends import get_timeline_backend
    from sequere.contrib.timeline.records import ActionRecord, new_action_id
    from sequere.refs import Ref
    from sequere.timeutils import now_micros

    backend = get_timeline_backend()
    cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
    owners = [Ref("user", f"bench-full-{i}") for i in range(CHUNK)]
    actor = Ref("user", "bench-deliverer")  # not among the owners
    start = now_micros() - 10**9
    filler = [ActionRecord(id=new_action_id(), verb="like", actor=actor, date=start + i) for i in range(cap)]
    for record in filler:
        backend.store(record, actor, public=True)
    backend.deliver(filler, owners)  # the real write path fills the timelines to the cap
    calls = PAGES_PER_ROUND * (5 + 1) + 1
    start = now_micros()
    records = [
        ActionRecord(id=new_action_id(), verb="like", actor=actor, date=start + i) for i in range(calls)
    ]
    for record in records:
        backend.store(record, actor, public=True)
    assert {backend.count(owner, "private") for owner in owners} == {cap}
    pending = iter(records)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_minimal_delivery (owner_identifier varchar(100), "
            "owner_object_id varchar(255), date bigint, action_id varchar(32), "
            "PRIMARY KEY (owner_identifier, owner_object_id, date, action_id))"
        )
    minimal_sql = "INSERT INTO bench_minimal_delivery VALUES " + ", ".join(["(%s, %s, %s, %s)"] * CHUNK)

    def ours() -> None:
        backend.deliver([next(pending)], owners)

    def minimal() -> None:
        action, date = new_action_id(), now_micros()
        with connection.cursor() as cursor:
            params = [v for o in owners for v in (o.identifier, o.object_id, date, action)]
            cursor.execute(minimal_sql, params)

    statements = sql_count(ours)
    seconds, baseline = compare(ours, minimal, number=PAGES_PER_ROUND)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_minimal_delivery")
    still_full = backend.count(owners[0], "private")
    return time_row(
        f"deliver one action to {CHUNK} full timelines ({cap:,} entries) [{label}]",
        seconds,
        baseline,
        baseline_name=f"one INSERT of the {CHUNK} rows",
        note=f"{seconds / CHUNK * 1e6:.0f} us per delivery (issue 13 measured 706 us when each trim "
        "walked the index), "
        f"SQL per call {statements}: entries, counters, trim, collection, correction; the timelines "
        f"stay at {still_full:,} entries",
    )


def feed_sections(data: Dataset) -> Iterator[tuple[str, Callable[[], list[dict]]]]:
    """One section per timeline backend present in this checkout."""
    for name, path in TIMELINE_BACKENDS.items():
        if has(path.rsplit(".", 1)[0]):
            yield f"Feeds, {name} timeline backend", lambda name=name: feed_rows(data, name)
