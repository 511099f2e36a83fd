"""The symptom checklist: which questions a selection gives, in what order, and the pages
/checklist and /checklist/questions, including bad links and privacy."""
from __future__ import annotations

import logging
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.checklist.questions import (
    BACKGROUND_TITLE,
    BRING_WITH_YOU,
    DOCTOR_MAY_ASK,
    IGNORED_NOTE,
    MAX_OWN_CHARS,
    MAX_OWN_QUESTIONS,
    MAX_QUERY_BYTES,
    OWN_CUT_NOTE,
    STARTER_NOTE,
    Checklist,
    build_question_list,
    clean_own,
    long_date,
    parse_checklist,
    parse_selection,
    section_label,
)
from ssexplain.content.loader import Content, Passage, Source
from ssexplain.content.readability import grade
from ssexplain.web.checklist import TOO_LONG

TODAY = date(2026, 3, 9)


# ---------------------------------------------------------------- a small checklist of our own

def q(text: str, priority: object = 2, passages: tuple[str, ...] = ("p-one",)) -> dict:
    return {"text": text, "why": f"Because of {text}.", "passages": list(passages), "priority": priority}


SMALL = {
    "groups": [
        {"id": "hearing", "title": "Hearing", "items": [
            {"id": "deaf", "label": "I hear less", "term": "Hearing loss",
             "questions": [q("A2", 2), q("A1", 1), q("A3", 3)]},
            {"id": "dizzy", "label": "I feel dizzy", "term": "Vertigo",
             "questions": [q("B1", 1), q("B1b", 1), q("Shared")]},
        ]},
        {"id": "walking", "title": "Walking", "items": [
            {"id": "wobbly", "label": "I wobble", "term": "Ataxia",
             "questions": [q("C1", 1), q("Shared"), q("No source", 1, ("no-such-passage",)),
                           q("Odd priority", "high")]},
            "not a mapping",
            {"id": "empty", "label": "No questions", "term": "None", "questions": "not a list"},
        ]},
    ],
    "background": [
        {"id": "surgery", "label": "I had an operation", "term": "Neurosurgery", "questions": [q("D1", 1)]},
    ],
    "general": [
        {"id": "tests", "title": "Tests", "questions": [q("G1", 1), q("G2", 2)]},
        {"id": "care", "title": "Care", "questions": [q("H1", 1), q("H2", 3)]},
    ],
}


def small_content(checklist: dict = SMALL) -> Content:
    source = Source(id="smith-2020", file="x.txt", title="A paper", citation="Smith J. A paper. 2020")
    passages = tuple(
        Passage(id=pid, source="smith-2020", section=section, quote="Quote.", plain="Plain.", questions=("q?",),
                topics=("symptoms",), file="x.yaml")
        for pid, section in (("p-one", "Box 1"), ("p-two", "HOW SHOULD I MANAGE ISS?"))
    )
    return Content(sources={source.id: source}, passages=passages, glossary=(), checklist=checklist)


@pytest.fixture(scope="module")
def small() -> Checklist:
    return parse_checklist(small_content())


def texts(questions) -> list[str]:
    return [x.text for x in questions]


@pytest.mark.parametrize(
    ("pairs", "top", "sections"),
    [
        # Lowest priority number first, even when the file lists it second.
        ([("item", "deaf")], ["A1", "A2", "A3"], []),
        # Ties spread over the ticks: each tick's first question before anyone's second.
        ([("item", "deaf"), ("item", "dizzy")], ["A1", "B1", "B1b"],
         [("Hearing", ["A2", "A3", "Shared"])]),
        # Groups keep page order; a question two ticks share is listed once.
        ([("item", "dizzy"), ("item", "wobbly"), ("item", "surgery")], ["B1", "C1", "D1"],
         [("Hearing", ["B1b", "Shared"]), ("Walking", ["Odd priority"])]),
        # Topics add their general questions under their own heading.
        ([("item", "surgery"), ("topic", "care")], ["D1", "H1", "H2"], []),
        ([("topic", "tests"), ("topic", "care")], ["G1", "H1", "G2"], [("Care", ["H2"])]),
        # Nothing ticked: the most important general questions, so the list is never empty.
        ([], ["G1", "H1"], []),
        ([("own", "Only my own question")], ["G1", "H1"], []),
    ],
)
def test_selection_gives_the_right_questions_in_order(small, pairs, top, sections):
    qlist = build_question_list(small, parse_selection(pairs, small), made_on=TODAY)
    assert texts(qlist.top) == top
    assert [(s.title, texts(s.questions)) for s in qlist.sections] == sections


def test_background_questions_sit_under_their_own_heading(small):
    ticks = [("item", x) for x in ("deaf", "dizzy", "wobbly", "surgery")]
    qlist = build_question_list(small, parse_selection(ticks, small), made_on=TODAY)
    assert texts(qlist.top) == ["A1", "B1", "C1"]
    assert (BACKGROUND_TITLE, ["D1"]) in [(s.title, texts(s.questions)) for s in qlist.sections]
    assert [s.title for s in qlist.sections][-1] == BACKGROUND_TITLE


@pytest.mark.parametrize(
    ("pairs", "items", "topics", "ignored"),
    [
        ([("item", "deaf")], ("deaf",), (), 0),
        ([("item", "surgery"), ("item", "deaf")], ("deaf", "surgery"), (), 0),  # page order, not link order
        ([("item", "deaf"), ("item", "deaf"), ("item", " deaf ")], ("deaf",), (), 0),
        ([("item", "nope"), ("item", "<script>"), ("item", "deaf")], ("deaf",), (), 2),
        ([("item", "tests"), ("topic", "deaf"), ("topic", "tests")], (), ("tests",), 2),  # each list its own ids
        ([("item", ""), ("unknown", "x"), ("topic", "care")], (), ("care",), 0),
        ([("item", "empty")], (), (), 1),  # an item with no usable questions is not offered
        ([("item", "nope")] * 5000 + [("item", "deaf")], (), (), 200),  # only the first values are read
    ],
)
def test_selection_keeps_known_ids_and_ignores_the_rest(small, pairs, items, topics, ignored):
    selection = parse_selection(pairs, small)
    assert (selection.items, selection.topics, selection.ignored) == (items, topics, ignored)


@pytest.mark.parametrize(
    ("typed", "questions", "cut"),
    [
        ("Can I drive?", ("Can I drive?",), False),
        ("Can I drive?\r\n\r\n  Can I   work?  \n", ("Can I drive?", "Can I work?"), False),
        ("Zero\u200bwidth\x00 and\u202e bidi", ("Zerowidth and bidi",), False),
        ("Zoë’s “balance” 😀", ("Zoë’s “balance” 😀",), False),
        ("x" * (MAX_OWN_CHARS + 50), ("x" * MAX_OWN_CHARS,), True),
        ("\n".join(f"Q{n}" for n in range(MAX_OWN_QUESTIONS + 2)),
         tuple(f"Q{n}" for n in range(MAX_OWN_QUESTIONS)), True),
        ("   \n\n ", (), False),
    ],
)
def test_own_questions_are_split_and_cleaned(typed, questions, cut):
    assert clean_own(typed) == (questions, cut)


def test_notes_tell_the_person_what_happened(small):
    pairs = [("item", "nope"), ("own", "x" * (MAX_OWN_CHARS + 1))]
    notes = build_question_list(small, parse_selection(pairs, small), made_on=TODAY).notes
    assert notes == (STARTER_NOTE, IGNORED_NOTE, OWN_CUT_NOTE)
    assert build_question_list(small, parse_selection([("item", "deaf")], small), made_on=TODAY).notes == ()


def test_questions_without_a_known_passage_never_show(small):
    all_questions = [x for i in small.items() for x in i.questions] + [x for t in small.topics for x in t.questions]
    assert "No source" not in texts(all_questions)
    assert all(x.sources for x in all_questions)
    assert "empty" not in small.item_ids()
    assert next(x for x in all_questions if x.text == "Odd priority").priority == 2


@pytest.mark.parametrize("raw", [{}, {"groups": "x", "background": None, "general": 3}, {"groups": [{"title": "T"}]}])
def test_a_broken_checklist_gives_an_empty_list_not_an_error(raw):
    checklist = parse_checklist(small_content(raw))
    qlist = build_question_list(checklist, parse_selection([("item", "deaf")], checklist), made_on=TODAY)
    assert (checklist.items(), qlist.top, qlist.sections) == ((), (), ())


@pytest.mark.parametrize(
    ("include_own", "share_own", "expected"),
    [
        (False, True, {"item": ["deaf"], "topic": ["care"]}),
        (True, False, {"item": ["deaf"], "topic": ["care"], "own": ["Mine?\nAnd mine?"]}),
        (True, True, {"item": ["deaf"], "topic": ["care"], "own": ["Mine?\nAnd mine?"], "share": ["own"]}),
    ],
)
def test_a_selection_round_trips_through_its_link(small, include_own, share_own, expected):
    pairs = [("item", "deaf"), ("topic", "care"), ("own", "Mine?\nAnd mine?")]
    pairs += [("share", "own")] if share_own else []
    selection = parse_selection(pairs, small)
    query = selection.query(include_own=include_own)
    assert parse_qs(query) == expected
    again = parse_selection([(k, v) for k, vs in parse_qs(query).items() for v in vs], small)
    assert (again.items, again.topics) == (selection.items, selection.topics)


def test_share_link_holds_own_questions_only_when_asked(small):
    pairs = [("item", "deaf"), ("own", "Private words")]
    assert "Private" not in parse_selection(pairs, small).share_query()
    assert "Private" in parse_selection(pairs + [("share", "own")], small).share_query()


@pytest.mark.parametrize(
    ("section", "label"),
    [("Box 1", "Box 1"), ("HOW SHOULD I MANAGE ISS?", "How should I manage ISS?"), ("Key points", "Key points")],
)
def test_source_links_read_well(section, label):
    assert section_label(section) == label


def test_passage_links_name_the_source_and_number_repeats():
    raw = {"background": [{"id": "a", "label": "A", "term": "T",
                           "questions": [q("Q", 1, ("p-one", "p-two", "p-one"))]}]}
    refs = parse_checklist(small_content(raw)).background[0].questions[0].sources
    assert [(r.label, r.path) for r in refs] == [
        ("Smith 2020, Box 1", "/topics#p-p-one"),
        ("Smith 2020, How should I manage ISS?", "/topics#p-p-two"),
    ]


def test_dates_cannot_be_misread():
    assert long_date(date(2026, 3, 9)) == "9 March 2026"


# ---------------------------------------------------------------- the real checklist

@pytest.fixture(scope="module")
def real(engine) -> Checklist:
    return parse_checklist(engine.content)


def test_the_real_checklist_covers_every_group_of_symptoms(real):
    assert [g.title for g in real.groups] == [
        "Hearing and balance", "Walking and movement", "Thinking and mood", "Bladder and bowel", "Other"
    ]
    assert real.background and real.topics
    assert all(i.label and i.term and i.questions for i in real.items())


@pytest.mark.parametrize(
    ("items", "expected_top"),
    [
        (["hearing-loss"], ["Could my hearing loss be caused by the siderosis, even if I was told it is just age?"]),
        (["bladder", "swallowing"], ["Could my bladder problems be caused by the siderosis?",
                                      "Is my trouble swallowing linked to the siderosis, and could I see a speech and "
                                      "language therapist?"]),
        (["taking-deferiprone"], ["How often will my blood be checked, and who will do it?"]),
    ],
)
def test_real_selections_put_the_key_questions_first(real, items, expected_top):
    qlist = build_question_list(real, parse_selection([("item", i) for i in items], real), made_on=TODAY)
    assert texts(qlist.top)[: len(expected_top)] == expected_top
    assert len(qlist.top) == 3
    ticked_questions = {x.text for i in real.items() if i.id in items for x in i.questions}
    assert ticked_questions <= set(texts(qlist.questions()))


# ---------------------------------------------------------------- the pages

def everything_query(checklist: Checklist) -> str:
    return "&".join([f"item={i.id}" for i in checklist.items()] + [f"topic={t.id}" for t in checklist.topics])


def visible(html: str) -> str:
    """The words a person sees, without tags."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_checklist_page_offers_every_item_as_a_large_tick_box(client, real):
    page = client.get("/checklist")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<form class="checklist-form" method="get" action="/checklist/questions">' in html
    for item in real.items():
        assert f'name="item" value="{item.id}"' in html
        assert unescape(html).count(item.term) >= 1
    for group in real.groups:
        assert f"<legend>{group.title}</legend>" in unescape(html)
    assert 'name="own"' in html and 'name="share" value="own"' in html
    assert "Make my question list" in html
    assert DISCLAIMER in html


def test_checklist_page_keeps_what_was_ticked(client):
    html = client.get("/checklist?item=bladder&topic=monitoring&own=My+words&share=own").get_data(as_text=True)
    assert re.search(r'value="bladder"\s+checked', html)
    assert re.search(r'value="monitoring"\s+checked', html)
    assert re.search(r'value="own"\s+aria-describedby="share-hint" checked', html)
    assert ">My words</textarea>" in html
    assert not re.search(r'value="hearing-loss"\s+checked', html)


@pytest.mark.parametrize(
    ("query", "shown", "not_shown"),
    [
        ("item=hearing-loss", ["Could my hearing loss be caused by the siderosis", "Sensorineural hearing loss"],
         ["Could my bladder problems"]),
        ("item=bladder&topic=monitoring", ["Could my bladder problems", "What is my likely outlook?",
                                            "You also asked about: Check-ups and outlook"], ["hearing aids"]),
        ("own=Can+I+still+drive%3F", ["Can I still drive?", STARTER_NOTE], []),
    ],
)
def test_question_list_shows_the_chosen_questions(client, query, shown, not_shown):
    page = client.get(f"/checklist/questions?{query}")
    text = visible(page.get_data(as_text=True))
    assert page.status_code == 200
    for words in shown:
        assert words in text
    for words in not_shown:
        assert words not in text
    for heading in ("Ask these first", "What your doctor may ask you", "Bring with you", "Why ask this:"):
        assert heading in text
    assert f"Made on {long_date(date.today())}" in text
    assert DISCLAIMER in text


def test_every_question_links_to_a_passage_that_exists(client, real):
    query = everything_query(real)
    qlist = build_question_list(real, parse_selection([tuple(p.split("=")) for p in query.split("&")], real),
                                made_on=TODAY)
    html = client.get(f"/checklist/questions?{query}").get_data(as_text=True)
    topics_page = client.get("/topics").get_data(as_text=True)
    questions = re.findall(r'<li class="q">.*?</li>', html, flags=re.S)
    linked = [x for x in questions if 'class="q-sources"' in x]
    assert len(linked) == len(qlist.questions()) > 40
    for question in linked:
        links = [h for h in hrefs(question) if h.startswith("/topics#p-")]
        assert links, question
        for link in links:
            anchor = link.split("#", 1)[1]
            assert f'id="{anchor}"' in topics_page, f"{link} has no target on /topics"
            assert client.get(f"/api/passages/{anchor.removeprefix('p-')}").status_code == 200


def test_list_page_links_to_the_pdf_the_form_and_a_share_link(client):
    html = client.get("/checklist/questions?item=bladder&own=Secret+words").get_data(as_text=True)
    links = hrefs(html)
    pdf = next(h for h in links if h.startswith("/checklist/questions.pdf?"))
    assert parse_qs(urlsplit(pdf).query) == {"item": ["bladder"], "own": ["Secret words"]}
    assert ">Download PDF</a>" in html
    change = next(h for h in links if h.startswith("/checklist?"))
    assert parse_qs(urlsplit(change).query) == {"item": ["bladder"], "own": ["Secret words"]}
    share = unescape(re.search(r'id="share-link" type="text" value="([^"]+)"', html).group(1))
    assert share == "http://localhost/checklist/questions?item=bladder"
    assert "It does not hold your own questions." in html


def test_share_link_carries_own_questions_when_ticked(client):
    html = client.get("/checklist/questions?item=bladder&own=Shared+words&share=own").get_data(as_text=True)
    share = unescape(re.search(r'id="share-link" type="text" value="([^"]+)"', html).group(1))
    assert parse_qs(urlsplit(share).query) == {"item": ["bladder"], "own": ["Shared words"], "share": ["own"]}
    assert "Shared words" in unescape(client.get(share.removeprefix("http://localhost")).get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("item=made-up&item=bladder", [IGNORED_NOTE, "Could my bladder problems"]),
        ("item=%3Cscript%3Ealert(1)%3C/script%3E&item=bladder", [IGNORED_NOTE, "Could my bladder problems"]),
        ("own=%3Cscript%3Ealert(1)%3C%2Fscript%3E", ["&lt;script&gt;alert(1)&lt;/script&gt;"]),
        ("own=%FF%FE%00bad+bytes&item=%ZZ", ["bad bytes", IGNORED_NOTE]),
        ("own=" + "a" * (MAX_OWN_CHARS + 10), [OWN_CUT_NOTE]),
        ("item=bladder&item=bladder&item=bladder", ["Could my bladder problems"]),
        ("topic=made-up&share=yes&own=", [IGNORED_NOTE, STARTER_NOTE]),
    ],
)
def test_bad_input_still_renders_what_is_valid(client, query, shown):
    page = client.get(f"/checklist/questions?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in shown:
        assert words in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("path", ["/checklist", "/checklist/questions", "/checklist/questions.pdf"])
def test_a_huge_link_gets_a_clear_400(client, path):
    page = client.get(f"{path}?own=" + "x" * (MAX_QUERY_BYTES + 1))
    assert page.status_code == 400
    assert "This link is too long" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/checklist", "/checklist/questions?item=bladder&own=Private", "/checklist/questions.pdf?own=Private"]
)
def test_nothing_is_stored_cached_or_passed_on(client, path, caplog):
    with caplog.at_level(logging.DEBUG):
        page = client.get(path)
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Private" not in caplog.text


@pytest.mark.parametrize("path", ["/checklist", "/checklist/questions?item=bladder"])
def test_pages_have_no_inline_script_or_style(client, path):
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html)


def page_copy(client) -> list[str]:
    form = client.get("/checklist").get_data(as_text=True)
    share = client.get("/checklist/questions?item=bladder&own=x").get_data(as_text=True)
    return [visible(re.search(r'<div class="intro">(.*?)</div>', form, re.S).group(1)),
            visible(re.search(r'<section aria-labelledby="own-title">(.*?)</section>', form, re.S).group(1)),
            visible(re.search(r'<section class="share no-print".*?>(.*?)</section>', share, re.S).group(1))]


@pytest.mark.parametrize(
    "which",
    ["notes", "doctor may ask", "bring with you", "too long", "page copy"],
)
def test_our_own_words_are_easy_to_read(client, which):
    texts = {
        "notes": [STARTER_NOTE, IGNORED_NOTE, OWN_CUT_NOTE],
        "doctor may ask": list(DOCTOR_MAY_ASK),
        "bring with you": [f"{x}." for x in BRING_WITH_YOU],
        "too long": [TOO_LONG],
    }.get(which) or page_copy(client)
    for text in texts:
        assert grade(text) <= 8, text
