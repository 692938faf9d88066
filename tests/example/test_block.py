"""The example site's block button: a block removes the follow and keeps it from coming back."""

from __future__ import annotations

import itertools
import re

import pytest

from .site import Browser

_names = itertools.count(1)


@pytest.fixture
def blocker(example_site) -> Browser:
    browser = Browser(example_site.url)
    browser.name = f"blocker{next(_names)}"
    browser.sign_up(browser.name)
    return browser


def followers_count(body: str) -> int:
    return int(re.search(r'id="followers-count">(\d+)<', body).group(1))


def test_block_and_unblock_from_the_profile(blocker):
    _, _, page = blocker.get("/people/frank/")
    before = followers_count(page)
    frank_id = re.search(r'name="object_id" value="(\d+)"', page).group(1)
    follow = {"identifier": "user", "object_id": frank_id, "next": "/people/frank/"}
    _, _, page = blocker.post("/follow/follow/", follow)
    assert followers_count(page) == before + 1
    assert 'id="block-button">Block<' in page
    status, path, page = blocker.post("/people/frank/block/", {})
    assert (status, path) == (200, "/people/frank/")
    assert "You blocked frank" in page and 'id="block-button">Unblock<' in page
    assert followers_count(page) == before  # the follow went with the block
    status, _, _ = blocker.post("/follow/follow/", follow)
    assert status == 403  # and cannot come back while the block stands
    _, _, page = blocker.post("/people/frank/block/", {"undo": "1"})
    assert "You unblocked frank" in page and 'id="block-button">Block<' in page
    _, _, page = blocker.post("/follow/follow/", follow)
    assert followers_count(page) == before + 1


def test_no_block_button_on_ones_own_profile_or_when_anonymous(example_site, blocker):
    _, _, page = Browser(example_site.url).get("/people/frank/")
    assert "block-button" not in page
    status, _, own = blocker.get(f"/people/{blocker.name}/")
    assert status == 200 and "block-button" not in own
