"""The example site in headless Chromium (Debian's ``chromium``) driven by Playwright.

Sign in, follow someone and watch the count change without a reload, see their next action arrive
in the feed, unfollow and see it leave. Screenshots of each step go to ``artifacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SEQUERE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"

#: .ci/run sets it: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("SEQUERE_REQUIRE_BROWSER") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not REQUIRED and not os.path.exists(CHROMIUM),
        reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does) to run browser tests",
    ),
]


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module; never downloads a browser of its own."""
    if REQUIRED and not os.path.exists(CHROMIUM):
        pytest.fail(
            f"SEQUERE_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}: apt-get install chromium"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extra (playwright)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def log_in(browser, base_url: str, username: str, password: str = "demo"):
    """A new browser context signed in as ``username``; returns its page."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_follow_feed_unfollow(chromium, example_site):
    from playwright.sync_api import expect

    base = example_site.url
    demo = log_in(chromium, base, "demo")
    shot(demo, "01-feed")

    demo.goto(f"{base}/people/frank/")
    count = demo.locator("#followers-count")
    before = int(count.inner_text())
    button = demo.locator("form[data-sequere-follow] button")
    expect(button).to_have_text("Follow")
    demo.evaluate("window.sequereNoReload = true")  # lost if the page reloads
    button.click()
    expect(count).to_have_text(str(before + 1))
    expect(button).to_have_text("Unfollow")
    assert demo.evaluate("window.sequereNoReload") is True
    assert demo.url == f"{base}/people/frank/"
    shot(demo, "02-followed-frank")

    frank = log_in(chromium, base, "frank")
    frank.fill("#status-form input[name=text]", "Frank's brand new status")
    frank.click("#status-form button[type=submit]")
    expect(frank.locator("#feed")).to_contain_text("Frank's brand new status")
    shot(frank, "03-frank-posted")

    demo.goto(f"{base}/")
    item = demo.locator("#feed li", has_text="Frank's brand new status")
    expect(item).to_have_count(1)
    expect(item).to_have_class("action unread")
    assert int(demo.locator("#unread-badge").inner_text()) >= 1
    shot(demo, "04-feed-with-frank")

    demo.goto(f"{base}/people/frank/")
    demo.evaluate("window.sequereNoReload = true")
    demo.locator("form[data-sequere-follow] button").click()
    expect(count).to_have_text(str(before))
    expect(demo.locator("form[data-sequere-follow] button")).to_have_text("Follow")
    assert demo.evaluate("window.sequereNoReload") is True
    shot(demo, "05-unfollowed-frank")

    demo.goto(f"{base}/")
    expect(demo.locator("#feed")).not_to_contain_text("Frank's brand new status")
    demo.click("#mark-read")
    expect(demo.locator("#unread-badge")).to_have_text("0")
    shot(demo, "06-feed-after-unfollow")
