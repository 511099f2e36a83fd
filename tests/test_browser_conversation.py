"""Conversation state and long messages in real Chromium, with JavaScript and without: the
card says what a follow-up was taken to mean, its link is the server's permalink (never one
the script works out), and a long story shows each question with its own quotes."""
from __future__ import annotations

import pytest

from chat_questions import WHAT_IS
from test_browser_chat import any_page, ask, newest_card  # noqa: F401 (any_page is a fixture)
from test_long_messages import STORY

pytestmark = pytest.mark.browser


def test_the_card_link_is_the_servers_permalink(any_page, live_server, client):
    """Issue 13: after "What is superficial siderosis?", "What are the usual symptoms?" is not a
    follow-up, so its link carries no earlier question; a real follow-up's link carries it."""
    any_page.goto(live_server + "/")
    ask(any_page, WHAT_IS)
    for question in ("What are the usual symptoms?", "what causes it?"):
        earlier = [WHAT_IS] if question.startswith("What are") else [WHAT_IS, "What are the usual symptoms?"]
        expected = client.post("/api/ask", json={"question": question, "history": earlier}).get_json()["permalink"]
        ask(any_page, question)
        link = newest_card(any_page).locator(".card-link a").get_attribute("href")
        assert link == expected
    assert "&h=" not in client.post("/api/ask", json={"question": "What are the usual symptoms?",
                                                        "history": [WHAT_IS]}).get_json()["permalink"]


def test_a_follow_up_says_what_it_was_taken_to_mean(any_page, live_server, engine):
    any_page.goto(live_server + "/")
    ask(any_page, "why am I going deaf?")
    ask(any_page, "can that be fixed?")
    card = newest_card(any_page)
    expected = engine.ask("can that be fixed?", history=["why am I going deaf?"]).understood_as
    assert expected and card.locator(".card-understood").inner_text().endswith(expected)


def test_a_long_story_shows_each_question_with_its_quotes(any_page, live_server, engine):
    # Asked here first, so the page's request is answered from the shared cache: this checks
    # what a story shows, not how fast it is on a loaded test box (bench/ does that).
    reply = engine.ask(STORY)
    any_page.goto(live_server + "/")
    ask(any_page, STORY)
    card = newest_card(any_page)
    parts = card.locator(".card-part")
    assert parts.count() == len(reply.parts) == 2
    for n, part in enumerate(reply.parts):
        shown = parts.nth(n)
        assert shown.locator(".part-question").inner_text().endswith(part.question)
        assert shown.locator("blockquote").first.inner_text() == f"“{part.reply.citations[0].quote}”"
