"""The forum widget: /embed, /embed.js, /oembed, and link previews (OpenGraph) on our pages."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from ssexplain.web import oembed
from ssexplain.reply.answer import DISCLAIMER
from ssexplain.config import PROJECT_ROOT
from ssexplain.content.loader import TOPICS
from ssexplain.web.oembed import OEmbedError, SitePage

from page_fields import question_box

SITE = "http://localhost/"
ANSWERED = "what is superficial siderosis?"
URGENT = "I have sudden severe headache and my neck is stiff"


class Tags(HTMLParser):
    """Collects meta, link, iframe and script tags, to check a page the way a crawler reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **match: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in match.items())]


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def og(html: str) -> dict[str, str]:
    return {a["property"]: a["content"] for a in parse(html).find("meta") if a.get("property", "").startswith("og:")}


# ---------------------------------------------------------------- oembed.py, no Flask

@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost/ask?q=what+is+it", True),
        ("https://localhost/ask?q=what+is+it", True),  # TLS ended at a proxy
        ("http://LOCALHOST/", True),
        ("http://localhost:80/topics", True),
        ("http://localhost:8080/ask?q=x", False),
        ("http://evil.example/ask?q=x", False),
        ("http://localhost.evil.example/ask", False),
        ("http://evil.example/?u=http://localhost/", False),
        ("javascript:alert(1)//localhost/", False),
        ("ftp://localhost/ask", False),
        ("/ask?q=relative", False),
        ("http://localhost:notaport/", False),
        ("http://localhost:99999/", False),
        ("http://[::1", False),
    ],
)
def test_only_links_to_this_site_count_as_ours(url: str, expected: bool) -> None:
    assert oembed.same_site(url, SITE) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost/", SitePage(kind="home")),
        ("http://localhost/ask?q=what+is+it%3F", SitePage(kind="ask", question="what is it?")),
        ("http://localhost/ask?h=one&h=two&q=and+then", SitePage(kind="ask", question="and then", history=("one", "two"))),
        ("http://localhost/ask?q=++spaced+++out++", SitePage(kind="ask", question="spaced out")),
        ("http://localhost/embed?q=hello", SitePage(kind="embed", question="hello")),
        ("http://localhost/topics", SitePage(kind="topics")),
        ("http://localhost/topics#symptoms", SitePage(kind="topic", topic="symptoms")),
        ("http://localhost/checklist", SitePage(kind="checklist")),
    ],
)
def test_our_pages_are_recognised(url: str, expected: SitePage) -> None:
    assert oembed.page_for_url(url, site=SITE) == expected


@pytest.mark.parametrize(
    "url",
    ["http://elsewhere.example/ask?q=x", "http://localhost/glossary", "http://localhost/api/ask",
     "http://localhost/topics/hearing",
     "http://localhost/static/site.css", "http://localhost/" + "a" * 5000],
)
def test_other_links_get_404(url: str) -> None:
    with pytest.raises(OEmbedError) as caught:
        oembed.page_for_url(url, site=SITE)
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("maxwidth", "maxheight", "expected"),
    [
        (None, None, (oembed.DEFAULT_WIDTH, oembed.DEFAULT_HEIGHT)),
        ("", "", (oembed.DEFAULT_WIDTH, oembed.DEFAULT_HEIGHT)),
        ("700", "900", (oembed.DEFAULT_WIDTH, oembed.DEFAULT_HEIGHT)),
        ("400", "300", (400, 300)),
        ("250", None, (250, oembed.DEFAULT_HEIGHT)),
        ("0400", "9" * 5000, (400, oembed.DEFAULT_HEIGHT)),
    ],
)
def test_frame_fits_inside_the_consumers_maximum(maxwidth, maxheight, expected) -> None:
    assert oembed.frame_size(maxwidth, maxheight) == expected


@pytest.mark.parametrize(("maxwidth", "maxheight"), [("wide", None), ("0", None), ("-5", None), (None, "1.5"), (None, "1e3"), ("²", None), ("000", None)])
def test_bad_sizes_are_a_400_that_names_the_field(maxwidth, maxheight) -> None:
    with pytest.raises(OEmbedError) as caught:
        oembed.frame_size(maxwidth, maxheight)
    assert caught.value.status == 400
    assert ("maxwidth" if maxwidth else "maxheight") in caught.value.message


@pytest.mark.parametrize(("fmt", "ok"), [(None, True), ("json", True), ("xml", False), ("yaml", False)])
def test_only_json_format(fmt, ok) -> None:
    if ok:
        oembed.check_format(fmt)
        return
    with pytest.raises(OEmbedError) as caught:
        oembed.check_format(fmt)
    assert caught.value.status == 501


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It is rare. It affects the brain.", "It is rare."),
        ("No full stop here", "No full stop here"),
        ("Is it rare? Yes.", "Is it rare?"),
        ("Iron (e.g. from bleeding) builds up. Then more.", "Iron (e.g."),  # short and honest, never invented
        ("word " * 80, ("word " * 80)[:199].rsplit(" ", 1)[0] + "…"),
    ],
)
def test_first_sentence(text: str, expected: str) -> None:
    assert oembed.first_sentence(text) == expected


def test_iframe_html_is_escaped_titled_lazy_and_has_no_inline_style() -> None:
    html = oembed.iframe_html('http://localhost/embed?q="><script>', title='a "b" <c>', width=400, height=500)
    frame = parse(html).find("iframe")[0]
    assert frame["src"] == 'http://localhost/embed?q="><script>'
    assert frame["title"] == 'a "b" <c>'
    assert (frame["width"], frame["height"], frame["loading"]) == ("400", "500", "lazy")
    assert "style" not in frame and "<script" not in html


@pytest.mark.parametrize(
    "copy",
    [oembed.HOME_DESCRIPTION, oembed.TOPICS_DESCRIPTION, oembed.CHECKLIST_DESCRIPTION, oembed.CHECKLIST_TITLE],
)
def test_preview_copy_is_plain_english(copy: str) -> None:
    import textstat

    assert textstat.flesch_kincaid_grade(copy) <= 8


# ---------------------------------------------------------------- GET /oembed

def test_oembed_for_a_permalink_field_by_field(client) -> None:
    url = "http://localhost/ask?q=" + "what+is+superficial+siderosis%3F"
    response = client.get("/oembed", query_string={"url": url, "maxwidth": "600", "maxheight": "500", "format": "json"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["title"] == "what is superficial siderosis?"
    assert body["provider_name"] == oembed.SITE_NAME
    assert body["provider_url"] == "http://localhost/"
    assert (body["width"], body["height"]) == (oembed.DEFAULT_WIDTH, 500)
    assert isinstance(body["cache_age"], int)
    frame = parse(body["html"]).find("iframe")[0]
    src = urlsplit(frame["src"])
    assert (src.scheme, src.netloc, src.path) == ("http", "localhost", "/embed")
    assert parse_qs(src.query) == {"q": ["what is superficial siderosis?"]}
    assert (frame["width"], frame["height"]) == (str(body["width"]), str(body["height"]))
    assert (frame["title"], frame["loading"]) == (oembed.FRAME_TITLE, "lazy")


def first_question(engine, topic: str) -> str:
    question = next(p for p in engine.content.passages if topic in p.topics).questions[0]
    return question[0].upper() + question[1:]


@pytest.mark.parametrize(
    ("url", "title", "frame_query"),
    [
        ("http://localhost/", oembed.SITE_NAME, {}),
        ("http://localhost/checklist", oembed.CHECKLIST_TITLE, {}),
        ("http://localhost/topics", "Topics · " + oembed.SITE_NAME, {}),
        ("http://localhost/ask?h=what+is+it&q=how+is+it+treated", "how is it treated",
         {"h": ["what is it"], "q": ["how is it treated"]}),
    ],
)
def test_oembed_for_each_kind_of_page(client, url, title, frame_query) -> None:
    body = client.get("/oembed", query_string={"url": url}).get_json()
    assert body["title"] == title
    assert parse_qs(urlsplit(parse(body["html"]).find("iframe")[0]["src"]).query) == frame_query


@pytest.mark.parametrize(("url", "topic"), [("http://localhost/topics#hearing", "hearing"), ("http://localhost/topics#treatment", "treatment")])
def test_oembed_for_a_topic_opens_on_one_of_its_questions(client, engine, url, topic) -> None:
    body = client.get("/oembed", query_string={"url": url}).get_json()
    assert body["title"].startswith(TOPICS[topic])
    query = parse_qs(urlsplit(parse(body["html"]).find("iframe")[0]["src"]).query)
    assert query == {"q": [first_question(engine, topic)]}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, "bad_request"),
        ({"url": "  "}, 400, "bad_request"),
        ({"url": "https://evil.example/ask?q=x"}, 404, "not_found"),
        ({"url": "http://[::1"}, 404, "not_found"),
        ({"url": "http://localhost/glossary"}, 404, "not_found"),
        ({"url": "http://localhost/topics#no-such-topic"}, 404, "not_found"),
        ({"url": "http://localhost/", "format": "xml"}, 501, "not_implemented"),
        ({"url": "http://localhost/", "maxwidth": "huge"}, 400, "bad_request"),
    ],
)
def test_oembed_errors_are_clear_json(client, query, status, code) -> None:
    response = client.get("/oembed", query_string=query)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


# ---------------------------------------------------------------- GET /embed.js

def test_embed_js_is_served_as_javascript(client) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "data-ssexplain" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["static/embed.js", "static/embed-frame.js", "static/answer-card.js"])
def test_embed_scripts_use_no_cookies_or_storage(path: str) -> None:
    source = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    assert not re.search(r"document\.cookie|localStorage|sessionStorage|indexedDB", source)

# ---------------------------------------------------------------- GET /embed

def main_part(html: str) -> str:
    return html[html.index("<main"):]


def test_embed_start_page_offers_a_form_that_stays_in_the_frame(client) -> None:
    response = client.get("/embed")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tags = parse(html)
    form = tags.find("form", id="ask-form")[0]
    assert (form["method"], form["action"].split("#")[0], form["target"]) == ("post", "/embed", "_self")
    assert tags.find("label", **{"for": "q"}) and tags.find("textarea", id="q", name="q")
    assert tags.find("base", target="_blank"), "links must open a new tab, not load inside the frame"
    assert tags.find("script", src="/static/embed-frame.js")
    assert len(tags.find("button", **{"class": "chip"})) >= 3, "example questions to tap"
    assert DISCLAIMER in html
    assert "Set-Cookie" not in response.headers
    assert not [a for t, a in tags.tags if "style" in a or any(k.startswith("on") for k in a)]
    assert "<script>" not in html


def test_embed_answers_with_cited_snippet_and_disclaimer(client, engine) -> None:
    response = client.get("/embed", query_string={"q": ANSWERED})
    assert response.status_code == 200
    html = main_part(response.get_data(as_text=True))
    reply = engine.ask(ANSWERED)
    assert reply.citations
    assert reply.citations[0].quote in html
    assert reply.citations[0].source.title in html
    assert DISCLAIMER in html
    tags = parse(html)
    assert tags.find("input", type="hidden", name="h", value=ANSWERED), "the next question carries this one"
    links = [urlsplit(a["href"]) for a in tags.find("a")]
    assert any(u.path == "/ask" and parse_qs(u.query) == {"q": [ANSWERED]} for u in links), "a link to this answer"
    followup_forms = [f for f in tags.find("form") if f.get("class") == "followup-form"]
    assert followup_forms and all(f["target"] == "_self" and f["action"].startswith("/embed") for f in followup_forms)


def test_embed_urgent_reply_comes_before_everything_else(client) -> None:
    question = "I have the worst headache of my life right now"
    html = main_part(client.get("/embed", query_string={"q": question}).get_data(as_text=True))
    assert 'role="alert"' in html
    assert html.index('role="alert"') < html.index('id="ask-form"')
    assert "emergency" in html[: html.index('id="ask-form"')].lower()


def test_embed_follow_up_shows_the_thread_newest_first(client) -> None:
    response = client.get("/embed", query_string=[("h", ANSWERED), ("q", "what causes it?")])
    html = main_part(response.get_data(as_text=True))
    questions = re.findall(r'<span class="you-asked">You asked:</span> ([^<]+)<', html)
    assert questions == ["what causes it?", ANSWERED]
    assert [a["value"] for a in parse(html).find("input", type="hidden", name="h")][:2] == [ANSWERED, "what causes it?"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": ""}, "Please type a question."),
        ({"q": "   "}, "Please type a question."),
        ({"q": "why " * 1001}, "under 4000 characters"),
    ],
)
def test_embed_bad_question_is_a_400_that_keeps_what_was_typed(client, query, message) -> None:
    response = client.get("/embed", query_string=query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    box = parse(html).find("textarea", id="q")[0]
    assert question_box(html) == query["q"] and box["aria-invalid"] == "true"


def test_embed_drops_damaged_history_rather_than_failing(client) -> None:
    query = [("h", "x" * 600), ("h", ""), *[("h", f"question {n}") for n in range(15)], ("q", ANSWERED)]
    response = client.get("/embed", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    fields = html[html.index('id="history-fields"'):html.index("</form>", html.index('id="history-fields"'))]
    kept = [a["value"] for a in parse(fields).find("input", name="h")]
    assert kept == [f"question {n}" for n in range(6, 15)] + [ANSWERED]


@pytest.mark.parametrize(
    "query",
    ["q=%FF%FE", "h=%00&q=is+it+rare%3F", "h=" + "x" * 3000 + "&q=a", "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "q=a&q=b"],
)
def test_embed_odd_input_never_breaks_the_page(client, query: str) -> None:
    response = client.get("/embed?" + query)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and DISCLAIMER in html


def test_embed_while_warming_up_is_a_503_that_keeps_the_question() -> None:
    from ssexplain.web import create_app

    app = create_app({"TESTING": True, "LOAD_ENGINE": False})
    response = app.test_client().get("/embed", query_string={"q": "is it rare?"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "starting up" in html and question_box(html) == "is it rare?"


# ---------------------------------------------------------------- OpenGraph and oEmbed discovery

def discovery(html: str) -> str:
    links = parse(html).find("link", rel="alternate", type="application/json+oembed")
    assert len(links) == 1
    return links[0]["href"]


def test_answer_permalink_has_opengraph_with_the_answers_first_plain_sentence(client, engine) -> None:
    html = client.get("/ask", query_string={"q": ANSWERED}).get_data(as_text=True)
    tags = og(html)
    reply = engine.ask(ANSWERED)
    assert tags["og:title"] == ANSWERED
    assert tags["og:description"] == oembed.first_sentence(reply.citations[0].plain)
    assert tags["og:description"] in reply.citations[0].plain
    assert parse_qs(urlsplit(tags["og:url"]).query) == {"q": [ANSWERED]}
    assert urlsplit(tags["og:url"]).path == "/ask"


def test_discovery_link_leads_to_a_working_oembed(client) -> None:
    html = client.get("/ask", query_string={"q": ANSWERED}).get_data(as_text=True)
    href = urlsplit(discovery(html))
    body = client.get(href.path + "?" + href.query).get_json()
    assert body["type"] == "rich" and body["title"] == ANSWERED


@pytest.mark.parametrize(
    ("path", "title", "description"),
    [
        ("/checklist", oembed.CHECKLIST_TITLE, oembed.CHECKLIST_DESCRIPTION),
        ("/topics", "Topics · " + oembed.SITE_NAME, oembed.TOPICS_DESCRIPTION),
        ("/", oembed.SITE_NAME, oembed.HOME_DESCRIPTION),
    ],
)
def test_checklist_topics_and_start_page_have_opengraph(client, path, title, description) -> None:
    html = client.get(path).get_data(as_text=True)
    assert og(html) == {
        "og:type": "website", "og:site_name": oembed.SITE_NAME, "og:title": title,
        "og:description": description, "og:url": "http://localhost" + path,
    }
    assert parse_qs(urlsplit(discovery(html)).query)["url"] == ["http://localhost" + path]


@pytest.mark.parametrize(
    ("path", "expect_tags"),
    [("/topics", True), ("/checklist", True), ("/ask?q=is+it+rare", True), ("/glossary", False), ("/sources", False)],
)
def test_opengraph_include_decides_by_page(app, path, expect_tags) -> None:
    """The include itself, as any page's head block would render it."""
    from flask import render_template_string

    with app.test_request_context(path):
        html = render_template_string('{% include "_opengraph.html" %}')
    assert bool(og(html)) is expect_tags
    if expect_tags:
        assert discovery(html).startswith("http://localhost/oembed?")


def test_topics_opengraph_describes_the_page_in_plain_words(app) -> None:
    from flask import render_template_string

    with app.test_request_context("/topics"):
        html = render_template_string('{% include "_opengraph.html" %}')
    tags = og(html)
    assert tags["og:title"] == "Topics · " + oembed.SITE_NAME
    assert tags["og:description"] == oembed.TOPICS_DESCRIPTION
    assert tags["og:url"] == "http://localhost/topics"


# ---------------------------------------------------------------- framing (headers set by web/security.py)

def test_embed_js_can_load_on_another_site(client) -> None:
    """nosniff needs a JavaScript type; no header may stop another site's page running it."""
    response = client.get("/embed.js")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/javascript"
    assert response.headers.get("Cross-Origin-Resource-Policy", "cross-origin") == "cross-origin"

