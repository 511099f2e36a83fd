"""A 3,000-character story in real Chromium, with JavaScript and without: pasted into a
multi-line box, sent, and answered with one part per question, each headed by its question
and ruled off from the next; axe finds nothing; the controls stay 44 px."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from test_browser_chat import WCAG_TAGS, any_page, ask, newest_card  # noqa: F401 (any_page is a fixture)
from test_question_split_pages import long_story

pytestmark = pytest.mark.browser

QUESTIONS = [
    "Is there anything that can help her balance and walking?",
    "And will her hearing keep getting worse over time?",
]


def check_parts(page) -> None:
    card = newest_card(page)
    parts = card.locator(".card-part")
    assert parts.count() == 2
    assert [parts.nth(n).locator(".part-question").inner_text().split("\n")[-1] for n in range(2)] == QUESTIONS
    for n in range(2):
        assert parts.nth(n).locator("blockquote").count() >= 1, "each question with its own quotes"


def test_a_pasted_3000_character_story_is_answered_part_by_part(any_page, live_server):
    any_page.goto(live_server + "/")
    ask(any_page, long_story())
    check_parts(any_page)


@pytest.mark.parametrize("drawn_by", ["the server", "JavaScript"])
def test_the_parts_are_readable_and_axe_finds_nothing(page, live_server, drawn_by):
    if drawn_by == "the server":  # the page the no-JavaScript form gets, checked with scripts on
        page.route("**/static/chat.js", lambda route: route.abort())
    page.goto(live_server + "/")
    before = page.locator(".card").count()
    page.fill("#q", long_story())
    page.click("#ask-form .ask-button")
    page.locator(".card").nth(before).wait_for()
    page.wait_for_load_state()
    check_parts(page)
    parts = newest_card(page).locator(".card-part")
    # The second part is ruled off from the first; each is headed larger than its text.
    assert parts.nth(1).evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)") >= 1
    heading = parts.nth(0).locator(".part-question").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    body = parts.nth(0).locator(".answer").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert heading > body
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


def type_two_lines(page, live_server: str, new_line_key: str) -> None:
    """Type two lines into the question box on the chat page, with `new_line_key` between."""
    page.goto(live_server + "/")
    page.click("#q")
    page.keyboard.type("My dad has SS and is very unsteady.")
    page.keyboard.press(new_line_key)
    page.keyboard.type("What can help his balance?")
    assert page.input_value("#q") == "My dad has SS and is very unsteady.\nWhat can help his balance?"


def test_with_javascript_enter_sends_and_shift_enter_starts_a_new_line(page, live_server):
    type_two_lines(page, live_server, "Shift+Enter")
    assert page.locator(".card").count() == 0
    page.keyboard.press("Enter")
    page.locator(".card").first.wait_for()
    assert page.get_attribute("#q", "enterkeyhint") == "send"


def test_without_javascript_enter_starts_a_new_line_and_the_button_sends(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        type_two_lines(page, live_server, "Enter")
        assert page.url.rstrip("/") == live_server  # nothing was sent
        assert page.get_attribute("#q", "enterkeyhint") is None  # no "send" key that only makes a line
        page.click("#ask-form .ask-button")
        page.locator(".card").first.wait_for()
    finally:
        context.close()


def test_the_box_and_the_button_are_easy_to_hit_and_the_box_grows_no_wider_than_the_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        page.fill("#q", long_story())
        box = page.locator("#q").bounding_box()
        button = page.locator("#ask-form .ask-button").bounding_box()
        assert box["height"] >= 88 and button["height"] >= 44 and button["width"] >= 44
        assert box["height"] <= 800  # at most half the screen, then it scrolls
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
