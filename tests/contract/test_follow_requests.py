"""The follow-request contract (private accounts): every backend in ``FOLLOW_BACKENDS`` passes it."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.paginator import Paginator

import sequere
from sequere import signals
from sequere.backends import get_backend
from sequere.exceptions import (
    AlreadyFollowingException,
    AlreadyRequestedException,
    FollowRequestNotFoundException,
    InvalidInstanceException,
    NotRegisteredException,
    SequereException,
)
from sequere.models import (
    REQUESTED,
    approve,
    cancel,
    deny,
    follow,
    get_follow_requests,
    get_follow_requests_count,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    get_friends_count,
    get_sent_requests,
    get_sent_requests_count,
    has_requested,
    is_following,
    unfollow,
)
from tests.testapp.models import Project, Team, Unregistered, User

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("follow_backend")]


@pytest.fixture
def private():
    return User.objects.create(username="private", is_private=True)


@pytest.fixture
def fan():
    return User.objects.create(username="fan")


def nothing_stored(account, requester):
    assert not is_following(requester, account)
    assert not has_requested(requester, account)
    assert get_follow_requests_count(account) == 0
    assert get_sent_requests_count(requester) == 0
    assert get_followers_count(account) == 0
    assert get_followings_count(requester) == 0


class Recorder:
    """Every follow-request and follow signal, in order, as (name, from, to)."""

    NAMES = (
        "follow_requested",
        "follow_approved",
        "follow_denied",
        "follow_cancelled",
        "followed",
        "unfollowed",
    )

    def __init__(self):
        self.sent = []
        for name in self.NAMES:
            receiver = self._receiver(name)
            setattr(self, f"_{name}", receiver)  # keep a strong reference
            getattr(signals, name).connect(receiver, weak=False, dispatch_uid=f"recorder-{name}-{id(self)}")

    def _receiver(self, name):
        def receive(sender, from_instance, to_instance, **kwargs):
            self.sent.append((name, from_instance, to_instance))

        return receive

    def close(self):
        for name in self.NAMES:
            getattr(signals, name).disconnect(dispatch_uid=f"recorder-{name}-{id(self)}")


@pytest.fixture
def recorder():
    rec = Recorder()
    yield rec
    rec.close()


def test_follow_of_a_public_account_answers_none_as_the_original(fan, private):
    other = User.objects.create(username="public")
    assert follow(fan, other) is None
    assert follow(fan, private) is REQUESTED is sequere.REQUESTED
    assert REQUESTED == "requested" and bool(REQUESTED)


def test_request_then_approve(private, fan, recorder):
    result = follow(fan, private)
    assert result is REQUESTED and result == "requested" and str(result) == "requested"
    assert recorder.sent == [("follow_requested", fan, private)]
    # a pending request is not a follow
    assert not is_following(fan, private)
    assert has_requested(fan, private)
    assert get_followers_count(private) == 0 and list(get_followers(private)) == []
    assert get_followings_count(fan) == 0 and list(get_followings(fan)) == []
    [(requester, requested_at)] = get_follow_requests(private)
    assert requester == fan and isinstance(requested_at, datetime) and requested_at.tzinfo is not None
    assert [obj for obj, _ in get_sent_requests(fan)] == [private]
    assert get_follow_requests_count(private) == 1 == get_sent_requests_count(fan)

    assert approve(private, fan) is None
    assert recorder.sent[1:] == [("follow_approved", fan, private), ("followed", fan, private)]
    assert is_following(fan, private)
    assert not has_requested(fan, private)
    assert get_follow_requests_count(private) == 0 == get_sent_requests_count(fan)
    [(follower, followed_at)] = get_followers(private)
    assert follower == fan and followed_at >= requested_at


def test_approval_makes_friends_of_a_mutual_follow(private, fan):
    follow(private, fan)
    follow(fan, private)
    assert get_friends_count(fan) == 0
    approve(private, fan)
    assert get_friends_count(fan) == 1 == get_friends_count(private)


def test_deny_and_cancel(private, fan, recorder):
    follow(fan, private)
    deny(private, fan)
    assert recorder.sent[-1] == ("follow_denied", fan, private)
    nothing_stored(private, fan)
    # denied: it may ask again
    assert follow(fan, private) is REQUESTED
    cancel(fan, private)
    assert recorder.sent[-1] == ("follow_cancelled", fan, private)
    nothing_stored(private, fan)


def test_every_documented_call_is_a_mixin_method():
    """docs/requests.rst: the calls of its table are in sequere.models and, as methods, on
    SequereMixin (``get_sent_requests_count`` was missing from the mixin)."""
    from sequere import follow_requests, relations
    from sequere.mixin import SequereMixin

    names = [n for n in follow_requests.__all__ + relations.__all__ if n != "requires_approval"]
    assert "get_sent_requests_count" in names and "get_muted_count" in names
    assert [n for n in names if not hasattr(SequereMixin, n)] == []


def test_mixin_session(private, fan):
    assert fan.follow(private) == REQUESTED
    assert fan.has_requested(private)
    assert [u for u, _ in private.get_follow_requests()] == [fan]
    assert private.get_follow_requests_count() == 1
    assert [u for u, _ in fan.get_sent_requests()] == [private]
    assert fan.get_sent_requests_count() == 1  # docs/requests.rst: every call is a method too
    private.deny(fan)
    fan.follow(private)
    fan.cancel(private)
    fan.follow(private)
    private.approve(fan)
    assert fan.is_following(private)


def test_repeated_request_raises_and_changes_nothing(private, fan, recorder):
    follow(fan, private)
    [(_, first)] = get_follow_requests(private)
    with pytest.raises(AlreadyRequestedException, match="already asked to follow.*cancel"):
        follow(fan, private)
    assert get_follow_requests(private)[0][1] == first
    assert get_follow_requests_count(private) == 1
    assert [name for name, *_ in recorder.sent] == ["follow_requested"]


def test_repeated_request_with_fail_silently(settings, private, fan):
    settings.SEQUERE_FAIL_SILENTLY = True
    assert follow(fan, private) is REQUESTED
    assert follow(fan, private) is REQUESTED  # what is in force; nothing changed
    assert get_follow_requests_count(private) == 1
    approve(private, fan)
    assert follow(fan, private) is None  # following: as a repeated plain follow


def test_request_while_following_raises(private, fan):
    private.is_private = False
    follow(fan, private)  # before the account turned private
    private.is_private = True
    with pytest.raises(AlreadyFollowingException, match="already follows"):
        follow(fan, private)
    assert get_follow_requests_count(private) == 0
    assert get_sent_requests_count(fan) == 0


def test_follow_after_approve_raises(private, fan):
    follow(fan, private)
    approve(private, fan)
    with pytest.raises(AlreadyFollowingException):
        follow(fan, private)
    assert get_follow_requests_count(private) == 0
    unfollow(fan, private)
    assert follow(fan, private) is REQUESTED  # a new follow asks again


@pytest.mark.parametrize("verb", ["approve", "deny", "cancel"])
def test_answering_a_request_that_does_not_exist(private, fan, verb, recorder):
    call = {"approve": lambda: approve(private, fan), "deny": lambda: deny(private, fan)}
    call["cancel"] = lambda: cancel(fan, private)
    with pytest.raises(FollowRequestNotFoundException, match=f"no pending request to follow.*to {verb}"):
        call[verb]()
    nothing_stored(private, fan)
    assert recorder.sent == []


@pytest.mark.parametrize("verb", ["approve", "deny", "cancel"])
def test_answering_twice(private, fan, verb):
    follow(fan, private)
    call = {"approve": lambda: approve(private, fan), "deny": lambda: deny(private, fan)}
    call["cancel"] = lambda: cancel(fan, private)
    call[verb]()
    with pytest.raises(FollowRequestNotFoundException):
        call[verb]()
    assert is_following(fan, private) is (verb == "approve")
    assert get_follow_requests_count(private) == 0


@pytest.mark.parametrize(
    "order",
    [
        ("approve", "cancel"),
        ("cancel", "approve"),
        ("approve", "deny"),
        ("deny", "approve"),
        ("cancel", "deny"),
    ],
)
def test_every_order_of_two_answers(private, fan, order):
    """Approve racing cancel (or deny): whichever comes first wins whole, the other finds nothing."""
    follow(fan, private)
    calls = {
        "approve": lambda: approve(private, fan),
        "deny": lambda: deny(private, fan),
        "cancel": lambda: cancel(fan, private),
    }
    first, second = order
    calls[first]()
    with pytest.raises(FollowRequestNotFoundException):
        calls[second]()
    assert is_following(fan, private) is (first == "approve")
    assert get_followers_count(private) == (1 if first == "approve" else 0)
    assert get_follow_requests_count(private) == 0 == get_sent_requests_count(fan)


def test_account_that_stops_requiring_approval_keeps_its_requests(private, fan, recorder):
    follow(fan, private)
    private.is_private = False
    assert get_follow_requests_count(private) == 1
    other = User.objects.create(username="other")
    assert follow(other, private) is None  # new follows go straight through
    assert is_following(other, private)
    approve(private, fan)  # and the pending one can still be approved
    assert is_following(fan, private)


def test_approve_after_a_direct_follow_drops_the_request(private, fan, recorder):
    follow(fan, private)
    private.is_private = False
    follow(fan, private)  # the account went public: a plain follow
    recorder.sent.clear()
    approve(private, fan)  # the request is moot: removed, nothing sent
    assert recorder.sent == []
    assert get_follow_requests_count(private) == 0
    assert get_followers_count(private) == 1


def test_bad_input_is_refused_and_stores_nothing(private, fan):
    with pytest.raises(InvalidInstanceException, match="cannot follow itself"):
        follow(private, private)
    for call in (approve, deny, cancel):
        with pytest.raises(InvalidInstanceException, match="cannot follow itself"):
            call(private, private)
    stranger = Unregistered.objects.create(name="x")
    with pytest.raises(NotRegisteredException, match="Unregistered"):
        follow(stranger, private)
    for call in (approve, deny):
        with pytest.raises(NotRegisteredException):
            call(private, stranger)
    with pytest.raises(NotRegisteredException):
        get_follow_requests(stranger)
    with pytest.raises(InvalidInstanceException, match="not saved"):
        follow(User(username="ghost"), private)
    assert get_follow_requests_count(private) == 0
    assert get_sent_requests_count(private) == 0
    for exc in (AlreadyRequestedException, FollowRequestNotFoundException):
        assert issubclass(exc, SequereException)


def test_lists_order_filters_and_laziness(private):
    people = User.objects.bulk_create([User(username=f"u{i}") for i in range(5)])
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(3)])
    team = Team.objects.create(name="t")
    for obj in [*people, *projects, team]:
        follow(obj, private)
    requests = get_follow_requests(private)
    assert len(requests) == 9 == requests.count()
    assert [obj for obj, _ in requests] == [team, *reversed(projects), *reversed(people)]
    assert [obj for obj, _ in get_follow_requests(private, desc=False)][:2] == people[:2]
    assert [obj for obj, _ in get_follow_requests(private, identifier="project")] == list(reversed(projects))
    assert get_follow_requests_count(private, identifier=Project) == 3
    assert [obj for obj, _ in requests[1:3]] == list(reversed(projects))[:2]
    assert requests[0][0] == team
    pages = Paginator(get_follow_requests(private), 4)
    assert pages.num_pages == 3 and [obj for obj, _ in pages.page(3)] == [people[0]]
    page = get_follow_requests(private).page(size=4)
    assert [obj for obj, _ in page.items] == [team, *reversed(projects)]
    nxt = get_follow_requests(private).page(after=page.next_cursor, size=4)
    assert [obj for obj, _ in nxt.items] == list(reversed(people))[:4]
    assert repr(get_follow_requests(private)).startswith("[(<Team: t>, datetime.datetime(")
    # a request of a project from a user shows only in that user's sent list
    assert [obj for obj, _ in get_sent_requests(people[0])] == [private]


def test_deleting_an_instance_drops_its_requests(private, fan, django_capture_on_commit_callbacks):
    other = User.objects.create(username="other", is_private=True)
    follow(fan, private)
    follow(private, other)
    with django_capture_on_commit_callbacks(execute=True):
        private.delete()
    assert get_sent_requests_count(fan) == 0
    assert get_follow_requests_count(other) == 0


def test_approve_then_unfollow_then_ask_again(private, fan):
    follow(fan, private)
    approve(private, fan)
    unfollow(fan, private)
    assert not is_following(fan, private)
    assert follow(fan, private) is REQUESTED
    approve(private, fan)
    assert get_followers_count(private) == 1


#: SQL statements a backend spends on a follow request (the follow() call itself).
SQL_PER_REQUEST = {"database": 1}


def test_request_costs_one_statement(follow_backend, private, fan, django_assert_num_queries, settings):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    get_backend()
    with django_assert_num_queries(SQL_PER_REQUEST.get(follow_backend, 0)):
        assert follow(fan, private) is REQUESTED
    with django_assert_num_queries(SQL_PER_REQUEST.get(follow_backend, 0)):
        assert has_requested(fan, private)
    with django_assert_num_queries(SQL_PER_REQUEST.get(follow_backend, 0)):
        assert get_follow_requests_count(private, identifier="user") == 1


#: SQL statements a backend spends on an approval (DELETE of the request, INSERT of the edge,
#: one transaction) and on a deny.
SQL_PER_APPROVAL = {"database": 2}


def test_answers_cost(follow_backend, private, fan, django_assert_num_queries, settings):
    settings.SEQUERE_TIMELINE_PUSH_LIMIT = None
    follow(fan, private)
    with django_assert_num_queries(SQL_PER_APPROVAL.get(follow_backend, 0)):
        approve(private, fan)
    other = User.objects.create(username="other")
    follow(other, private)
    with django_assert_num_queries(SQL_PER_REQUEST.get(follow_backend, 0)):
        deny(private, other)


# -- blocks (sequere.relations) ----------------------------------------------------------------


@pytest.mark.parametrize("who_blocks", ["account", "requester"])
def test_a_block_either_way_refuses_the_request(private, fan, who_blocks, recorder):
    from sequere.exceptions import BlockedException
    from sequere.models import block
    from sequere.registration import registry

    if who_blocks == "account":
        block(private, fan)
    else:
        block(fan, private)
    recorder.sent.clear()
    with pytest.raises(BlockedException, match="a block stands between them") as info:
        follow(fan, private)
    blocker, blocked = (private, fan) if who_blocks == "account" else (fan, private)
    assert (info.value.blocker, info.value.blocked) == (registry.get_ref(blocker), registry.get_ref(blocked))
    nothing_stored(private, fan)
    assert recorder.sent == []


def test_a_block_drops_pending_requests_both_ways(private, fan):
    from sequere.models import block, unblock

    other = User.objects.create(username="other", is_private=True)
    follow(fan, private)
    fan.is_private = True
    follow(private, fan)
    follow(fan, other)
    block(private, fan)
    assert not has_requested(fan, private) and not has_requested(private, fan)
    assert get_follow_requests_count(private) == 0 and get_sent_requests_count(private) == 0
    assert has_requested(fan, other)  # another pair: untouched
    with pytest.raises(FollowRequestNotFoundException):
        approve(private, fan)
    unblock(private, fan)
    assert follow(fan, private) is REQUESTED  # asking again after the unblock


def test_an_approval_across_a_block_is_refused_and_changes_nothing(private, fan):
    """A block stored while a request is pending (the backend alone, without the API's clean-up):
    the approval's own check refuses it, in the same statement or script."""
    from sequere.exceptions import BlockedException
    from sequere.registration import registry

    backend = get_backend()
    follow(fan, private)
    from django.utils import timezone

    backend.block(registry.get_ref(private), registry.get_ref(fan), timezone.now())
    with pytest.raises(BlockedException):
        approve(private, fan)
    assert not is_following(fan, private)
    assert has_requested(fan, private)  # the request stays until denied or cancelled
    deny(private, fan)
    assert get_follow_requests_count(private) == 0


def test_an_approval_asks_can_follow_again(private, fan, monkeypatch, recorder):
    """can_follow said yes when the request was made and no by the approval (the requester was
    banned meanwhile): the approval is refused as follow() would be now, the request stays."""
    from sequere.exceptions import FollowNotAllowedException
    from sequere.registration import registry

    follow(fan, private)
    monkeypatch.setattr(type(registry.get(private)), "can_follow", lambda self, user, instance: False)
    with pytest.raises(FollowNotAllowedException, match="can_follow"):
        approve(private, fan)
    assert not is_following(fan, private)
    assert has_requested(fan, private)
    assert recorder.sent == [("follow_requested", fan, private)]
    monkeypatch.undo()
    approve(private, fan)
    assert is_following(fan, private)


def test_the_docs_session_runs_as_written():
    """docs/requests.rst's session, every output compared as doctest compares it (its error
    line once ended in "..." and its list spanned two lines, so typed in it differed)."""
    import doctest

    from tests.docs_project import ROOT, code_blocks, sessions

    (session,) = sessions(code_blocks(ROOT / "docs" / "requests.rst"))
    namespace = {
        "alice": User.objects.create(username="alice"),
        "bob": User.objects.create(username="bob"),
        "erin": User.objects.create(username="erin", is_private=True),
        "project": Project.objects.create(name="La classe americaine"),
    }
    test = doctest.DocTestParser().get_doctest(session.text, namespace, "requests.rst", "requests.rst", 0)
    runner = doctest.DocTestRunner(verbose=False)
    assert runner.run(test, out=print) == (0, 10)
