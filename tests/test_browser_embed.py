"""The forum widget in a real browser, embedded the way a site owner would do it: a page on
a different origin (a second local server) pastes the embed.js snippet."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from ssexplain.reply.answer import DISCLAIMER

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ANSWERED = "what is superficial siderosis?"
URGENT = "I have the worst headache of my life right now"
FRAME = "iframe.ssexplain-frame"
TITLE = "Superficial siderosis explained: ask a question"

# The host page's own script: it records every message the page receives, so a test can
# tell "the message arrived and was ignored" from "no message came".
RECORDER = """
window.seen = [];
window.addEventListener("message", function (event) {
  window.seen.push({ origin: event.origin, height: event.data && event.data.height });
});
"""


def forum_page(app: str, holder: str = "<div data-ssexplain></div>") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A forum post</title>
<script src="/recorder.js"></script></head>
<body><main><h1>A forum post</h1><p>Someone asked about superficial siderosis.</p>
{holder}
<script src="{app}/embed.js" async></script>
<p>The end of the post.</p></main></body></html>"""


class HostSite:
    """A second web server on another port: the forum that embeds the widget."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {"/recorder.js": ("text/javascript", RECORDER)}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                kind, body = site.pages.get(self.path.split("?")[0], ("text/plain", "not found"))
                self.send_response(200 if self.path.split("?")[0] in site.pages else 404)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def add(self, path: str, html: str) -> str:
        self.pages[path] = ("text/html", html)
        return self.origin + path


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture()
def forum(page: Page, host_site: HostSite, live_server: str) -> Page:
    assert urlsplit(host_site.origin).port != urlsplit(live_server).port, "the host must be another origin"
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(host_site.add("/forum.html", forum_page(live_server)))
    return page


def frame_height(page: Page) -> float:
    return page.locator(FRAME).bounding_box()["height"]


def content_height(page: Page) -> float:
    frame = page.locator(FRAME).element_handle().content_frame()
    return frame.evaluate("() => Math.ceil(document.documentElement.getBoundingClientRect().height)")


def settle(page: Page, *, timeout: float = 10.0) -> float:
    """Wait until the frame is as tall as what it shows, and return that height."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if abs(frame_height(page) - content_height(page)) <= 2:
            time.sleep(0.2)
            if abs(frame_height(page) - content_height(page)) <= 2:
                return frame_height(page)
        time.sleep(0.1)
    raise AssertionError(f"frame {frame_height(page)} px never fit its content {content_height(page)} px")


def test_snippet_becomes_a_titled_lazy_iframe(forum: Page, live_server: str) -> None:
    frame = forum.locator(FRAME)
    expect(frame).to_have_count(1)
    assert frame.get_attribute("title") == TITLE
    assert frame.get_attribute("loading") == "lazy"
    assert frame.get_attribute("src") == live_server + "/embed"
    assert forum.locator("div[data-ssexplain]").count() == 0
    inside = forum.frame_locator(FRAME)
    expect(inside.get_by_label("Your question")).to_be_visible()
    expect(inside.get_by_text(DISCLAIMER)).to_be_visible()


def test_question_typed_inside_shows_the_cited_snippet_and_the_frame_grows(
    forum: Page, live_server: str, engine, artifacts
) -> None:
    console: list[str] = []
    forum.on("console", lambda message: console.append(message.text))
    before = settle(forum)
    inside = forum.frame_locator(FRAME)
    inside.get_by_label("Your question").fill(ANSWERED)
    inside.get_by_label("Your question").press("Enter")
    quote = engine.ask(ANSWERED).citations[0].quote
    expect(inside.locator("blockquote").first).to_contain_text(quote[:60])
    expect(inside.get_by_role("heading", name="Where this comes from")).to_be_visible()
    after = settle(forum)
    assert after > before + 100, f"the frame should grow to fit the answer ({before} -> {after} px)"
    frame = forum.locator(FRAME).element_handle().content_frame()
    assert frame.url == live_server + "/embed", "answered in place with fetch, not by reloading the frame"
    assert frame.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight + 1"), "no inner scrollbar"
    assert forum.context.cookies() == []
    assert not [m for m in console if "Content Security Policy" in m], "the widget runs under the strict CSP"
    forum.screenshot(path=str(artifacts / "embed-forum-answer.png"), full_page=True)


def test_urgent_question_inside_shows_the_urgent_card_first(forum: Page) -> None:
    inside = forum.frame_locator(FRAME)
    inside.get_by_label("Your question").fill(URGENT)
    inside.get_by_role("button", name="Ask", exact=True).click()
    alert = inside.get_by_role("alert")
    expect(alert).to_contain_text("emergency")
    form_top = inside.locator("#ask-form").bounding_box()["y"]
    assert alert.bounding_box()["y"] < form_top


def test_follow_up_button_inside_keeps_the_thread(forum: Page) -> None:
    inside = forum.frame_locator(FRAME)
    inside.get_by_label("Your question").fill(ANSWERED)
    inside.get_by_label("Your question").press("Enter")
    chip = inside.locator(".embed-followups .chip").first
    expect(chip).to_be_visible()
    follow_up = chip.inner_text()
    chip.click()
    asked = inside.locator(".card-question")
    expect(asked).to_have_count(2)
    assert follow_up in asked.nth(0).inner_text() and ANSWERED in asked.nth(1).inner_text()
    history = [inside.locator("#history-fields input").nth(n).get_attribute("value") for n in range(2)]
    assert history == [ANSWERED, follow_up]


def test_links_inside_the_frame_open_a_new_tab(forum: Page, live_server: str) -> None:
    inside = forum.frame_locator(FRAME)
    with forum.context.expect_page() as opened:
        inside.get_by_role("link", name="Open the full explainer").click()
    assert opened.value.url.startswith(live_server + "/")
    assert forum.locator(FRAME).element_handle().content_frame().url == live_server + "/embed"


def test_data_question_opens_the_widget_on_that_question(page: Page, host_site: HostSite, live_server: str, engine) -> None:
    holder = f'<div data-ssexplain data-question="{ANSWERED}"></div>'
    page.goto(host_site.add("/asked.html", forum_page(live_server, holder)))
    src = urlsplit(page.locator(FRAME).get_attribute("src"))
    assert parse_qs(src.query) == {"q": [ANSWERED]}
    quote = engine.ask(ANSWERED).citations[0].quote
    expect(page.frame_locator(FRAME).locator("blockquote").first).to_contain_text(quote[:60])
    settle(page)


def test_data_height_sets_the_height_until_the_widget_reports(page: Page, host_site: HostSite, live_server: str) -> None:
    page.route(lambda url: url.startswith(live_server) and urlsplit(url).path == "/embed", lambda route: route.abort())
    page.goto(host_site.add("/tall.html", forum_page(live_server, '<div data-ssexplain data-height="321"></div>')))
    expect(page.locator(FRAME)).to_have_count(1)
    page.wait_for_timeout(500)
    assert frame_height(page) == 321


SPOOF = "2345"  # a height no widget page here reports


def from_the_host_page(page: Page, host_site: HostSite, live_server: str) -> None:
    """Another origin, and not the frame: the host page posts to itself."""
    page.evaluate(f"() => window.postMessage({{ type: 'ssexplain:height', height: {SPOOF} }}, '*')")


def from_the_frame_sent_elsewhere(page: Page, host_site: HostSite, live_server: str) -> None:
    """The right frame, the wrong origin: the widget's iframe navigated to another site's page."""
    host_site.pages["/spoof.js"] = (
        "text/javascript", f"parent.postMessage({{ type: 'ssexplain:height', height: {SPOOF} }}, '*');"
    )
    url = host_site.add("/spoof.html", '<!doctype html><title>spoof</title><script src="/spoof.js"></script>')
    page.evaluate("(src) => { document.querySelector('iframe.ssexplain-frame').src = src; }", url)


def from_another_frame_of_the_app(page: Page, host_site: HostSite, live_server: str) -> None:
    """The right origin, the wrong frame: an /embed page that embed.js did not make."""
    page.evaluate(
        """(src) => { const f = document.createElement('iframe'); f.src = src; f.title = 'another frame';
                      f.width = 400; document.body.appendChild(f); }""",
        f"{live_server}/embed?q=what+is+superficial+siderosis%3F",
    )


@pytest.mark.parametrize("send", [from_the_host_page, from_the_frame_sent_elsewhere, from_another_frame_of_the_app])
def test_resize_messages_from_anyone_else_are_ignored(forum: Page, host_site: HostSite, live_server: str, send) -> None:
    height = settle(forum)
    count = len(forum.evaluate("() => window.seen"))
    send(forum, host_site, live_server)
    deadline = time.monotonic() + 10
    while not [m for m in forum.evaluate("() => window.seen")[count:] if m["height"] and abs(m["height"] - height) > 50]:
        assert time.monotonic() < deadline, "the other message never arrived"
        time.sleep(0.1)
    forum.wait_for_timeout(300)
    assert frame_height(forum) == height


def test_plain_iframe_works_without_javascript(browser, host_site: HostSite, live_server: str, engine) -> None:
    """What oEmbed hands a forum: an iframe with no script at all, in a browser with JavaScript off."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        frame_tag = f'<iframe src="{live_server}/embed" title="{TITLE}" width="480" height="600"></iframe>'
        page.goto(host_site.add("/plain.html", forum_page(live_server, frame_tag)))
        inside = page.frame_locator("iframe")
        inside.get_by_label("Your question").fill(ANSWERED)
        inside.get_by_role("button", name="Ask", exact=True).click()  # no script: Enter is a new line
        quote = engine.ask(ANSWERED).citations[0].quote
        expect(inside.locator("blockquote").first).to_contain_text(quote[:60])
        expect(inside.get_by_text(DISCLAIMER).first).to_be_visible()
        # The widget's form posts (a long story does not fit in an address), inside the frame.
        frame_url = page.locator("iframe").element_handle().content_frame().url
        assert frame_url.split("#")[0] == f"{live_server}/embed" and "q=" not in frame_url
        assert page.url.endswith("/plain.html"), "the host page stays where it was"
    finally:
        context.close()


def test_a_page_other_than_the_widget_cannot_be_framed(page: Page, host_site: HostSite, live_server: str) -> None:
    frame_tag = f'<iframe src="{live_server}/" title="the chat page"></iframe>'
    page.goto(host_site.add("/framed-home.html", forum_page(live_server, frame_tag)))
    page.wait_for_timeout(1000)
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame.url.startswith("chrome-error:"), "Chromium refuses to show the chat page inside another site"


@pytest.mark.parametrize("query", ["", "?q=" + ANSWERED.replace(" ", "+"), "?q=" + URGENT.replace(" ", "+")])
def test_embed_has_no_wcag_violations(page: Page, live_server: str, query: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server + "/embed" + query)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]
    assert found == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
