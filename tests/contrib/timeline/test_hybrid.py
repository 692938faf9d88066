"""Hybrid fan-out and delivery to the target's followers, through Timeline, follow and the jobs.

Every test runs for each timeline backend and each follow backend.
"""

from __future__ import annotations

import pytest

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.backends import PRIVATE, get_timeline_backend
from sequere.models import follow, unfollow
from sequere.registration import registry
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import CommentAction, JoinAction, LikeAction

pytestmark = pytest.mark.usefixtures("timeline", "follow_backend")


def users(*names):
    return [User.objects.create(username=name) for name in names]


def stored_private(user):
    """How many entries the backend itself holds in ``user``'s private timeline (no merge)."""
    backend, ref = get_timeline_backend(), registry.get_ref(user)
    pulled = backend.get_pulled(ref)
    for actor in pulled:
        backend.unpull([ref], actor)
    n = backend.count(ref, PRIVATE)
    for actor, cutoff in pulled.items():
        backend.pull([ref], actor, cutoff=cutoff)
    return n


def feed(user, **kwargs):
    return [str(action) for action in Timeline(user).get_private(desc=True, **kwargs)]


def test_a_pulled_actor_is_not_fanned_out_but_read(settings):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = 1
    star, a, b = users("star", "a", "b")
    follow(a, star)
    follow(b, star)  # 2 followers > 1: star is pulled from now on
    assert get_timeline_backend().get_pull_mode(registry.get_ref(star)) is not None
    Timeline(star).save(JoinAction(actor=star))
    assert feed(a) == feed(b) == ["star join"]
    assert stored_private(a) == 0  # nothing was written to a's timeline
    assert Timeline(a).get_private_count() == 1 and Timeline(a).get_unread_count() == 1
    unfollow(a, star)  # 1 follower: pushed again; b keeps what it read, as its own entries
    assert get_timeline_backend().get_pull_mode(registry.get_ref(star)) is None
    assert feed(a) == [] and feed(b) == ["star join"]
    assert stored_private(b) == 1
    Timeline(star).save(LikeAction(actor=star))
    assert feed(b) == ["star like", "star join"]


def test_crossing_the_limit_loses_and_duplicates_nothing(settings):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = 2
    star, a, b, c = users("star", "a", "b", "c")
    follow(a, star)
    follow(b, star)
    Timeline(star).save(JoinAction(actor=star))  # pushed to a and b
    follow(c, star)  # 3 > 2: pulled
    Timeline(star).save(LikeAction(actor=star))  # pulled
    for user in (a, b, c):
        assert feed(user) == ["star like", "star join"]
        assert Timeline(user).get_private_count() == 2
    unfollow(c, star)  # back to push: a and b keep both, once each
    for user in (a, b):
        assert feed(user) == ["star like", "star join"]
        assert Timeline(user).get_private_count() == 2
    assert feed(c) == []
    follow(c, star)
    Timeline(star).save(JoinAction(actor=star))
    assert len(feed(a)) == 3 and len(feed(c)) == 3


def test_filters_and_reads_of_a_pulled_feed(settings):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = 0
    star, reader = users("star", "reader")
    project = Project.objects.create(name="p")
    follow(reader, star)
    Timeline(star).save(LikeAction(actor=star, target=project))
    Timeline(star).save(JoinAction(actor=star))
    Timeline(reader).save(JoinAction(actor=reader))
    assert feed(reader, action="like") == ["star like p"]
    assert feed(reader, target=Project) == ["star like p"]
    assert Timeline(reader).get_private_count(action="join") == 2
    assert Timeline(reader).get_unread_count() == 2  # its own join is not unread
    Timeline(reader).mark_as_read()
    assert Timeline(reader).get_unread_count() == 0


def test_deliver_to_target_reaches_the_target_followers_once():
    author, fan, both = users("author", "fan", "both")
    project = Project.objects.create(name="p")
    follow(fan, project)
    follow(both, project)
    follow(both, author)
    Timeline(author).save(CommentAction(actor=author, target=project))
    Timeline(author).save(LikeAction(actor=author, target=project))  # deliver_to: actor only
    assert feed(fan) == ["author comment p"]
    assert feed(both) == ["author like p", "author comment p"]
    unfollow(both, project)  # still follows the author: keeps it
    assert feed(both) == ["author like p", "author comment p"]
    unfollow(fan, project)
    assert feed(fan) == []


def test_deliver_to_must_name_the_actor(thoas):
    from sequere.contrib.timeline.exceptions import InvalidActionException

    class Bad(CommentAction):
        deliver_to = ("target",)

    with pytest.raises(InvalidActionException, match="deliver_to"):
        Bad(actor=thoas).to_record()
