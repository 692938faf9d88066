"""The benchmark data set, written once to both libraries' tables.

20,000 users, 1,000 groups, 50,000 follows and 100,000 actions (``like`` a group). Three readers
follow 10 quiet actors, 100 actors and 1,000 actors; the other follows go to actors picked with a
heavy tail, so one user has thousands of followers (the followers-page case). The same edges, with
the same dates, go to actstream's ``Follow`` and to sequere's database backend; actions go to
actstream's ``Action`` (sequere's timelines are filled from the same list by the timeline cases).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

SEED = 20261127
BATCH = 5000


@dataclass
class Scale:
    """How big the data set is."""

    users: int = 20_000
    groups: int = 1_000
    follows: int = 50_000
    actions: int = 100_000


@dataclass
class Dataset:
    """What was written, with the ids the cases need."""

    scale: Scale
    user_ids: list[int]
    group_ids: list[int]
    edges: set[tuple[int, int]]
    #: (actor id, group id, timestamp), oldest first
    actions: list[tuple[int, int, datetime]]
    readers: dict[int, int]  # number of followed actors -> reader user id
    quiet_reader: int
    celebrity: int
    now: datetime
    followed_by: dict[int, list[int]] = field(default_factory=dict)

    def fresh_pairs(self, count: int) -> list[tuple[int, int]]:
        """``count`` (follower, followed) user pairs that follow nowhere yet; they are reserved."""
        rng = random.Random(len(self.edges))
        pairs: list[tuple[int, int]] = []
        while len(pairs) < count:
            a, b = rng.choice(self.user_ids), rng.choice(self.user_ids)
            if a != b and (a, b) not in self.edges:
                self.edges.add((a, b))
                pairs.append((a, b))
        return pairs


def build(scale: Scale | None = None) -> Dataset:
    """Write the data set to the (empty, migrated) database and return its description."""
    from actstream.models import Action as StreamAction
    from actstream.models import Follow as StreamFollow
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType

    from sequere.backends.database.models import Follow as SequereFollow

    scale = scale or Scale()
    rng = random.Random(SEED)
    now = timezone.now()
    User.objects.bulk_create(
        (User(username=f"user{i}", password="!", email=f"user{i}@example.com") for i in range(scale.users)),
        batch_size=BATCH,
    )
    Group.objects.bulk_create((Group(name=f"group{i}") for i in range(scale.groups)), batch_size=BATCH)
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    group_ids = list(Group.objects.order_by("pk").values_list("pk", flat=True))

    # readers and the actors they follow
    pool = user_ids[10:]
    readers = {10: user_ids[0], 100: user_ids[1], 1000: user_ids[2]}
    quiet = rng.sample(pool, 10)
    edges: set[tuple[int, int]] = {(readers[10], q) for q in quiet}
    for size in (100, 1000):
        edges.update((readers[size], a) for a in rng.sample(pool, size))
    # the rest: heavy-tailed popularity on the followed side
    celebrity = pool[0]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(pool))]
    while len(edges) < scale.follows:
        batch = scale.follows - len(edges)
        followers = rng.choices(pool, k=batch)
        followed = rng.choices(pool, weights=weights, k=batch)
        edges.update((a, b) for a, b in zip(followers, followed, strict=True) if a != b)

    # actions: quiet actors acted 3 times each, long ago; the others over the last 300 days
    quiet_set = set(quiet)
    active = [u for u in user_ids if u not in quiet_set]
    start = now - timedelta(days=300)
    actions: list[tuple[int, int, datetime]] = []
    for actor in quiet:
        for _ in range(3):
            actions.append((actor, rng.choice(group_ids), now - timedelta(days=rng.uniform(320, 360))))
    while len(actions) < scale.actions:
        actions.append(
            (
                rng.choice(active),
                rng.choice(group_ids),
                start + timedelta(seconds=rng.uniform(0, 300 * 86400)),
            )
        )
    actions.sort(key=lambda item: item[2])

    edge_list = sorted(edges)
    dates = {edge: now - timedelta(seconds=rng.uniform(0, 400 * 86400)) for edge in edge_list}
    user_type = ContentType.objects.get_for_model(User)
    group_type = ContentType.objects.get_for_model(Group)
    StreamFollow.objects.bulk_create(
        (
            StreamFollow(user_id=a, content_type=user_type, object_id=str(b), started=dates[(a, b)])
            for a, b in edge_list
        ),
        batch_size=BATCH,
    )
    SequereFollow.objects.bulk_create(
        (
            SequereFollow(
                from_identifier="user",
                from_object_id=str(a),
                to_identifier="user",
                to_object_id=str(b),
                created_at=dates[(a, b)],
            )
            for a, b in edge_list
        ),
        batch_size=BATCH,
    )
    StreamAction.objects.bulk_create(
        (
            StreamAction(
                actor_content_type=user_type,
                actor_object_id=str(actor),
                verb="like",
                target_content_type=group_type,
                target_object_id=str(group),
                timestamp=at,
            )
            for actor, group, at in actions
        ),
        batch_size=BATCH,
    )
    followed_by: dict[int, list[int]] = {}
    for a, b in edge_list:
        followed_by.setdefault(b, []).append(a)
    celebrity = max(followed_by, key=lambda b: len(followed_by[b]))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Dataset(
        scale=scale,
        user_ids=user_ids,
        group_ids=group_ids,
        edges=edges,
        actions=actions,
        readers=readers,
        quiet_reader=readers[10],
        celebrity=celebrity,
        now=now,
        followed_by=followed_by,
    )
