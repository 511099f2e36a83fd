"""The PDF question list: the chosen questions, the disclaimer on every page, an embedded
font that prints what was typed, and links back to the passages."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.checklist.questions import (
    BRING_WITH_YOU,
    DOCTOR_MAY_ASK,
    Checklist,
    build_question_list,
    long_date,
    parse_checklist,
    parse_selection,
)
from ssexplain.checklist.pdf import TITLE, build_pdf

TODAY = date(2026, 3, 9)


@pytest.fixture(scope="module")
def checklist(engine) -> Checklist:
    return parse_checklist(engine.content)


def words(text: str) -> str:
    return " ".join(text.split())


def pages_text(data: bytes) -> list[str]:
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def uris(data: bytes) -> set[str]:
    """Every web link in the PDF."""
    return {a.get_object()["/A"]["/URI"] for page in PdfReader(io.BytesIO(data)).pages
            for a in page.get("/Annots", []) if "/URI" in a.get_object().get("/A", {})}


def make(checklist: Checklist, pairs: list[tuple[str, str]]) -> tuple[bytes, object]:
    qlist = build_question_list(checklist, parse_selection(pairs, checklist), made_on=TODAY)
    return build_pdf(qlist, disclaimer=DISCLAIMER, link_base="https://example.org/"), qlist


SELECTIONS = {
    "one symptom": [("item", "hearing-loss")],
    "typical": [("item", "imbalance"), ("item", "bladder"), ("item", "past-injury")],
    "with own questions": [("item", "thinking-problems"), ("own", "Can I still drive?\nShould I stop work?")],
    "nothing ticked": [],
}


@pytest.mark.parametrize("name", SELECTIONS)
def test_pdf_holds_the_chosen_questions_and_the_disclaimer_on_every_page(checklist, name):
    data, qlist = make(checklist, SELECTIONS[name])
    pages = pages_text(data)
    text = " ".join(pages)
    assert qlist.questions()
    for question in [q.text for q in qlist.questions()] + list(qlist.own):
        assert words(question) in text
    for page in pages:
        assert DISCLAIMER in page
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    for fixed in (TITLE, f"Made on {long_date(TODAY)}", *DOCTOR_MAY_ASK, *BRING_WITH_YOU):
        assert words(fixed) in text


def test_the_top_three_come_first(checklist):
    data, qlist = make(checklist, SELECTIONS["typical"])
    text = " ".join(pages_text(data))
    places = [text.index(words(q.text)) for q in qlist.questions()]
    assert places[:3] == sorted(places[:3])
    assert max(places[:3]) < min(places[3:])
    assert text.index("Ask these first") < places[0]


def test_a_long_list_runs_over_pages_with_the_disclaimer_on_each(checklist):
    everything = [("item", i.id) for i in checklist.items()] + [("topic", t.id) for t in checklist.topics]
    data, qlist = make(checklist, everything)
    pages = pages_text(data)
    assert len(pages) > 5
    assert all(DISCLAIMER in page for page in pages)
    text = " ".join(pages)
    assert all(words(q.text) in text for q in qlist.questions())


def test_the_font_is_embedded_and_prints_what_was_typed(checklist):
    typed = "Zoë’s “balance” – café ½ dose?"
    data, _ = make(checklist, [("item", "bladder"), ("own", f"{typed}\n中文 question")])
    text = " ".join(pages_text(data))
    assert typed in text
    assert "?? question" in text  # letters the font lacks become "?", never a blank or a crash
    fonts = [f.get_object() for page in PdfReader(io.BytesIO(data)).pages
             for f in page["/Resources"]["/Font"].values()]
    descriptors = [d["/FontDescriptor"].get_object() for f in fonts for d in
                   [x.get_object() for x in f.get("/DescendantFonts", [])]]
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert all("DejaVuSans" in str(d["/FontName"]) for d in descriptors)


def test_each_question_links_to_its_passage_online(checklist, engine):
    data, qlist = make(checklist, SELECTIONS["typical"])
    expected = {f"https://example.org/topics#p-{ref.id}" for q in qlist.questions() for ref in q.sources}
    assert uris(data) == expected
    assert all(engine.content.passage(uri.rsplit("#p-", 1)[1]) for uri in uris(data))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("item=bladder&own=Where+do+I+park%3F", ["Could my bladder problems be caused by the siderosis?",
                                                 "Where do I park?"]),
        ("item=nope&item=swallowing", ["Is my trouble swallowing linked to the siderosis"]),
        ("own=%FF%00odd", ["odd"]),
    ],
)
def test_pdf_download_from_the_site(client, query, expected):
    response = client.get(f"/checklist/questions.pdf?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="questions-for-your-doctor.pdf"'
    pages = pages_text(response.data)
    text = " ".join(pages)
    for phrase in expected:
        assert phrase in text
    assert all(DISCLAIMER in page for page in pages)
    assert uris(response.data) and all(u.startswith("http://localhost/topics#p-") for u in uris(response.data))
