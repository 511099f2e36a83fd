"""The checklist in a real browser: no JavaScript end to end, print layout, accessibility,
the copy-link button and a strict Content Security Policy."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from ssexplain.reply.answer import DISCLAIMER

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TYPICAL = "/checklist/questions?item=imbalance&item=bladder&item=past-injury"
CSP = "default-src 'self'"


@pytest.fixture()
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


@pytest.mark.parametrize(
    "path",
    ["/checklist", "/checklist?item=bladder&own=Mine", TYPICAL + "&own=Can+I+drive%3F&topic=monitoring",
     "/checklist/questions"],
)
def test_no_wcag_violations(page, live_server, path):
    page.goto(live_server + path)
    assert violations(page) == []


def test_no_javascript_end_to_end(no_js_page, live_server, artifacts):
    page = no_js_page
    page.goto(f"{live_server}/checklist")
    page.get_by_label("I feel unsteady or lose my balance").check()
    page.get_by_text("I have to rush to pee").click()  # the words tick the box too
    page.get_by_label("Finding the cause").check()
    page.get_by_label("Write any other questions you have").fill("Can I still drive?\nShould I stop work?")
    page.get_by_role("button", name="Make my question list").click()
    page.wait_for_url("**/checklist/questions?**")
    assert parse_qs(urlsplit(page.url).query)["item"] == ["imbalance", "bladder"]
    assert page.get_by_role("heading", name="Ask these first").is_visible()
    top = page.locator(".top-questions .q-text").all_inner_texts()
    assert len(top) == 3 and "Is my poor balance caused by the siderosis?" in top[0]
    assert page.get_by_text("Can I still drive?").is_visible()
    assert page.get_by_text("Has the source of my bleeding been found").first.is_visible()
    assert page.get_by_text(DISCLAIMER).is_visible()
    # Without JavaScript the buttons that need it stay hidden; the link is still there to copy.
    assert not page.get_by_role("button", name="Copy link").is_visible()
    assert not page.get_by_role("button", name="Print this list").is_visible()
    share = page.get_by_label("Link to this list").input_value()
    assert "item=imbalance" in share and "drive" not in share
    page.screenshot(path=str(artifacts / "checklist-list-nojs.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download.value
    assert pdf.suggested_filename == "questions-for-your-doctor.pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf.path()).pages)
    assert "Can I still drive?" in text and "Is my poor balance caused by the siderosis?" in text

    page.get_by_role("link", name="Change my answers").click()
    assert page.get_by_label("I feel unsteady or lose my balance").is_checked()
    assert page.get_by_label("Finding the cause").is_checked()
    assert not page.get_by_label("My speech has become slurred").is_checked()
    assert "Should I stop work?" in page.get_by_label("Write any other questions you have").input_value()


def test_tick_boxes_are_large_targets(page, live_server):
    page.goto(f"{live_server}/checklist")
    boxes = page.locator("input[type=checkbox]")
    assert boxes.count() > 20
    for n in range(boxes.count()):
        box = boxes.nth(n).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    size = page.locator(".check-text").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 18


def test_print_layout(page, live_server, artifacts):
    page.goto(live_server + TYPICAL + "&own=Can+I+still+drive%3F")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "checklist-print.png"), full_page=True)
    assert not page.get_by_role("navigation", name="Main").is_visible()
    for hidden in (".list-actions", ".share", ".q-sources"):
        assert not page.locator(hidden).first.is_visible()
    assert page.locator(".tick").first.is_visible()
    assert page.locator(".answer-lines").first.is_visible()
    assert page.get_by_role("heading", name="What your doctor may ask you").is_visible()
    assert page.get_by_text(DISCLAIMER).is_visible()
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('main *, footer *')]
              .filter(e => e.offsetParent !== null && e.childNodes.length &&
                           [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
              .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 14 * 96 / 72 - 0.01  # 14 pt in CSS pixels


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_a_typical_list_prints_on_one_or_two_pages(page, live_server, artifacts, paper):
    page.goto(live_server + TYPICAL)
    data = page.pdf(format=paper)  # Chromium prints with the print stylesheet
    (artifacts / f"checklist-print-{paper}.pdf").write_bytes(data)
    pages = PdfReader(io.BytesIO(data)).pages
    assert 1 <= len(pages) <= 2
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Could my bladder problems be caused by the siderosis?" in text
    assert "Bring with you" in text and DISCLAIMER in text


def test_copy_link_button(browser, live_server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(live_server + TYPICAL + "&own=Private+words")
        button = page.get_by_role("button", name="Copy link")
        assert button.is_visible()
        assert page.get_by_role("button", name="Print this list").is_visible()
        button.click()
        page.get_by_text("Link copied.").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.get_by_label("Link to this list").input_value()
        assert parse_qs(urlsplit(copied).query) == {"item": ["imbalance", "bladder", "past-injury"]}
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/checklist", TYPICAL])
def test_works_under_a_strict_content_security_policy(page, live_server, path):
    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.route(f"{live_server}/**", with_csp)
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert refused == []
    if path == TYPICAL:
        assert page.get_by_role("button", name="Copy link").is_visible()  # the script ran


def test_no_third_party_requests(page, live_server):
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.goto(live_server + TYPICAL)
    page.wait_for_load_state("networkidle")
    assert hosts == {urlsplit(live_server).netloc}
    assert page.context.cookies() == []
