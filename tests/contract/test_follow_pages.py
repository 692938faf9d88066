"""The follow contract, cursor pages: every backend in ``FOLLOW_BACKENDS`` passes every test here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sequere.backends import FOLLOWERS, get_backend
from sequere.cursors import MAX_PAGE_SIZE, SALT, CursorPage, sign_cursor
from sequere.exceptions import InvalidCursorException, InvalidPageException, SequereException
from sequere.models import follow, get_followers, get_followings, get_friends, unfollow
from sequere.refs import Ref
from sequere.registration import registry
from tests.testapp.models import Project, Team, User

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("follow_backend")]


@pytest.fixture
def thoas():
    return User.objects.create(username="thoas")


def users(n, prefix="u"):
    return User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])


def walk(lazy, size, **start):
    """Every page from the first on by next_cursor: (pages, items)."""
    pages = [lazy.page(size=size, **start)]
    while pages[-1].next_cursor is not None:
        pages.append(lazy.page(after=pages[-1].next_cursor, size=size))
    return pages, [item for page in pages for item in page.items]


def add_edges(followers, target, when):
    """Edges straight through the backend, all dated ``when`` (ties on the date)."""
    ref = registry.get_ref(target)
    get_backend().add_many([(registry.get_ref(f), ref, when) for f in followers])


@pytest.mark.parametrize("desc", [True, False])
@pytest.mark.parametrize("size", [1, 4, 25])
def test_pages_yield_the_list_in_order(thoas, desc, size):
    people = users(13)
    add_edges(people[:6], thoas, timezone.now() - timedelta(hours=1))  # six ties on one date
    for person in people[6:]:
        follow(person, thoas)
    for team in Team.objects.bulk_create([Team(name=f"t{i}") for i in range(4)]):
        follow(team, thoas)
    lazy = get_followers(thoas, desc=desc)
    pages, items = walk(lazy, size)
    assert items == list(lazy)
    assert len(items) == 17
    assert all(isinstance(page, CursorPage) and len(page.items) <= size for page in pages)
    assert pages[0].previous_cursor is None and pages[-1].next_cursor is None
    assert all(page.previous_cursor for page in pages[1:])
    assert len(pages) == -(-17 // size)


def test_previous_cursor_walks_back_to_the_first_page(thoas):
    for person in users(11):
        follow(person, thoas)
    lazy = get_followers(thoas)
    pages, _ = walk(lazy, 3)
    back = [pages[-1]]
    while back[-1].previous_cursor is not None:
        back.append(lazy.page(before=back[-1].previous_cursor, size=3))
    assert [p.items for p in reversed(back)] == [p.items for p in pages]
    # walking back, every page knows it has a next one
    assert all(page.next_cursor for page in back[1:])


def test_page_is_stable_while_followers_arrive_above_it(thoas):
    people = users(10)
    for person in people:
        follow(person, thoas)
    lazy = get_followers(thoas)  # newest first: new followers arrive above the first page
    first = lazy.page(size=4)
    second = lazy.page(after=first.next_cursor, size=4)
    for person in users(5, prefix="late"):
        follow(person, thoas)
    again = get_followers(thoas).page(after=first.next_cursor, size=4)
    assert again.items == second.items
    # an offset slice would have moved by the five new followers
    assert get_followers(thoas)[4:8] != second.items


def test_cursor_of_an_unfollowed_edge_still_reads_on(thoas):
    people = users(6)
    for person in people:
        follow(person, thoas)
    lazy = get_followers(thoas)
    first = lazy.page(size=3)
    assert first.items[-1][0] == people[3]
    unfollow(people[3], thoas)
    rest = get_followers(thoas).page(after=first.next_cursor, size=10)
    assert [u for u, _ in rest.items] == list(reversed(people[:3]))


def test_filtered_and_followings_and_friends_pages(thoas):
    people = users(5)
    projects = Project.objects.bulk_create([Project(name=f"p{i}") for i in range(5)])
    for person, project in zip(people, projects, strict=True):
        follow(thoas, person)
        follow(thoas, project)
        follow(person, thoas)
    for lazy in (
        get_followings(thoas),
        get_followings(thoas, identifier=Project),
        get_followings(thoas, identifier="user", desc=False),
        get_friends(thoas),
        get_friends(thoas, desc=False),
    ):
        assert walk(lazy, 2)[1] == list(lazy)
    assert [u for u, _ in walk(get_friends(thoas), 2)[1]] == list(reversed(people))


def test_empty_list_has_one_empty_page(thoas):
    page = get_followers(thoas).page()
    assert page.items == [] and page.next_cursor is None and page.previous_cursor is None


def test_bad_cursors_are_refused(thoas):
    project = Project.objects.create(name="p")
    for person in users(4):
        follow(person, thoas)
        follow(person, project)
    cursor = get_followers(thoas).page(size=2).next_cursor
    assert get_followers(thoas).page(after=cursor, size=2).items
    forged = signing.dumps(signing.loads(cursor, salt=SALT), salt=SALT, key="not-the-secret")
    for bad in (
        "garbage",
        cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"),  # tampered signature
        forged,  # another SECRET_KEY
        signing.dumps(signing.loads(cursor, salt=SALT), salt="another-salt"),
        "",
        "x" * 5000,
    ):
        with pytest.raises(InvalidCursorException, match="cursor"):
            get_followers(thoas).page(after=bad)
    # another list: another object, another order, another filter, another kind
    for other in (
        get_followers(project),
        get_followers(thoas, desc=False),
        get_followers(thoas, identifier="user"),
        get_followings(thoas),
    ):
        with pytest.raises(InvalidCursorException, match="another list"):
            other.page(after=cursor)
        with pytest.raises(InvalidCursorException, match="another list"):
            other.page(before=cursor)
    with pytest.raises(InvalidCursorException):
        get_followers(thoas).page(after=12)
    assert issubclass(InvalidCursorException, SequereException)


def test_bad_page_arguments(thoas):
    lazy = get_followers(thoas)
    for size in (0, -1, MAX_PAGE_SIZE + 1, "20", 2.0, True, None):
        with pytest.raises(InvalidPageException, match="page size"):
            lazy.page(size=size)
    cursor = "x"
    with pytest.raises(InvalidPageException, match="not both"):
        lazy.page(after=cursor, before=cursor)
    assert len(lazy.page(size=MAX_PAGE_SIZE).items) == 0


def _page_cost(follow_backend, read):
    """(SQL queries, Redis round trips) of ``read()``."""
    if follow_backend == "database":
        with CaptureQueriesContext(connection) as queries:
            page = read()
        return page, (len(queries), 0)
    from tests.backends.redis_helpers import round_trips

    with CaptureQueriesContext(connection) as queries, round_trips() as sent:
        page = read()
    return page, (len(queries), sent[0])


@pytest.mark.parametrize("edges", [2_000, pytest.param(100_000, marks=pytest.mark.slow)])
def test_a_deep_page_costs_what_the_first_costs(follow_backend, thoas, edges):
    now = timezone.now()
    ref = registry.get_ref(thoas)
    people = users(40)
    backend = get_backend()
    # 40 users then projects whose rows do not exist: a page of users never loads them
    refs = [registry.get_ref(p) for p in people] + [Ref("project", str(-i)) for i in range(edges - 40)]
    backend.add_many((r, ref, now - timedelta(microseconds=i)) for i, r in enumerate(refs))
    assert backend.count(FOLLOWERS, ref) == edges
    whole = get_followers(thoas, desc=False)  # oldest first: the 40 users come last
    whole.page(size=1)  # a server that did not know the script yet is sent it once (EVAL)
    _, top_cost = _page_cost(follow_backend, lambda: whole.page(size=20))
    # the cursor of the 41st newest edge (a project), edges - 41 deep in the oldest-first list
    [(deep_key, _)] = backend.fetch_keyset(FOLLOWERS, ref, desc=True, limit=41)[-1:]
    cursor = sign_cursor(whole._scope(), deep_key)
    page, deep_cost = _page_cost(follow_backend, lambda: whole.page(after=cursor, size=20))
    # the page: 20 users, oldest first, after the cursor
    assert [u for u, _ in page.items] == list(reversed(people))[:20]
    assert deep_cost == top_cost
    assert deep_cost == (2, 0) if follow_backend == "database" else deep_cost == (1, 1)
