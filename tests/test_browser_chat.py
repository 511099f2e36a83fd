"""The chat page in real Chromium: with JavaScript and without, by keyboard, under a strict
Content-Security-Policy, checked by axe-core, and photographed at phone and desktop width."""
from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from axe_playwright_python.sync_playwright import Axe

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.content.glossary_terms import TermMarker
from ssexplain.web.pages import EXAMPLE_QUESTIONS

from chat_questions import ASK_DOCTOR, CAUSES, OFF_TOPIC, URGENT, WHAT_IS

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
STRICT_CSP = "default-src 'self'"
MODES = {"with JavaScript": True, "without JavaScript": False}


@pytest.fixture(params=list(MODES), ids=list(MODES))
def any_page(browser, request):
    """A page with JavaScript on, then off: the chat must work both ways."""
    context = browser.new_context(java_script_enabled=MODES[request.param])
    page = context.new_page()
    page.js_enabled = MODES[request.param]
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type into the question box and send it, as a person would: Enter with JavaScript;
    without it the box is a plain textarea (Enter starts a new line), so the Ask button."""
    before = page.locator(".card").count()
    page.fill("#q", question)
    if getattr(page, "js_enabled", True):
        page.press("#q", "Enter")
    else:
        page.click("#ask-form .ask-button")
    # Locators, not wait_for_function: the app's CSP rightly forbids eval in the page.
    page.locator(".card").nth(before).wait_for()
    page.wait_for_load_state()


def newest_card(page):
    """The newest answer: urgent ones sit at the top, the others lead the thread."""
    return page.locator("#urgent-slot .card, #thread .card").first


# ---------------------------------------------------------------- asking


def test_a_typed_question_shows_the_cited_snippet_and_the_disclaimer(any_page, live_server, engine):
    reply = engine.ask(WHAT_IS)
    any_page.goto(live_server + "/")
    ask(any_page, WHAT_IS)
    card = newest_card(any_page)
    assert card.locator(".card-question").inner_text().endswith(WHAT_IS)
    assert card.locator("blockquote").first.inner_text() == f"“{reply.citations[0].quote}”"
    assert card.locator(".card-disclaimer").inner_text() == DISCLAIMER
    assert card.locator("figcaption a").first.get_attribute("href") == f"/sources#{reply.citations[0].source.id}"


def test_a_follow_up_uses_the_earlier_question(any_page, live_server, engine, follow_up):
    first, then = follow_up
    expected = engine.ask(then, history=[first]).citations[0].quote
    any_page.goto(live_server + "/")
    ask(any_page, first)
    ask(any_page, then)
    card = newest_card(any_page)
    assert card.locator(".card-question").inner_text().endswith(then)
    assert "card-answered" in card.get_attribute("class")
    assert card.locator("blockquote").first.inner_text() == f"“{expected}”"
    assert any_page.locator(".card").count() == 2  # the thread stays on screen


def test_a_follow_up_button_asks_with_the_thread(any_page, live_server, engine):
    reply = engine.ask(WHAT_IS)
    offered = reply.followups[0]
    expected = engine.ask(offered, history=[WHAT_IS])
    any_page.goto(live_server + "/")
    ask(any_page, WHAT_IS)
    any_page.locator(".card-followups button", has_text=offered).first.click()
    any_page.locator(".card").nth(1).wait_for()
    card = newest_card(any_page)
    assert card.locator(".card-question").inner_text().endswith(offered)
    assert card.locator(".answer").inner_text().startswith(expected.answer[:40])


def test_an_urgent_message_shows_the_urgent_card_first(any_page, live_server, engine):
    any_page.goto(live_server + "/")
    ask(any_page, WHAT_IS)
    ask(any_page, URGENT)
    first_card = any_page.locator(".card").first
    assert "card-urgent" in first_card.get_attribute("class")
    alert = first_card.get_by_role("alert")
    assert alert.is_visible() and engine.ask(URGENT).urgent.message in alert.inner_text()
    # Above the welcome and the question box, where nobody can miss it.
    assert first_card.bounding_box()["y"] < any_page.locator("#ask-form").bounding_box()["y"]
    assert any_page.locator(".card").count() == 2


def test_a_medical_word_opens_its_meaning_on_tap(any_page, live_server, engine):
    marker = TermMarker(engine.content.glossary)
    question = next(q for q in EXAMPLE_QUESTIONS if marker.find(engine.ask(q).answer))
    any_page.goto(live_server + "/")
    ask(any_page, question)
    term = newest_card(any_page).locator("details.term").first
    definition = term.locator(".term-def")
    assert not definition.is_visible()
    term.locator("summary").click()
    assert definition.is_visible()
    assert definition.locator("a").get_attribute("href").startswith("/glossary#term-")


def test_javascript_marks_the_same_words_as_the_server(page, live_server, engine):
    marker = TermMarker(engine.content.glossary)
    questions = [q for q in EXAMPLE_QUESTIONS if marker.find(engine.ask(q).answer)]
    assert len(questions) >= 2
    for question in questions:
        page.goto(live_server + "/ask?q=" + quote_plus(question))
        server = newest_card(page).locator("details.term summary").all_inner_texts()
        page.goto(live_server + "/")
        ask(page, question)
        assert newest_card(page).locator("details.term summary").all_inner_texts() == server


# ---------------------------------------------------------------- JavaScript niceties


def test_javascript_shows_a_looking_this_up_state_and_moves_focus_to_the_answer(page, live_server):
    held = []
    page.route("**/api/ask", lambda route: held.append(route))
    page.goto(live_server + "/")
    page.fill("#q", WHAT_IS)
    page.press("#q", "Enter")
    page.locator("#status.is-busy").wait_for()
    assert page.locator("#status").inner_text() == "Looking this up…"
    assert page.locator("#ask-form").get_attribute("aria-busy") == "true"
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.wait_for_selector(".card")
    assert page.locator("#status").inner_text() == "Your answer is ready."
    assert page.evaluate("document.activeElement.className") == "card-question"
    assert page.input_value("#q") == ""  # ready for the next question


def test_javascript_keeps_the_question_and_says_what_went_wrong(page, live_server):
    page.goto(live_server + "/")
    page.fill("#q", "why " * 1001)
    page.press("#q", "Enter")
    error = page.locator("#q-error")
    error.wait_for(state="visible")
    assert "Please keep your question under 4000 characters" in error.inner_text()
    assert page.input_value("#q").startswith("why why")
    assert page.get_attribute("#q", "aria-invalid") == "true"
    assert page.locator(".card").count() == 0


def test_spinner_stands_still_for_people_who_ask_for_less_motion(browser, live_server):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.route("**/api/ask", lambda route: None)  # never answers: the busy state stays
    page.goto(live_server + "/")
    page.fill("#q", WHAT_IS)
    page.press("#q", "Enter")
    page.wait_for_selector("#status.is-busy")
    animation = page.evaluate("getComputedStyle(document.getElementById('status'), '::before').animationName")
    context.close()
    assert animation == "none"


def with_strict_csp(route) -> None:
    response = route.fetch()
    headers = {**response.headers, "content-security-policy": STRICT_CSP}
    route.fulfill(response=response, headers=headers)


def test_the_chat_works_under_a_strict_content_security_policy(page, live_server, engine):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", with_strict_csp)
    page.goto(live_server + "/")
    ask(page, WHAT_IS)
    page.locator("details.term summary").first.click()
    quote = engine.ask(WHAT_IS).citations[0].quote
    assert newest_card(page).locator("blockquote").first.inner_text() == f"“{quote}”"
    assert page.locator("details.term .term-def").first.is_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert all(r.startswith(live_server) for r in requests)  # no fonts, CDNs or trackers
    assert page.context.cookies() == []


# ---------------------------------------------------------------- keyboard only


def test_keyboard_alone_reaches_the_answer(page, live_server, engine):
    marker = TermMarker(engine.content.glossary)
    question = next(q for q in EXAMPLE_QUESTIONS if marker.find(engine.ask(q).answer))
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.wait_for_selector(".card")
    assert page.evaluate("document.activeElement.className") == "card-question"
    # From the answer, Tab reaches a medical word and Enter opens its meaning.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "term-word"
    page.keyboard.press("Enter")
    assert page.locator("details.term .term-def").first.is_visible()


def test_keyboard_alone_can_pick_an_example_question(page, live_server):
    page.goto(live_server + "/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chip')"):
            break
    chosen = page.evaluate("document.activeElement.value")
    page.keyboard.press("Enter")
    page.wait_for_selector(".card")
    assert newest_card(page).locator(".card-question").inner_text().endswith(chosen)


# ---------------------------------------------------------------- accessibility and looks

AXE_PAGES = {
    "chat": ("/", ()),
    "answered": ("/ask?q=" + quote_plus(CAUSES) + "&h=" + quote_plus(WHAT_IS), ()),
    "urgent": ("/ask?q=" + quote_plus(URGENT), ()),
    "ask-doctor": ("/ask?q=" + quote_plus(ASK_DOCTOR), ()),
    "not-covered": ("/ask?q=" + quote_plus(OFF_TOPIC), ()),
    "error": ("/ask?q=", ()),
    "topics": ("/topics", ()),
    "one-topic": ("/topics/hearing", ()),
    "glossary": ("/glossary", ()),
    "sources": ("/sources", ()),
}


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_wcag_a_or_aa_violations(page, live_server, name):
    path, _ = AXE_PAGES[name]
    page.goto(live_server + path)
    for term in page.locator("details.term").all()[:2]:
        term.locator("summary").click()  # check the opened meanings too
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


def test_axe_finds_no_violations_in_a_thread_built_by_javascript(page, live_server):
    page.goto(live_server + "/")
    ask(page, WHAT_IS)
    ask(page, URGENT)
    page.locator("#thread details.term summary").first.click()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


SHOTS = {
    "chat": "/",
    "answered": AXE_PAGES["answered"][0],
    "urgent": AXE_PAGES["urgent"][0],
    "topics": "/topics/hearing",
    "glossary": "/glossary",
    "sources": "/sources",
}


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshots_for_review_and_nothing_wider_than_the_screen(browser, live_server, artifacts, name, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server + SHOTS[name])
    path = artifacts / f"chat-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    heading_shown = page.locator("h1").first.is_visible()
    context.close()
    from PIL import Image

    with Image.open(path) as shot:
        assert shot.width == width  # the whole page, at the screen's width
        colours = shot.convert("RGB").getcolors(maxcolors=1 << 16)
    # A page drawn with its stylesheet and text, not a blank or unstyled one: many colours
    # (anti-aliased text, the site's palette), no one of them covering nearly everything.
    assert colours is None or (len(colours) > 30 and max(n for n, _ in colours) < 0.97 * sum(n for n, _ in colours))
    assert heading_shown
    assert overflow <= 0


@pytest.mark.parametrize("width", [320, 640])  # a small phone, and 1280 px at 200% zoom
@pytest.mark.parametrize("path", ["/", AXE_PAGES["answered"][0], AXE_PAGES["urgent"][0], "/topics", "/glossary",
                                  "/sources"])
def test_no_sideways_scrolling_on_narrow_screens(browser, live_server, path, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server + path)
    for term in page.locator("details.term").all()[:3]:
        term.locator("summary").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0


TARGETS = ".nav-list a, .site-name a, #q, .ask-button, .chip, .card-link a, .browse-list a, .skip-link"


def test_text_is_large_and_every_control_is_easy_to_hit(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(live_server + AXE_PAGES["answered"][0])
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.focus(".skip-link")
    sizes = page.eval_on_selector_all(
        TARGETS, "els => els.filter(e => e.getClientRects().length).map(e => [e.className || e.tagName, "
                 "e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    context.close()
    assert font_size >= 18
    assert len(sizes) > 10
    small = [s for s in sizes if s[1] < 44 or s[2] < 44]
    assert not small


def test_focus_is_always_visible(page, live_server):
    page.goto(live_server + AXE_PAGES["answered"][0])
    outlines = []
    for _ in range(12):
        page.keyboard.press("Tab")
        outlines.append(page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"))
    assert all(style != "none" and width >= 2 for _, style, width in outlines), outlines
