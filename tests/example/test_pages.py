"""The example site over HTTP without JavaScript: every page, and the follow form's fallback."""

from __future__ import annotations

import itertools
import json
import re
import urllib.request

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
    assert badge(page) == 2  # the poster's "joined" copied on follow, then the new status
    assert page.count('class="action unread"') == 2
    status, path, page = visitor.post("/feed/read/", {})
    assert (status, path) == (200, "/")
    assert badge(page) == 0
    assert 'class="action unread"' not in page


def test_own_post_does_not_count_as_unread(example_site):
    """The owner's own actions are never unread in its own feed: the badge stays 0 after posting."""
    demo = Browser(example_site.url)
    demo.log_in("demo", "demo")
    demo.post("/feed/read/", {})
    status, path, page = demo.post("/status/", {"text": "a note to myself", "next": "/"})
    assert (status, path) == (200, "/")
    assert "posted <q>a note to myself</q>" in page
    assert badge(page) == 0
    assert 'class="action unread"' not in page
    _, _, body = demo.get("/feed/unread/")
    assert json.loads(body) == {"unread_count": 0}


def test_unread_count_answers_what_the_badge_shows(visitor, example_site):
    _, _, body = Browser(example_site.url).get("/feed/unread/")
    assert json.loads(body) == {"unread_count": 0}  # anonymous: no badge
    _, _, page = visitor.get("/")
    _, _, body = visitor.get("/feed/unread/")
    assert json.loads(body) == {"unread_count": badge(page)}
    _, _, frank = visitor.get("/people/frank/")
    frank_id = re.search(r'name="object_id" value="(\d+)"', frank).group(1)
    visitor.post("/follow/follow/", {"identifier": "user", "object_id": frank_id})
    _, _, page = visitor.get("/")
    _, _, body = visitor.get("/feed/unread/")
    # following copied frank's join and status into the feed; the count says so without a reload
    assert json.loads(body) == {"unread_count": badge(page)}
    assert re.search(r'href="/people/frank/">frank</a>\s+joined', page)


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


def test_times_read_as_people_say_them(visitor):
    def text(path: str) -> str:  # Django puts a no-break space between number and unit
        return visitor.get(path)[2].replace("\N{NO-BREAK SPACE}", " ")

    # seed_demo dates alice's actions 38 days, 3 days, 5 hours and 2 hours back
    times = re.findall(r"<time [^>]*>([^<]+)</time>", text("/people/alice/"))
    assert times == ["2 hours ago", "5 hours ago", "3 days ago", "1 month ago"]
    visitor.post("/status/", {"text": "timely"})
    assert re.search(r"posted <q>timely</q>\s*<time [^>]*>just now</time>", text("/"))
    for path in ["/", "/people/bob/", "/people/frank/", "/projects/sequere/"]:
        assert "0 minutes" not in text(path), path


FOLLOWERS = re.compile(r"data-count[^>]*>(\d+)</strong> <span data-noun>(\w+)</span>")
LIKES = re.compile(r"<strong[^>]*>(\d+)</strong> (likes?)\b")


def test_counts_say_follower_or_followers(example_site):
    anonymous = Browser(example_site.url)
    seen = set()
    for path in ["/people/", "/projects/", "/people/carol/", "/people/bob/", "/projects/tiny-feed/"]:
        _, _, page = anonymous.get(path)
        for count, noun in FOLLOWERS.findall(page) + LIKES.findall(page):
            assert noun.endswith("s") == (count != "1"), f"{path}: {count} {noun}"
            seen.add(noun)
    assert seen == {"follower", "followers", "like", "likes"}


def test_favicon(example_site):
    anonymous = Browser(example_site.url)
    _, _, page = anonymous.get("/")
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    request = urllib.request.Request(example_site.url + href)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get_content_type() == "image/svg+xml"
        assert response.read().lstrip().startswith(b"<svg")


def test_login_and_signup_errors_are_shown(example_site):
    anonymous = Browser(example_site.url)
    status, path, page = anonymous.post("/login/", {"username": "demo", "password": "wrong"})
    assert (status, path) == (200, "/login/")
    assert '<div class="form-errors" role="alert">' in page
    assert "Please enter a correct username and password" in page
    status, path, page = anonymous.post(
        "/signup/", {"username": "demo", "password1": "s3cret-Passw0rd", "password2": "other-Passw0rd"}
    )
    assert (status, path) == (200, "/signup/")
    assert page.count('class="field field--error"') == 2  # username taken, passwords differ
    assert "A user with that username already exists." in page


def test_feed_page_hands_the_scripts_rest_and_live_urls(visitor, example_site):
    """The feed's scripts get the live feed (resuming after the newest action shown) and, past
    one page, the REST cursor page after the last one; both answer this member's session."""
    import html
    import urllib.parse

    _, _, frank = visitor.get("/people/frank/")
    frank_id = re.search(r'name="object_id" value="(\d+)"', frank).group(1)
    visitor.post("/follow/follow/", {"identifier": "user", "object_id": frank_id})
    for i in range(21):
        visitor.post("/status/", {"text": f"status {i}"})
    _, _, page = visitor.get("/")
    live = html.unescape(re.search(r'data-live="([^"]+)"', page).group(1))
    assert live.startswith("/api/sequere/timeline/live/?last_event_id=")
    more = html.unescape(re.search(r'id="load-more" class="load-more" data-url="([^"]+)"', page).group(1))
    status, _, body = visitor.get(more)
    assert status == 200
    results = json.loads(body)["results"]
    shown = re.findall(r'data-id="([0-9a-f]+)"', page)
    assert len(shown) == 20 and not {a["id"] for a in results} & set(shown)
    assert results[0]["actor"]["username"]  # the site's serializers (social/api.py)
    # the live feed under uvicorn: it starts after the newest action shown, so nothing is replayed
    request = urllib.request.Request(example_site.url + live)
    with visitor.opener.open(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        assert response.readline() == b"retry: 3000\n"
        response.readline()
        assert response.readline() == b"event: unread\n"
        assert json.loads(response.readline().decode().removeprefix("data: "))["unread_count"] >= 0
    assert urllib.parse.urlsplit(more).path == "/api/sequere/timeline/"
