"""The HTML pages through Flask's test client: the chat without JavaScript, the browse
pages, bad input, and the hygiene rules every page keeps (one h1, the disclaimer, no
inline scripts or styles, no cookies)."""
from __future__ import annotations

from urllib.parse import quote_plus
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.content.loader import TOPICS, GlossaryTerm
from ssexplain.content.glossary_terms import TermMarker, slug
from ssexplain.web import create_app
from ssexplain.web.pages import EXAMPLE_QUESTIONS

from chat_questions import ASK_DOCTOR, CAUSES, OFF_TOPIC, URGENT, WHAT_IS
from page_fields import question_box


class Page(HTMLParser):
    """Just enough of a parsed page to ask what a person (or a browser) would meet."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.forms: list[tuple[dict[str, str], list[str]]] = []  # each form and its history fields
        self.script_bodies: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        self._in_script = tag == "script"
        if tag == "form":
            self.forms.append((attributes, []))
        elif tag == "input" and attributes.get("name") == "h" and self.forms:
            self.forms[-1][1].append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_bodies.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def values(self, name: str) -> list[str]:
        return [a.get("value", "") for a in self.all("input", type="hidden", name=name)]

    def history(self, form_class: str = "ask-form") -> list[list[str]]:
        """The history fields of each form with this class."""
        return [fields for attrs, fields in self.forms if form_class in attrs.get("class", "").split()]


def get(client, url: str):
    response = client.get(url)
    return response, response.get_data(as_text=True)


def post(client, data: dict):
    response = client.post("/ask", data=data)
    return response, response.get_data(as_text=True)


# ---------------------------------------------------------------- every page

PAGES = ["/", "/ask?q=What+is+superficial+siderosis%3F", "/topics", "/topics/hearing", "/glossary", "/sources",
         "/no-such-page"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_keeps_the_house_rules(client, url):
    response, html = get(client, url)
    page = Page(html)
    assert response.status_code == (404 if url == "/no-such-page" else 200)
    assert '<html lang="en">' in html
    assert len(page.all("h1")) == 1
    assert str(escape(DISCLAIMER)) in html
    assert page.all("a", href="#main") and page.all("main", id="main")
    assert {"/", "/topics", "/glossary", "/sources", "/checklist"} <= {a["href"] for a in page.all("a")}
    # A strict Content-Security-Policy must be possible: nothing inline.
    assert not page.script_bodies
    assert not [a for _, a in page.tags if "style" in a or any(k.startswith("on") for k in a)]
    assert not page.all("style")
    assert all(s["src"].startswith("/static/") for s in page.all("script"))
    assert all(link["href"].startswith(("/", "http://localhost/")) for link in page.all("link"))
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("url", "current"), [("/", "/"), ("/ask?q=hello", "/"), ("/topics", "/topics"),
                                               ("/glossary", "/glossary"), ("/sources", "/sources")])
def test_navigation_marks_where_you_are(client, url, current):
    _, html = get(client, url)
    assert [a["href"] for a in Page(html).all("a") if a.get("aria-current") == "page"] == [current]


# ---------------------------------------------------------------- the chat page


def test_home_welcomes_with_a_labelled_box_examples_and_links(client):
    _, html = get(client, "/")
    page = Page(html)
    assert page.all("label", **{"for": "q"}) and page.all("textarea", id="q", name="q")
    assert page.all("form", id="ask-form", method="post")
    assert [b["value"] for b in page.all("button", name="q")] == list(EXAMPLE_QUESTIONS)
    assert "This is not a doctor." in html


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_every_example_question_gets_an_answer(engine, question):
    assert engine.ask(question).status == "answered"


def test_a_permalink_shows_the_answer_with_its_quotes(client, engine):
    reply = engine.ask(WHAT_IS)
    response, html = get(client, "/ask?q=What+is+superficial+siderosis%3F")
    page = Page(html)
    assert response.status_code == 200
    for citation in reply.citations:
        assert str(escape(citation.quote)) in html
        assert page.all("a", href=f"/sources#{citation.source.id}")
    assert html.count(str(escape(DISCLAIMER))) >= 3  # welcome, card, footer
    assert page.all("a", href="/ask?q=What+is+superficial+siderosis?")
    assert set(page.values("h")) == {WHAT_IS}  # the next question carries this one


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_follow_up_is_answered_in_the_light_of_the_earlier_question(client, engine, follow_up, method):
    first, then = follow_up
    data = {"q": then, "h": [first]}
    response = client.post("/ask", data=data) if method == "post" else client.get("/ask", query_string=data)
    html = response.get_data(as_text=True)
    page = Page(html)
    assert str(escape(engine.ask(then, history=[first]).citations[0].quote)) in html
    assert "Not in our sources" not in html
    # Newest first, and the next question will carry both.
    assert html.index(f"</span> {then}</h3>") < html.index(f"</span> {first}</h3>")
    assert page.history() == [[first, then]]
    assert page.all("a", href=f"/ask?q={quote_plus(then, safe='?')}&h={quote_plus(first, safe='?')}")


def test_follow_up_buttons_carry_the_whole_thread(client, engine):
    engine.ask(WHAT_IS)  # asked first, as a person would: its card is shown from memory
    _, html = post(client, {"q": CAUSES, "h": [WHAT_IS]})
    page = Page(html)
    offered = [b["value"] for b in page.all("button", name="q", type="submit")]
    assert list(engine.ask(CAUSES, history=[WHAT_IS]).followups) == offered[:3]
    in_cards = page.history("followup-form")
    assert len(in_cards) >= 2  # the examples form is hidden once there is a thread
    carried = [fields for fields in in_cards if fields]
    assert len(carried) == 2 and all(fields == [WHAT_IS, CAUSES] for fields in carried)


def test_an_urgent_message_comes_before_everything_else(client, engine):
    message = engine.ask(URGENT).urgent.message
    _, html = post(client, {"q": URGENT, "h": [WHAT_IS]})
    alert = html.index('role="alert"')
    assert message in html
    assert alert < html.index('class="intro"') < html.index('id="ask-form"') < html.index(f"</span> {WHAT_IS}</h3>")
    assert html.index("Get help now") < html.index(message)
    assert 'class="card card-urgent" id="latest"' in html


@pytest.mark.parametrize(("question", "label"), [(ASK_DOCTOR, "A question for your own doctor"),
                                                 (OFF_TOPIC, "Not in our sources")])
def test_replies_it_cannot_give_still_offer_questions_it_can_answer(client, question, label):
    _, html = post(client, {"q": question})
    page = Page(html)
    assert label in html
    assert "Questions this explainer can answer" in html
    assert len(page.all("button", name="q")) >= 2


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_medical_words_in_an_answer_open_their_meaning(client, engine, question):
    _, html = post(client, {"q": question})
    marks = TermMarker(engine.content.glossary).find(engine.ask(question).answer)
    assert html.count('<details class="term">') == len(marks)
    for mark in marks:
        assert str(escape(mark.term.definition)) in html
        assert f'href="/glossary#{slug(mark.term.term)}"' in html


# ---------------------------------------------------------------- input a person can get wrong


@pytest.mark.parametrize(("data", "status", "message", "kept"), [
    ({"q": ""}, 400, "Please type a question.", ""),
    ({"q": "   \n  "}, 400, "Please type a question.", None),
    ({"q": "why " * 1001}, 400, "Please keep your question under 4000 characters", "why why why"),
    ({"q": "<script>alert(1)</script>"}, 200, None, None),
    ({"q": "", "h": [WHAT_IS]}, 400, "Please type a question.", ""),
])
def test_bad_questions_get_a_clear_message_and_keep_what_was_typed(client, data, status, message, kept):
    response, html = post(client, data)
    page = Page(html)
    assert response.status_code == status
    assert "<script>alert" not in html
    if message:
        assert message in html
        assert page.all("textarea", id="q", **{"aria-invalid": "true"})
    if kept is not None:
        assert question_box(html).startswith(kept)
    if data.get("h"):
        assert f"</span> {WHAT_IS}</h3>" in html  # the thread so far is still there


@pytest.mark.parametrize(("history", "kept"), [
    ([f"question {n} about siderosis" for n in range(14)], [f"question {n} about siderosis" for n in range(4, 14)]),
    (["x" * 4001, WHAT_IS, "  "], [WHAT_IS]),
])
def test_damaged_history_fields_are_tidied_not_fatal(client, history, kept):
    response, html = post(client, {"q": "What are the usual symptoms?", "h": history})
    assert response.status_code == 200
    assert Page(html).history() == [[*kept[-9:], "What are the usual symptoms?"]]


def test_ask_without_a_question_goes_back_to_the_start(client):
    response = client.get("/ask")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_an_empty_permalink_asks_for_a_question(client):
    response, html = get(client, "/ask?q=")
    assert response.status_code == 400 and "Please type a question." in html


def test_a_huge_form_is_refused_cleanly(client):
    response = client.post("/ask", data={"q": "a" * 100_000})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.fixture()
def starting_client():
    """The app while the engine is still loading."""
    return create_app({"TESTING": True, "ENGINE": None, "LOAD_ENGINE": False}).test_client()


@pytest.mark.parametrize("url", ["/topics", "/glossary", "/sources", "/glossary.json"])
def test_browse_pages_say_when_the_explainer_is_starting(starting_client, url):
    response = starting_client.get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "starting up" in response.get_data(as_text=True)


def test_a_question_asked_while_starting_is_kept(starting_client):
    response = starting_client.post("/ask", data={"q": "what is it?"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "starting up" in html
    assert question_box(html) == "what is it?"


# ---------------------------------------------------------------- browse pages


def test_topics_list_every_passage_under_its_topics_with_its_snippet(client, engine):
    _, html = get(client, "/topics")
    page = Page(html)
    used = {t for p in engine.content.passages for t in p.topics}
    for topic in used:
        assert page.all("h2", id=topic) and page.all("a", href=f"#{topic}")
        assert str(escape(TOPICS[topic])) in html
    for passage in engine.content.passages:
        assert str(escape(passage.quote)) in html
        assert len(page.all("li", id=f"p-{passage.id}")) == 1


@pytest.mark.parametrize("topic", ["hearing", "treatment"])
def test_one_topic_has_a_page_of_its_own(client, engine, topic):
    response, html = get(client, f"/topics/{topic}")
    page = Page(html)
    inside = [p for p in engine.content.passages if topic in p.topics]
    assert response.status_code == 200
    assert f"<h1>{escape(TOPICS[topic])}</h1>" in html
    assert {a["id"] for a in page.all("li") if "id" in a} == {f"p-{p.id}" for p in inside}


def test_an_unknown_topic_is_a_clear_404(client):
    response, html = get(client, "/topics/no-such-topic")
    assert response.status_code == 404 and "There is no topic with that name" in html


def test_glossary_explains_every_term_and_links_to_passages(client, engine):
    _, html = get(client, "/glossary")
    page = Page(html)
    topic_anchors = {a["id"] for a in Page(get(client, "/topics")[1]).all("li") if "id" in a}
    for term in engine.content.glossary:
        assert page.all("div", id=slug(term.term))
        assert str(escape(term.definition)) in html
        for pid in term.passages:
            assert f"p-{pid}" in topic_anchors
            assert page.all("a", href=f"/topics#p-{pid}")


def test_sources_give_every_full_citation_at_the_anchor_answers_link_to(client, engine):
    _, html = get(client, "/sources")
    page = Page(html)
    for source in engine.content.sources.values():
        assert page.all("section", id=source.id)
        assert str(escape(source.citation)) in html
        if source.url:
            assert page.all("a", href=source.url)


def test_glossary_json_gives_the_page_script_the_same_terms(client, engine):
    data = client.get("/glossary.json").get_json()
    assert data["glossaryUrl"] == "/glossary"
    assert data["forms"] == TermMarker(engine.content.glossary).to_json()


# ---------------------------------------------------------------- glossary marking

IRON = GlossaryTerm("iron", "A metal carried in blood.", (), (), ())
CSF = GlossaryTerm("cerebrospinal fluid", "The fluid around the brain.", ("CSF", "spinal fluid", "dural"), (), ())
SS = GlossaryTerm("superficial siderosis", "Iron on the brain's surface.", ("SS",), (), ())
CSS = GlossaryTerm("cortical superficial siderosis", "Iron on the upper brain.", ("cSS",), (), ())
HAEMO = GlossaryTerm("haemosiderin", "An iron-rich substance.", ("hemosiderin",), (), ())
MARKER = TermMarker((IRON, CSF, SS, CSS, HAEMO))


@pytest.mark.parametrize(("text", "marked"), [
    ("Iron builds up. More iron.", ["Iron"]),  # first mention only
    ("The environment is fine.", []),  # never inside a word
    ("It is in the CSF.", ["CSF"]),
    ("It is in the csf.", []),  # an abbreviation must match exactly
    ("It is in the spinal fluid.", []),  # a loose synonym is not the term
    ("Cortical superficial siderosis differs.", ["Cortical superficial siderosis"]),  # longest wins
    ("Hemosiderin stains.", ["Hemosiderin"]),  # another spelling
    ("iron-rich blood", []),  # part of a hyphenated word
])
def test_terms_are_found_the_way_a_reader_would_expect(text, marked):
    assert [text[m.start:m.end] for m in MARKER.find(text)] == marked


def test_marked_text_is_escaped_and_explains_the_term():
    html = str(MARKER.mark('<img src=x onerror="alert(1)"> & iron'))
    assert "<img" not in html and "&lt;img" in html
    assert '<details class="term"><summary class="term-word">iron</summary>' in html
    assert "A metal carried in blood." in html and 'href="/glossary#term-iron"' in html


def test_a_hostile_definition_cannot_inject_markup():
    bad = GlossaryTerm("iron", '<a href="javascript:alert(1)">x</a><script>x</script>', (), (), ())
    html = str(TermMarker((bad,)).mark("iron"))
    assert "<script" not in html and "<a href=\"javascript" not in html
