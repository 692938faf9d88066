"""The example site over HTTP without JavaScript: every page, and the follow form's fallback."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from .site import Browser

_names = itertools.count(1)


@pytest.fixture
def visitor(example_site) -> Browser:
    """A newly signed-up member (a fresh account per test keeps tests independent)."""
    browser = Browser(example_site.url)
    browser.sign_up(f"visitor{next(_names)}")
    return browser


def followers_count(body: str) -> int:
    return int(re.search(r'id="followers-count">(\d+)<', body).group(1))


def badge(body: str) -> int:
    return int(re.search(r'id="unread-badge" data-count="(\d+)"', body).group(1))


def test_anonymous_pages(example_site):
    anonymous = Browser(example_site.url)
    for path, text in [
        ("/", "Follow people and projects"),
        ("/people/", "member01"),
        ("/people/alice/", "Shipped the database timeline backend today."),
        ("/projects/", "Tiny Feed"),
        ("/projects/sequere/", "Follow anything from anything"),
        ("/projects/sequere/followers/", "demo"),
    ]:
        status, _, body = anonymous.get(path)
        assert status == 200, path
        assert text in body, path
    status, path, _ = anonymous.post("/status/", {"text": "hi"})
    assert path.startswith("/login/")


def test_follower_lists_are_paginated(example_site):
    browser = Browser(example_site.url)
    _, _, first = browser.get("/people/alice/followers/")
    _, _, second = browser.get("/people/alice/followers/?page=2")
    assert "page 1 of 2" in first and "page 2 of 2" in second
    names = re.findall(r'href="/people/([\w.@+-]+)/">', first.split('id="follow-list"')[1])
    more = re.findall(r'href="/people/([\w.@+-]+)/">', second.split('id="follow-list"')[1])
    assert len(names) == 20
    assert set(names).isdisjoint(more)
    assert "(33)" in first  # demo, bob, carol and 30 members


def test_follow_without_javascript(visitor):
    _, _, page = visitor.get("/people/frank/")
    before = followers_count(page)
    frank_id = re.search(r'name="object_id" value="(\d+)"', page).group(1)
    status, path, page = visitor.post(
        "/follow/follow/", {"identifier": "user", "object_id": frank_id, "next": "/people/frank/"}
    )
    assert (status, path) == (200, "/people/frank/")
    assert followers_count(page) == before + 1
    assert ">Unfollow</button>" in page
    status, path, page = visitor.post(
        "/follow/unfollow/", {"identifier": "user", "object_id": frank_id, "next": "/people/frank/"}
    )
    assert followers_count(page) == before


def test_follow_json_answer(visitor):
    _, _, page = visitor.get("/projects/loop-station/")
    before = followers_count(page)
    project_id = re.search(r'name="object_id" value="(\d+)"', page).group(1)
    status, _, body = visitor.post(
        "/follow/follow/", {"identifier": "project", "object_id": project_id}, {"Accept": "application/json"}
    )
    data = json.loads(body)
    assert status == 200
    assert data["following"] is True
    assert data["followers_count"] == before + 1
    assert data["followings_count"] == 1


def test_feed_badge_and_mark_all_as_read(visitor, example_site):
    _, _, page = visitor.get("/")
    assert badge(page) == 0  # their own "joined" is not unread
    poster = Browser(example_site.url)
    poster.sign_up(f"poster{next(_names)}")
    _, _, profile = visitor.get(f"/people/{poster_name(poster)}/")
    poster_id = re.search(r'name="object_id" value="(\d+)"', profile).group(1)
    visitor.post("/follow/follow/", {"identifier": "user", "object_id": poster_id})
    poster.post("/status/", {"text": "fresh from the poster"})
    _, _, page = visitor.get("/")
    assert "fresh from the poster" in page
    assert badge(page) == 2  # the poster's "joined" copied on follow, the new status
    status, path, page = visitor.post("/feed/read/", {})
    assert (status, path) == (200, "/")
    assert badge(page) == 0
    assert 'class="action unread"' not in page


def poster_name(browser: Browser) -> str:
    _, _, page = browser.get("/")
    return re.search(r'id="me">([^<]+)<', page).group(1)


def test_like_and_status_create_actions(visitor):
    visitor.post("/projects/tiny-feed/like/", {})
    visitor.post("/status/", {"text": "liking tiny-feed"})
    _, _, page = visitor.get("/people/" + poster_name(visitor) + "/")
    assert 'liked <a href="/projects/tiny-feed/">Tiny Feed</a>' in page
    assert "posted <q>liking tiny-feed</q>" in page
    _, _, project = visitor.get("/projects/tiny-feed/")
    assert ">Unlike</button>" in project
