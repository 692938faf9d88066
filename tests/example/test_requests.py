"""The example site's private account (erin): following asks, erin approves or denies on the
requests page; without JavaScript, over HTTP."""

from __future__ import annotations

import itertools
import json
import re

from .site import Browser

_names = itertools.count(1)


def newcomer(example_site) -> tuple[Browser, str]:
    name = f"asker{next(_names)}"
    browser = Browser(example_site.url)
    browser.sign_up(name)
    return browser, name


def erin_id(browser: Browser) -> str:
    _, _, page = browser.get("/people/erin/")
    return re.search(r'name="object_id" value="(\d+)"', page).group(1)


def test_following_erin_sends_a_request_she_approves(example_site):
    visitor, name = newcomer(example_site)
    target = {"identifier": "user", "object_id": erin_id(visitor), "next": "/people/erin/"}
    status, path, page = visitor.post("/follow/follow/", target)
    assert (status, path) == (200, "/people/erin/")
    assert ">Requested</button>" in page and 'data-requested="true"' in page
    _, _, mine = visitor.get("/requests/")
    assert "Your pending requests" in mine and 'href="/people/erin/"' in mine

    erin = Browser(example_site.url)
    erin.log_in("erin", "demo")
    _, _, own = erin.get("/people/erin/")
    assert (
        'id="follow-requests-link" href="/requests/"' in own
        or 'href="/requests/" id="follow-requests-link"' in own
    )
    _, _, page = erin.get("/requests/")
    asked = re.findall(r'data-requester="([^"]+)"', page)
    assert asked[0] == name  # newest first
    assert {"dave", "frank"} <= set(asked)  # seeded
    status, path, page = erin.post(f"/requests/{name}/approve/", {})
    assert (status, path) == (200, "/requests/")
    assert f"{name} now follows you." in page
    assert f'data-requester="{name}"' not in page

    _, _, page = visitor.get("/people/erin/")
    assert ">Unfollow</button>" in page


def test_erin_denies_and_the_json_answer_says_requested(example_site):
    visitor, name = newcomer(example_site)
    target = {"identifier": "user", "object_id": erin_id(visitor)}
    status, _, body = visitor.post("/follow/follow/", target, {"Accept": "application/json"})
    data = json.loads(body)
    assert status == 200 and data["requested"] is True and data["following"] is False
    erin = Browser(example_site.url)
    erin.log_in("erin", "demo")
    _, _, page = erin.post(f"/requests/{name}/deny/", {})
    assert f"{name} was denied." in page
    _, _, page = erin.post(f"/requests/{name}/deny/", {})
    assert f"{name} has no pending request any more." in page
    _, _, page = visitor.get("/people/erin/")
    assert ">Follow</button>" in page


def test_requests_page_needs_a_login(example_site):
    status, path, _ = Browser(example_site.url).get("/requests/")
    assert path.startswith("/accounts/login/") or "login" in path
