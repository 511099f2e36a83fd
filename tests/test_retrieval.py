"""Retrieval on a small fixture index: lay words, misspellings and the glossary."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssexplain.config import Settings
from ssexplain.engine import Engine
from ssexplain.search.index_store import build_index
from ssexplain.search.query_expansion import MAX_MENDED_WORDS, QueryExpander, without_condition_name
from ssexplain.content.loader import load_content

FIXTURE = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory, encoder, seeds_dir) -> Engine:
    index_dir = tmp_path_factory.mktemp("index")
    build_index(FIXTURE, index_dir, encoder=encoder)
    settings = Settings(content_dir=FIXTURE, index_dir=index_dir, seeds_dir=seeds_dir, model_path=str(encoder.path))
    return Engine.load(settings, encoder=encoder)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("why am I going deaf?", "fixture-hearing-first"),
        ("what does the word sidrosis mean", "fixture-name-iron"),
        ("is this a rare illness?", "fixture-prevalence"),
        ("how many peeple have it, is it rare?", "fixture-prevalence"),
    ],
)
def test_lay_words_and_misspellings_find_the_right_passage(small_engine, question, expected):
    reply = small_engine.ask(question)
    assert reply.status == "answered"
    assert reply.citations[0].id == expected


def test_answer_quotes_its_passage_and_names_document_and_section(small_engine):
    reply = small_engine.ask("is hearing loss the first thing?")
    top = reply.citations[0]
    assert top.quote == "Hearing loss is usually the first symptom."
    assert top.section == "WHAT ARE THE CLINICAL FEATURES OF ISS?"
    assert top.source.id == "kharytaniuk-2022"
    assert top.plain in reply.answer
    assert "not medical advice" in reply.disclaimer


def test_citations_are_best_first(engine):
    scores = [c.score for c in engine.ask("what are the symptoms?").citations]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)  # an order to check


@pytest.fixture(scope="module")
def expander(encoder) -> QueryExpander:
    content = load_content(FIXTURE)
    # "extensive" is in the passages' words, one letter from "expensive": only the English
    # word list keeps "expensive" as typed.
    return QueryExpander(
        content.glossary, frozenset({"siderosis", "prevalence", "hearing", "extensive"}), english=encoder.known_words()
    )


@pytest.mark.parametrize(
    ("question", "contains"),
    [
        ("am i going deaf", "sensorineural hearing loss"),
        ("what is sidrosis", "siderosis"),
        ("what was the prevalance", "prevalence"),
        ("is it expensive", "expensive"),  # a real word is never "mended" into another
    ],
)
def test_query_expansion_mends_spelling_and_adds_medical_terms(expander, question, contains):
    assert contains in expander.expand(question).text


def test_a_real_word_is_never_mended_into_a_passage_word(expander):
    """The guard the "expensive" case above relies on: without the English list it is mended."""
    content = load_content(FIXTURE)
    bare = QueryExpander(content.glossary, frozenset({"siderosis", "prevalence", "hearing", "extensive"}))
    assert bare.expand("is it expensive").mended == "is it extensive"
    assert expander.expand("is it expensive").mended == "is it expensive"


def test_spelling_repair_looks_up_a_bounded_number_of_words(expander):
    """A long message of made-up words costs a few look-ups, not one per word."""
    made_up = [f"zq{chr(97 + i % 26)}{chr(97 + i // 26)}xw" for i in range(200)]
    text = " ".join(["prevalance", *made_up, "prevalance"])
    mended = expander.correct_spelling(text).split()
    assert mended[0] == "prevalence"  # within the cap: mended
    assert mended[1:-1] == made_up  # nothing close: left as typed
    assert mended[-1] == "prevalence"  # the same word again costs no look-up and is mended the same
    late = " ".join([*made_up[:MAX_MENDED_WORDS], "sidrosis"])
    assert expander.correct_spelling(late).split()[-1] == "sidrosis"  # past the cap: left as typed


def test_condition_name_is_neutralised_for_embedding():
    assert without_condition_name("Is superficial siderosis hereditary? SS runs in families?") == (
        "Is this condition hereditary? this condition runs in families?"
    )


def test_the_full_name_of_the_condition_is_one_unit():
    """The words "of the central nervous system" belong to the name, they are not a topic."""
    assert without_condition_name("What is superficial siderosis of the central nervous system?") == "What is this condition?"
    assert without_condition_name("superficial siderosis of the CNS and my hearing") == "this condition and my hearing"


# The real content and index: what a patient asks, and a passage that must be among the
# first three citations (any one of those listed answers the question).
REAL_QUESTIONS = [
    ("what is superficial siderosis of the central nervous system?", {"name-means-iron", "dm-slow-leak-iron-deposits"}),
    ("is superficial siderosis progressive?", {"outlook-stable-or-slow-decline", "iss-disabling-slow-bleed-disorder"}),
    ("how do you fix a dural tear?", {"repair-the-leak-goal", "surgery-clears-blood-from-fluid"}),
    ("what are those dye in the spine scans for?", {"myelography-best-for-pockets-and-tears", "usual-tests-to-find-bleed"}),
    ("do the iron tablets work?", {"deferiprone-used-for-years", "deferiprone-evidence-weak-who-gets-it", "key-point-repair-and-chelation"}),
    ("can a cochlear implant help someone with SS?", {"cochlear-implant-variable"}),
    ("is it passed down in families?", {"dm-acquired-not-genetic", "box-2-genetic-risk"}),
]


@pytest.mark.parametrize(("question", "wanted"), REAL_QUESTIONS)
def test_real_questions_find_their_passage_in_the_top_three(engine, question, wanted):
    reply = engine.ask(question)
    cited = [c.id for c in reply.citations[:3]]
    assert reply.status == "answered", (question, reply.status)
    assert wanted & set(cited), (question, cited)


def test_the_basic_question_is_not_answered_with_the_nervous_system_passages(engine):
    reply = engine.ask("what is superficial siderosis of the central nervous system?")
    assert not reply.citations[0].id.startswith("cortical"), reply.citations[0].id
    assert reply.citations[0].id != "nerves-in-arms-legs-not-affected"
