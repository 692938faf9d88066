"""The example site in headless Chromium (Debian's ``chromium``) driven by Playwright.

Sign in, follow someone and watch the count and the unread badge change without a reload, see
their next action arrive in the feed, unfollow and see it leave; and the page as people see it:
the pagination link's contrast (WCAG AA, from the computed colours), "1 follower" / "2 followers",
a one-line navigation at phone width, styled forms. Screenshots of each step, at 1280 and 390 px,
go to ``SEQUERE_BROWSER_ARTIFACTS`` (default: a ``browser`` folder under pytest's temporary
directory, kept out of the repository).
"""

from __future__ import annotations

import itertools
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
DESKTOP, PHONE = 1280, 390  # px: a laptop, an iPhone 12-15
PASSWORD = "s3cret-Passw0rd"

#: .ci/run sets it: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("SEQUERE_REQUIRE_BROWSER") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not REQUIRED and not os.path.exists(CHROMIUM),
        reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does) to run browser tests",
    ),
]

_names = itertools.count(1)

#: WCAG 2 contrast ratio of an element's text against what is behind it, from computed styles:
#: the backgrounds of the element and its ancestors composited from the root down over the white
#: canvas, the text colour (times every ancestor's opacity) over that. Returns null when a colour
#: is not an rgb()/rgba() value, so the test fails rather than guessing.
CONTRAST_JS = """(element) => {
  const parse = (value) => {
    const match = value.match(/^rgba?\\(([^)]+)\\)$/);
    if (!match) return null;
    const [r, g, b, a = 1] = match[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a };
  };
  const chain = [];
  for (let node = element; node; node = node.parentElement) chain.push(node);
  let background = { r: 255, g: 255, b: 255, a: 1 };
  let opacity = 1;
  for (const node of chain.reverse()) {
    const style = getComputedStyle(node);
    const layer = parse(style.backgroundColor);
    if (!layer) return null;
    background = over(layer, background);
    opacity *= Number(style.opacity);
  }
  const text = parse(getComputedStyle(element).color);
  if (!text) return null;
  const foreground = over({ ...text, a: text.a * opacity }, background);
  const luminance = ({ r, g, b }) => {
    const channel = (c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
  const css = ({ r, g, b }) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
  return { ratio: (light + 0.05) / (dark + 0.05), color: css(foreground), background: css(background) };
}"""

#: The navigation's layout: its line height, content height, and every item's box.
NAV_JS = """(nav) => {
  const style = getComputedStyle(nav);
  const box = nav.getBoundingClientRect();
  const items = [...nav.children]
    .filter((child) => child.getClientRects().length > 0)
    .map((child) => {
      const rect = child.getBoundingClientRect();
      return { text: child.innerText.trim(), top: rect.top, bottom: rect.bottom, left: rect.left,
               right: rect.right, height: rect.height };
    });
  return {
    lineHeight: parseFloat(style.lineHeight),
    contentHeight: box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
    scrollWidth: nav.scrollWidth, clientWidth: nav.clientWidth,
    pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
    items,
  };
}"""


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    """Where the screenshots go: ``SEQUERE_BROWSER_ARTIFACTS`` or a fresh temporary folder."""
    named = os.environ.get("SEQUERE_BROWSER_ARTIFACTS")
    if not named:
        return tmp_path_factory.mktemp("browser")
    path = Path(named)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module; never downloads a browser of its own."""
    if REQUIRED and not os.path.exists(CHROMIUM):
        pytest.fail(
            f"SEQUERE_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}: apt-get install chromium"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extra (playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser, width: int = 1000):
    return browser.new_context(viewport={"width": width, "height": 760}).new_page()


def log_in(browser, base_url: str, username: str, password: str = "demo", width: int = 1000):
    """A new browser context signed in as ``username``; returns its page."""
    page = new_page(browser, width)
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def sign_up(browser, base_url: str, prefix: str, width: int = 1000):
    """A new member signed up through the form, in a new context; returns ``(page, username)``."""
    username = f"{prefix}{next(_names)}"
    page = new_page(browser, width)
    page.goto(f"{base_url}/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page, username


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def contrast(locator) -> dict:
    measured = locator.evaluate(CONTRAST_JS)
    assert measured is not None, "a computed colour is not rgb()/rgba(); extend CONTRAST_JS"
    return measured


def badge(page) -> int:
    return int(page.locator("#unread-badge").inner_text())


def test_follow_feed_unfollow(chromium, example_site, artifacts):
    from playwright.sync_api import expect

    base = example_site.url
    demo = log_in(chromium, base, "demo")
    shot(demo, artifacts, "01-feed")

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
    shot(demo, artifacts, "02-followed-frank")

    frank = log_in(chromium, base, "frank")
    frank.fill("#status-form input[name=text]", "Frank's brand new status")
    frank.click("#status-form button[type=submit]")
    expect(frank.locator("#feed")).to_contain_text("Frank's brand new status")
    expect(frank.locator("#feed li", has_text="Frank's brand new status")).to_contain_text("just now")
    shot(frank, artifacts, "03-frank-posted")

    demo.goto(f"{base}/")
    item = demo.locator("#feed li", has_text="Frank's brand new status")
    expect(item).to_have_count(1)
    expect(item).to_have_class("action unread")
    assert badge(demo) >= 1
    shot(demo, artifacts, "04-feed-with-frank")

    demo.goto(f"{base}/people/frank/")
    demo.evaluate("window.sequereNoReload = true")
    demo.locator("form[data-sequere-follow] button").click()
    expect(count).to_have_text(str(before))
    expect(demo.locator("form[data-sequere-follow] button")).to_have_text("Follow")
    assert demo.evaluate("window.sequereNoReload") is True
    shot(demo, artifacts, "05-unfollowed-frank")

    demo.goto(f"{base}/")
    expect(demo.locator("#feed")).not_to_contain_text("Frank's brand new status")
    demo.click("#mark-read")
    expect(demo.locator("#unread-badge")).to_have_text("0")
    shot(demo, artifacts, "06-feed-after-unfollow")


def test_a_new_post_appears_in_an_open_feed(chromium, example_site, artifacts):
    """Another person posts while the feed is open: it arrives through the live feed (the
    EventSource on /api/sequere/timeline/live/), at the top, unread, the badge counting it."""
    from playwright.sync_api import expect

    base = example_site.url
    reader, _ = sign_up(chromium, base, "watcher")
    reader.goto(f"{base}/people/frank/")
    reader.locator("form[data-sequere-follow] button").click()
    expect(reader.locator("form[data-sequere-follow] button")).to_have_text("Unfollow")
    reader.goto(f"{base}/")
    before = badge(reader)
    reader.evaluate("window.sequereNoReload = true")  # lost if the page reloads

    frank = log_in(chromium, base, "frank")
    text = f"Live from frank {next(_names)}"
    frank.fill("#status-form input[name=text]", text)
    frank.click("#status-form button[type=submit]")
    expect(frank.locator("#feed")).to_contain_text(text)

    first = reader.locator("#feed li").first
    expect(first).to_contain_text(text, timeout=15_000)
    expect(first).to_contain_text("just now")
    expect(first).to_have_class("action unread")
    expect(reader.locator("#unread-badge")).to_have_text(str(before + 1))
    assert reader.evaluate("window.sequereNoReload") is True
    expect(reader.locator("#feed li", has_text=text)).to_have_count(1)
    shot(reader, artifacts, "07-live-post-arrived")
    # a reload shows it where the live feed put it
    reader.reload()
    expect(reader.locator("#feed li").first).to_contain_text(text)


def test_load_more_reads_cursor_pages(chromium, example_site, artifacts):
    """Without a reload, "Load more" appends the next REST cursor page; the page links are hidden."""
    from playwright.sync_api import expect

    from tests.example.site import manage

    base = example_site.url
    demo, username = sign_up(chromium, base, "pager")
    manage(
        example_site.db_path,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from social.activity import post_status; "
        f"user = get_user_model().objects.get(username={username!r}); "
        "[post_status(user, f'status {i}') for i in range(30)]",
    )
    demo.goto(f"{base}/")
    items = demo.locator("#feed li")
    expect(items).to_have_count(20)
    expect(demo.locator(".pagination")).to_be_hidden()
    more = demo.locator("#load-more")
    expect(more).to_be_visible()
    shown = [demo.locator("#feed li").nth(i).get_attribute("data-id") for i in range(20)]
    demo.evaluate("window.sequereNoReload = true")
    more.click()
    expect(items).not_to_have_count(20)
    ids = [node.get_attribute("data-id") for node in items.all()]
    assert ids[:20] == shown and len(ids) == len(set(ids)) == 31  # 30 statuses and the join
    expect(more).to_have_count(0)  # the last page: no more to load
    assert demo.evaluate("window.sequereNoReload") is True
    shot(demo, artifacts, "08-load-more")


def test_unread_badge_follows_a_follow(chromium, example_site, artifacts):
    """Following copies actions into the feed: the badge shows them at once, as a reload would."""
    from playwright.sync_api import expect

    base = example_site.url
    page, _ = sign_up(chromium, base, "reader")
    page.goto(f"{base}/people/frank/")
    before = badge(page)
    page.evaluate("window.sequereNoReload = true")
    page.locator("form[data-sequere-follow] button").click()
    expect(page.locator("form[data-sequere-follow] button")).to_have_text("Unfollow")
    badge_node = page.locator("#unread-badge")
    expect(badge_node).not_to_have_text(str(before))  # frank's join and status arrived
    live = badge(page)
    assert live > before
    assert badge_node.get_attribute("data-count") == str(live)  # the colour follows the count
    assert page.evaluate("window.sequereNoReload") is True
    shot(page, artifacts, "07-badge-after-follow")
    page.reload()
    assert badge(page) == live

    page.evaluate("window.sequereNoReload = true")
    page.locator("form[data-sequere-follow] button").click()
    expect(badge_node).to_have_text(str(before))  # unfollowing took frank's actions out again
    assert page.evaluate("window.sequereNoReload") is True
    page.reload()
    assert badge(page) == before


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_pagination_links_are_legible(chromium, example_site, artifacts, width):
    base = example_site.url
    page = new_page(chromium, width)
    page.goto(f"{base}/people/alice/followers/")  # 33 followers: two pages
    older = page.get_by_role("link", name="older")
    older.wait_for()
    measured = contrast(older)
    assert measured["ratio"] >= 4.5, f"'older' link: {measured} (WCAG AA needs 4.5:1)"
    shot(page, artifacts, f"10-followers-page-1-{width}")
    older.click()
    newer = page.get_by_role("link", name="newer")
    newer.wait_for()
    assert "page 2 of 2" in page.locator("nav.pagination").inner_text()
    measured = contrast(newer)
    assert measured["ratio"] >= 4.5, f"'newer' link: {measured} (WCAG AA needs 4.5:1)"


def test_follower_counts_say_follower_or_followers(chromium, example_site, artifacts):
    """A page with 1 follower says "1 follower", with 2 "2 followers": rendered, and updated live."""
    from playwright.sync_api import expect

    base = example_site.url
    _, target = sign_up(chromium, base, "target")
    fans = [sign_up(chromium, base, "fan")[0] for _ in range(2)]
    phrase = ".counts [data-followers-count]"

    for page in fans:
        page.goto(f"{base}/people/{target}/")
    expect(fans[0].locator(phrase)).to_have_text("0 followers")

    fans[0].locator("form[data-sequere-follow] button").click()
    expect(fans[0].locator(phrase)).to_have_text("1 follower")  # updated in place
    fans[0].reload()
    expect(fans[0].locator(phrase)).to_have_text("1 follower")  # and so rendered
    shot(fans[0], artifacts, "11-one-follower")

    fans[1].reload()
    fans[1].locator("form[data-sequere-follow] button").click()
    expect(fans[1].locator(phrase)).to_have_text("2 followers")
    fans[1].reload()
    expect(fans[1].locator(phrase)).to_have_text("2 followers")
    shot(fans[1], artifacts, "12-two-followers")

    fans[1].locator("form[data-sequere-follow] button").click()  # unfollow: back to one
    expect(fans[1].locator(phrase)).to_have_text("1 follower")


def nav_layout(page) -> dict:
    layout = page.locator("nav.site-nav").evaluate(NAV_JS)
    assert layout["items"], "the navigation shows nothing"
    return layout


def assert_one_line(layout: dict, label: str) -> None:
    """Every item of the navigation on one row, none wrapped, nothing past the viewport."""
    line = layout["lineHeight"]
    assert layout["contentHeight"] < 1.5 * line, f"{label}: the navigation is more than one line: {layout}"
    for item in layout["items"]:
        assert item["height"] < 1.5 * line, f"{label}: {item['text']!r} wraps: {layout}"
    middles = [(item["top"] + item["bottom"]) / 2 for item in layout["items"]]
    assert max(middles) - min(middles) < 2, f"{label}: items on different rows: {layout}"
    assert layout["scrollWidth"] <= layout["clientWidth"], f"{label}: the navigation overflows: {layout}"
    assert layout["pageWidth"] <= layout["viewport"], f"{label}: the page scrolls sideways: {layout}"
    lefts = [item["left"] for item in layout["items"]]
    assert lefts == sorted(lefts), f"{label}: items overlap or reorder: {layout}"


@pytest.mark.parametrize("width", [DESKTOP, PHONE, 320])
def test_navigation_fits_on_one_line(chromium, example_site, artifacts, width):
    base = example_site.url
    anonymous = new_page(chromium, width)
    anonymous.goto(f"{base}/")
    assert_one_line(nav_layout(anonymous), f"anonymous at {width}px")

    demo = log_in(chromium, base, "demo", width=width)
    assert_one_line(nav_layout(demo), f"demo at {width}px")
    assert demo.locator("#me").inner_text() == "demo"
    if width >= PHONE:  # "demo" itself is never cut short where there is room for it
        me = demo.locator("#me").evaluate("(node) => [node.scrollWidth, node.clientWidth]")
        assert me[0] <= me[1], f"'demo' is cut short at {width}px: {me}"

    # a long username gives way (ellipsis) rather than pushing the navigation onto two lines
    member, username = sign_up(chromium, base, "a_member_with_a_rather_long_name_", width=width)
    layout = nav_layout(member)
    assert_one_line(layout, f"{username} at {width}px")
    assert member.locator("#me").get_attribute("title") == username

    if width in (DESKTOP, PHONE):
        for path, name in [("/", "feed"), ("/people/", "people"), ("/projects/sequere/", "project")]:
            demo.goto(f"{base}{path}")
            shot(demo, artifacts, f"20-{name}-{width}")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_login_and_signup_forms_are_styled(chromium, example_site, artifacts, width):
    base = example_site.url
    page = new_page(chromium, width)
    for path in ["/login/", "/signup/"]:
        page.goto(f"{base}{path}")
        form = page.locator("form.stacked")
        card = form.evaluate(
            """(form) => {
              const style = getComputedStyle(form);
              const inner = form.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
              const inputs = [...form.querySelectorAll("input:not([type=hidden])")];
              const button = form.querySelector("button[type=submit]");
              return {
                background: style.backgroundColor, inner,
                labels: [...form.querySelectorAll("label")].map((l) => getComputedStyle(l).display),
                inputs: inputs.map((i) => i.getBoundingClientRect().width),
                button: [getComputedStyle(button).backgroundColor, getComputedStyle(button).color,
                         button.getBoundingClientRect().width],
              };
            }"""
        )
        assert card["background"] == "rgb(255, 255, 255)", f"{path}: the form is not on a card: {card}"
        assert card["labels"] and set(card["labels"]) == {"block"}, f"{path}: labels beside fields: {card}"
        assert all(abs(w - card["inner"]) < 1 for w in card["inputs"]), (
            f"{path}: fields not full width: {card}"
        )
        assert card["button"][:2] == ["rgb(37, 99, 235)", "rgb(255, 255, 255)"], f"{path}: {card}"
        assert abs(card["button"][2] - card["inner"]) < 1, f"{path}: button not full width: {card}"
        assert contrast(page.locator("form.stacked button[type=submit]"))["ratio"] >= 4.5
        shot(page, artifacts, f"30-{path.strip('/')}-{width}")
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "not the password")
    page.click("form.stacked button[type=submit]")
    error = page.locator(".form-errors[role=alert] li")
    error.wait_for()
    assert contrast(error)["ratio"] >= 4.5
    shot(page, artifacts, f"31-login-error-{width}")
