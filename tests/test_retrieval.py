"""Retrieval on a small fixture index: lay words, misspellings and the glossary."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssexplain.config import Settings
from ssexplain.engine import Engine
from ssexplain.search.index_store import build_index
from ssexplain.search.query_expansion import QueryExpander, without_condition_name
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


def test_citations_are_best_first(small_engine):
    scores = [c.score for c in small_engine.ask("how common is it?").citations]
    assert scores == sorted(scores, reverse=True) or len(scores) == 1


@pytest.fixture(scope="module")
def expander(encoder) -> QueryExpander:
    content = load_content(FIXTURE)
    return QueryExpander(content.glossary, frozenset({"siderosis", "prevalence", "hearing"}), english=encoder.known_words())


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


def test_condition_name_is_neutralised_for_embedding():
    assert without_condition_name("Is superficial siderosis hereditary? SS runs in families?") == (
        "Is this condition hereditary? this condition runs in families?"
    )
