"""Feed cases: sequere's timelines (Redis and database backends) against actstream's user_stream.

Both sides hold the same 100,000 actions. Sequere's timelines are filled through the timeline
backend contract (``store`` each action in its actor's timelines, ``deliver`` it to the actor's
followers), which is what fan-out does, without the per-action task overhead, so building the data
stays within the time budget. Sequere's timelines are capped at ``SEQUERE_TIMELINE_MAX_LENGTH``
(1,000) entries, as in production; actstream's feed is computed over every action each time.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test.utils import override_settings

from . import compare, rate_row, sql_count, time_row
from . import peer_actstream as peer
from .cases import has
from .data import Dataset

TIMELINE_BACKENDS = {
    "redis": "sequere.contrib.timeline.backends.redis.RedisBackend",
    "database": "sequere.contrib.timeline.backends.database.DatabaseBackend",
}
PAGES_PER_ROUND = 30
SAVES_PER_ROUND = 100
LOAD_CHUNK = 500


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
                id=f"{number:032x}",
                verb="like",
                actor=Ref("user", str(actor)),
                target=Ref("group", str(group)),
                date=to_micros(at),
            )
        )
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
    return delivered


def _cycle_users(ids: list[int]) -> Iterator[User]:
    return itertools.cycle(list(User.objects.in_bulk(ids).values()))


def feed_rows(data: Dataset, name: str) -> list[dict]:
    """Save an action, a feed page of 20 for three readers, feed count and unread count."""
    from sequere.contrib.timeline import Timeline

    LikeAction = like_action()
    rows: list[dict] = []
    label = f"sequere {name} timeline"
    with override_settings(SEQUERE_TIMELINE_BACKEND_CLASS=TIMELINE_BACKENDS[name]):
        delivered = fill_timelines(data)
        actors = _cycle_users(data.user_ids[100:1100])
        groups = itertools.cycle(list(Group.objects.all()[:200]))

        def ours_save() -> None:
            actor = next(actors)
            Timeline(actor).save(LikeAction(actor=actor, target=next(groups)))

        def peer_save() -> None:
            peer.save_action(next(actors), next(groups))

        ours, theirs = compare(ours_save, peer_save, number=SAVES_PER_ROUND)
        rows.append(
            rate_row(
                f"save an action + fan-out [{label}]",
                ours,
                theirs,
                baseline_name="actstream action.send",
                note=f"{delivered:,} timeline entries delivered while loading; sequere's save includes "
                "the inline fan-out to the actor's followers, actstream's is one INSERT",
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
    return rows


def feed_sections(data: Dataset) -> Iterator[tuple[str, Callable[[], list[dict]]]]:
    """One section per timeline backend present in this checkout."""
    for name, path in TIMELINE_BACKENDS.items():
        if has(path.rsplit(".", 1)[0]):
            yield f"Feeds, {name} timeline backend", lambda name=name: feed_rows(data, name)
