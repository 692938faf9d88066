"""Blocks, mutes and the ``can_follow`` gate: every follow backend passes every test here."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from sequere import signals
from sequere.backends import get_backend
from sequere.base import ModelBase
from sequere.exceptions import (
    AlreadyBlockedException,
    AlreadyMutedException,
    BlockedException,
    FollowNotAllowedException,
    InvalidInstanceException,
    NotBlockedException,
    NotMutedException,
    NotRegisteredException,
    SequereException,
)
from sequere.models import (
    block,
    follow,
    get_blocked,
    get_blocked_count,
    get_followers_count,
    get_followings_count,
    get_friends_count,
    get_muted,
    get_muted_count,
    is_blocked,
    is_following,
    is_muted,
    mute,
    unblock,
    unmute,
)
from sequere.registration import registry
from tests.contract.test_follow_async import close_worker_connections  # noqa: F401 (a fixture)
from tests.testapp.models import Project, Unregistered, User

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("follow_backend")]


@pytest.fixture
def alice():
    return User.objects.create(username="alice")


@pytest.fixture
def bob():
    return User.objects.create(username="bob")


@pytest.fixture
def project():
    return Project.objects.create(name="Le grand détournement")


def edges(a, b) -> tuple[bool, bool]:
    return is_following(a, b), is_following(b, a)


class Received:
    """Signals received during a test, as (signal name, from, to)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object, object]] = []
        self._receivers = []
        for name in ("followed", "unfollowed", "blocked", "unblocked", "muted", "unmuted"):
            receiver = self._receiver(name)
            getattr(signals, name).connect(receiver, weak=False)
            self._receivers.append((name, receiver))

    def _receiver(self, name):
        def receive(sender, from_instance, to_instance, **kwargs):
            self.events.append((name, from_instance, to_instance))

        return receive

    def close(self) -> None:
        for name, receiver in self._receivers:
            getattr(signals, name).disconnect(receiver)


@pytest.fixture
def received():
    box = Received()
    yield box
    box.close()


def test_block_removes_follows_both_ways_and_sends_unfollowed(alice, bob, received):
    follow(alice, bob)
    follow(bob, alice)
    received.events.clear()
    block(alice, bob)
    assert edges(alice, bob) == (False, False)
    assert is_blocked(alice, bob) and not is_blocked(bob, alice)
    assert received.events == [
        ("unfollowed", alice, bob),
        ("unfollowed", bob, alice),
        ("blocked", alice, bob),
    ]
    assert get_followers_count(alice) == get_followings_count(alice) == get_friends_count(alice) == 0
    assert get_followers_count(bob) == get_followings_count(bob) == get_friends_count(bob) == 0


def test_block_forbids_follows_both_ways(alice, bob, settings, received):
    block(alice, bob)
    received.events.clear()
    settings.SEQUERE_FAIL_SILENTLY = True  # a refusal, not a repeat: raised all the same
    for a, b in ((alice, bob), (bob, alice)):
        with pytest.raises(BlockedException, match="unblock") as info:
            follow(a, b)
        # who blocks whom, whichever way the follow went (every backend)
        assert (info.value.blocker, info.value.blocked) == (registry.get_ref(alice), registry.get_ref(bob))
    assert edges(alice, bob) == (False, False)
    assert received.events == []
    assert get_followers_count(alice) == get_followers_count(bob) == 0


def test_unblock_lets_follows_happen_again_without_restoring_them(alice, bob, received):
    follow(alice, bob)
    block(alice, bob)
    unblock(alice, bob)
    assert not is_blocked(alice, bob)
    assert edges(alice, bob) == (False, False)
    follow(alice, bob)
    follow(bob, alice)
    assert edges(alice, bob) == (True, True)
    assert get_friends_count(alice) == 1
    assert ("unblocked", alice, bob) in received.events


def test_both_may_block_each_other(alice, bob):
    block(alice, bob)
    block(bob, alice)
    unblock(alice, bob)
    with pytest.raises(BlockedException):
        follow(alice, bob)
    unblock(bob, alice)
    follow(alice, bob)


def test_blocks_across_types(alice, project):
    follow(alice, project)
    block(project, alice)
    assert not is_following(alice, project)
    with pytest.raises(BlockedException):
        follow(alice, project)
    assert [p for p, _ in get_blocked(project)] == [alice]
    assert get_blocked_count(project, identifier=User) == 1
    assert get_blocked_count(project, identifier="project") == 0


def test_get_blocked_is_a_lazy_list(alice):
    others = User.objects.bulk_create([User(username=f"b{i}") for i in range(5)])
    for other in others:
        block(alice, other)
    blocked_list = get_blocked(alice)
    assert len(blocked_list) == blocked_list.count() == get_blocked_count(alice) == 5
    assert [u for u, _ in blocked_list] == others[::-1]
    assert [u for u, _ in get_blocked(alice, desc=False)] == others
    assert [u for u, _ in blocked_list[1:3]] == others[::-1][1:3]
    assert Paginator(blocked_list, 2).page(3).object_list[0][0] == others[0]
    assert all(at.tzinfo is not None for _, at in blocked_list)
    first = blocked_list.page(size=2)
    second = blocked_list.page(after=first.next_cursor, size=2)
    assert [u for u, _ in first.items + second.items] == others[::-1][:4]
    assert get_blocked(others[0]) == []


def test_repeated_and_missing_blocks(alice, bob, settings):
    block(alice, bob)
    with pytest.raises(AlreadyBlockedException, match="is_blocked"):
        block(alice, bob)
    unblock(alice, bob)
    with pytest.raises(NotBlockedException, match="SEQUERE_FAIL_SILENTLY"):
        unblock(alice, bob)
    settings.SEQUERE_FAIL_SILENTLY = True
    unblock(alice, bob)
    block(alice, bob)
    block(alice, bob)
    assert get_blocked_count(alice) == 1


def test_bad_input_stores_nothing(alice, received):
    stranger = Unregistered.objects.create(name="x")
    for call in (block, unblock, mute, unmute):
        with pytest.raises(InvalidInstanceException, match="itself"):
            call(alice, alice)
        with pytest.raises(NotRegisteredException):
            call(alice, stranger)
        with pytest.raises(NotRegisteredException):
            call(stranger, alice)
    for exc in (BlockedException, FollowNotAllowedException, NotBlockedException, NotMutedException):
        assert issubclass(exc, SequereException)
    assert get_blocked_count(alice) == get_muted_count(alice) == 0
    assert received.events == []


def test_mute_keeps_the_follow(alice, bob, received):
    follow(alice, bob)
    mute(alice, bob)
    assert is_following(alice, bob) and is_muted(alice, bob) and not is_muted(bob, alice)
    assert [u for u, _ in get_muted(alice)] == [bob]
    assert get_muted_count(alice) == 1 and get_muted_count(bob) == 0
    with pytest.raises(AlreadyMutedException):
        mute(alice, bob)
    unmute(alice, bob)
    assert not is_muted(alice, bob) and is_following(alice, bob)
    with pytest.raises(NotMutedException):
        unmute(alice, bob)
    assert [name for name, *_ in received.events] == ["followed", "muted", "unmuted"]


def test_mixin(alice, bob):
    alice.follow(bob)
    alice.block(bob)
    assert alice.is_blocked(bob) and alice.get_blocked_count() == 1
    assert [u for u, _ in alice.get_blocked()] == [bob]
    alice.unblock(bob)
    alice.mute(bob)
    assert alice.is_muted(bob) and alice.get_muted_count() == 1
    assert [u for u, _ in alice.get_muted()] == [bob]
    alice.unmute(bob)


def test_remove_all_leaves_blocks_of_others_alone(alice, bob, project):
    block(alice, bob)
    block(alice, project)
    bob_ref = registry.get_ref(bob)
    get_backend().remove_all(bob_ref)
    assert is_blocked(alice, project)


# -- can_follow ----------------------------------------------------------------------------------


def test_follow_consults_can_follow(alice, project, monkeypatch, received):
    options = registry.get(Project)
    asked = []

    def can_follow(self, user, instance):
        asked.append((user, instance))
        return instance.name != "closed"

    monkeypatch.setattr(type(options), "can_follow", can_follow)
    follow(alice, project)
    closed = Project.objects.create(name="closed")
    with pytest.raises(FollowNotAllowedException, match="can_follow"):
        follow(alice, closed)
    assert not is_following(alice, closed)
    assert asked == [(alice, project), (alice, closed)]
    assert [name for name, *_ in received.events] == ["followed"]


def test_default_can_follow_lets_any_registered_object_follow(alice, project):
    assert ModelBase.can_follow(registry.get(User), project, alice)
    follow(project, alice)
    assert is_following(project, alice)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_afollow_consults_can_follow_and_blocks(alice, bob, project, monkeypatch):
    from asgiref.sync import sync_to_async

    from sequere.models import afollow

    monkeypatch.setattr(type(registry.get(Project)), "can_follow", lambda self, user, instance: False)
    with pytest.raises(FollowNotAllowedException):
        await afollow(alice, project)
    await sync_to_async(block)(bob, alice)
    with pytest.raises(BlockedException) as info:
        await afollow(alice, bob)
    assert (info.value.blocker, info.value.blocked) == (registry.get_ref(bob), registry.get_ref(alice))
    assert not await sync_to_async(is_following)(alice, bob)


def test_deleting_an_instance_forgets_its_blocks_and_mutes(alice, bob, project):
    block(alice, bob)
    block(project, alice)
    mute(alice, project)
    mute(bob, alice)
    get_backend().remove_all(registry.get_ref(alice))
    for other in (bob, project):
        assert get_blocked_count(other) == get_muted_count(other) == 0
    assert get_blocked_count(alice) == get_muted_count(alice) == 0
    alice_ref, bob_ref = registry.get_ref(alice), registry.get_ref(bob)
    assert get_backend().hidden_among(bob_ref, [alice_ref]) == set()
    follow(bob, alice)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_async_twins(alice, bob, project):
    from sequere.models import (
        ablock,
        aget_blocked,
        aget_blocked_count,
        aget_muted,
        aget_muted_count,
        ais_blocked,
        ais_muted,
        amute,
        aunblock,
        aunmute,
    )

    await ablock(alice, bob)
    assert await ais_blocked(alice, bob) and not await ais_blocked(bob, alice)
    assert await aget_blocked_count(alice) == 1
    assert [u async for u, _ in aget_blocked(alice)] == [bob]
    page = await aget_blocked(alice).page(size=1)
    assert [u for u, _ in page.items] == [bob]
    with pytest.raises(AlreadyBlockedException):
        await ablock(alice, bob)
    await aunblock(alice, bob)
    await amute(alice, project)
    assert await ais_muted(alice, project) and await aget_muted_count(alice, identifier="project") == 1
    assert [p async for p, _ in aget_muted(alice)] == [project]
    await aunmute(alice, project)
    assert await aget_muted_count(alice) == 0


def test_a_block_whose_store_fails_is_settled_later(alice, bob, follow_backend, monkeypatch, received):
    """The store wrote the block but its reply was lost: a settle job sends `blocked` later."""
    from sequere.exceptions import BackendUnavailableException
    from sequere.outbox import PendingJob
    from sequere.relations import settle_block

    backend = get_backend()
    real_block = type(backend).block

    def lost_reply(self, *args, **kwargs):
        real_block(self, *args, **kwargs)
        raise BackendUnavailableException("the reply was lost")

    monkeypatch.setattr(type(backend), "block", lost_reply)
    with pytest.raises(BackendUnavailableException):
        block(alice, bob)
    monkeypatch.undo()
    assert is_blocked(alice, bob) and received.events == []
    rows = list(PendingJob.objects.filter(job="sequere.relations.settle_block"))
    if follow_backend == "database":
        assert rows == []  # the block is in the caller's transaction, which rolls it back or not
        return
    assert [row.kwargs for row in rows] == [
        {"blocker": ["user", str(alice.pk)], "blocked": ["user", str(bob.pk)]}
    ]
    assert settle_block(**rows[0].kwargs) == 1
    assert received.events == [("blocked", alice, bob)]
