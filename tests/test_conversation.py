"""Conversation state: which questions lean on what came before, what an earlier reply was
about, how a follow-up is read in its light (and says so), and which earlier questions its
permalink keeps. The conversations here are this file's own, not the held-out bank's."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from ssexplain.reply.triage import Triage
from ssexplain.content.loader import GlossaryTerm
from ssexplain.reply.conversation import (
    About, Subject, TermFinder, about_reply, asks_for, in_context, leans_on_history, may_lean_on_history,
    names_a_new_subject, permalink_history, rerank, subject_of,
)


@pytest.mark.parametrize(("question", "leans"), [
    ("and what causes it?", True),
    ("can that be fixed?", True),
    ("does it work for people with SS?", True),  # "it" comes before the condition is named
    ("what about hospital studies?", True),
    ("how common are they?", True),
    ("is that test painful?", True),
    ("What is superficial siderosis?", False),
    ("What are the usual symptoms?", False),  # a full question: nothing points back
    ("What is SS and how is it treated?", False),  # "it" is the condition, named first
    ("Is there a treatment?", False),  # "is there" asks whether one exists
    ("is it true that siderosis runs in families?", False),
    ("Is this condition passed on in families?", False),  # "this condition" is the condition
    ("what tests show iron on the brain in a scan of the spine?", False),
    ("reversible?", True),  # a fragment means nothing alone
    ("how quickly", True),
    ("is siderosis inherited", False),  # short, but it names what it asks about
])
def test_which_questions_lean_on_what_came_before(question, leans):
    assert leans_on_history(question) is leans


@pytest.mark.parametrize(("question", "may"), [
    ("can that be fixed?", True),  # whatever leans firmly may lean
    ("what can the findings show?", True),  # "the findings" of something never named here
    ("what else do I need to watch for?", True),
    ("why not in everyone?", True),
    ("will I need an operation", True),  # short: it may be about the turn before
    ("What are the usual symptoms?", True),
    ("What does the spinal fluid test look for in people with this condition?", False),  # the test of what
    ("Which scan shows the iron on the surface of the brain best in adults?", False),  # long and complete
])
def test_which_questions_may_lean_on_what_came_before(question, may):
    assert may_lean_on_history(question) is may


HEARING = GlossaryTerm("sensorineural hearing loss", "Hearing loss from the inner ear or nerve.",
                       ("hearing loss", "deafness"), ("going deaf", "losing my hearing"), ())
PATCH = GlossaryTerm("blood patch", "Some of your own blood put over a leak.", (), ("patch",), ())
CONDITION = GlossaryTerm("superficial siderosis", "Iron on the brain's surface.", ("SS",), (), ())
FINDER = TermFinder((HEARING, PATCH, CONDITION))


@pytest.mark.parametrize(("text", "label", "search"), [
    ("why am I going deaf?", "hearing loss", "sensorineural hearing loss"),  # an everyday phrase: plain name
    ("does a blood patch hurt?", "blood patch", "blood patch"),
    ("is deafness after a blood patch common?", "deafness and blood patch", "sensorineural hearing loss blood patch"),
    ("what is SS?", "superficial siderosis", "superficial siderosis"),  # the condition only when alone
    ("can SS make me go deaf? I am losing my hearing", "hearing loss", "sensorineural hearing loss"),
    ("what should I ask at the clinic?", None, None),
])
def test_what_a_question_names(text, label, search):
    subject = subject_of(text, FINDER)
    assert (subject.label if subject else None) == label
    assert (subject.search if subject else None) == search


def test_an_earlier_reply_is_about_its_question_then_its_reading_then_its_passages_topic():
    own = about_reply("why am I going deaf?", understood=None, cited_topics=[("hearing",)], finder=FINDER)
    assert own.subject == Subject("hearing loss", "sensorineural hearing loss")
    inherited = about_reply("does it work?", understood=Subject("blood patch", "blood patch"),
                            cited_topics=[("treatment",)], finder=FINDER)
    assert inherited.subject.label == "blood patch"
    topical = about_reply("how do they find the bleed?", understood=None,
                          cited_topics=[("diagnosis", "treatment"), ("diagnosis",)], finder=FINDER)
    assert topical.subject.label == "tests and scans" and topical.topics[0] == "diagnosis"
    assert topical.subject.from_topic  # a weak guess: it must beat the question read alone
    # "Is it the SS?" after a bladder story is about what its passages were about.
    named = about_reply("she keeps rushing to the toilet, is it the SS?", understood=None,
                        cited_topics=[("bladder-and-bowel",)], finder=FINDER)
    assert named.subject.label == "bladder and bowel"
    general = about_reply("is it progressive", understood=None, cited_topics=[("what-is",)], finder=FINDER)
    assert general.subject.label == "superficial siderosis"
    assert about_reply("help", understood=None, cited_topics=[], finder=FINDER) is None  # nothing cited


def test_a_reply_that_cited_nothing_is_still_about_what_its_question_named():
    unanswered = about_reply("will a blood patch help me?", understood=None, cited_topics=[], finder=FINDER)
    assert unanswered == About(Subject("blood patch", "blood patch"))
    assert about_reply("what is SS?", understood=None, cited_topics=[], finder=FINDER) is None  # only the condition


THINKING = GlossaryTerm("cognitive impairment", "Problems with memory and thinking.", ("memory problems",),
                        ("muddled",), ())
LINKED_HEARING = GlossaryTerm("sensorineural hearing loss", "Hearing loss from the inner ear or nerve.",
                              ("hearing loss", "deafness"), ("going deaf",), ("noise-early-sign",))
LINKED_PATCH = GlossaryTerm("blood patch", "Some of your own blood put over a leak.", (), ("patch",), ("patch-seals",))
WITH_THINKING = TermFinder((LINKED_HEARING, LINKED_PATCH, CONDITION, THINKING))
NOISE = {"cited_texts": ["Trouble hearing in noisy places is often an early sign."], "cited_ids": ["noise-early-sign"]}
PATCH_PASSAGE = {"cited_texts": ["Your own blood can seal a small leak."], "cited_ids": ["patch-seals"]}


def test_an_earlier_reply_is_about_what_its_passages_name_not_a_word_they_never_use():
    # "muddled" is a word for thinking problems, but the reply was answered with a hearing passage.
    misread = about_reply("why does everything sound muddled in a cafe?", understood=None,
                          cited_topics=[("hearing",)], finder=WITH_THINKING, **NOISE)
    assert misread.subject == Subject("hearing loss", "sensorineural hearing loss")
    inherited = about_reply("does that mean it's early?", understood=Subject("memory problems", "cognitive impairment"),
                            cited_topics=[("hearing",)], finder=WITH_THINKING, **NOISE)
    assert inherited.subject.label == "hearing loss"
    kept = about_reply("is being muddled common?", understood=None, cited_topics=[("thinking-and-mood",)],
                       cited_texts=["Memory problems are found in about half."], cited_ids=["half"], finder=WITH_THINKING)
    assert kept.subject.label == "memory problems"  # named by the passage too, so it stays
    # A question that names only the condition is about the terms tied to its best passage...
    named = about_reply("where does the bleeding in SS start?", understood=None, cited_topics=[("causes",)],
                        finder=WITH_THINKING, **PATCH_PASSAGE)
    assert named.subject == Subject("blood patch", "blood patch")
    # ... unless that passage is about the condition as a whole.
    whole = about_reply("what is SS?", understood=None, cited_topics=[("what-is",)], finder=WITH_THINKING,
                        **PATCH_PASSAGE)
    assert whole.subject.label == "superficial siderosis"


@pytest.mark.parametrize(("question", "spelled"), [
    ("is that painful?", "is blood patch painful?"),
    ("how often do they work?", "how often do blood patch work?"),  # searched, never shown
    ("is it true that it can fail?", "is it true that blood patch can fail?"),  # "it is true that" stands for what follows
    ("what are its risks?", None),  # "its" would need rewording
    ("is there a waiting list?", None),  # "is there" points at nothing
])
def test_a_follow_up_is_also_searched_with_its_pointer_spelled_out(question, spelled):
    reading = in_context(question, before="What is a blood patch?", about=About(Subject("blood patch", "blood patch")),
                         loosely=True)
    assert (reading.queries[0] if len(reading.queries) == 4 else None) == spelled


def test_a_short_question_that_names_its_own_subject_leans_no_more_than_a_full_one():
    thinking = Subject("memory problems", "cognitive impairment")
    assert names_a_new_subject("memory loss usual?", thinking)
    assert not names_a_new_subject("and memory problems?", thinking)  # "and" carries on
    assert not names_a_new_subject("is that from memory problems?", thinking)  # "that" points back
    assert not names_a_new_subject("fixable later?", None)
    assert not names_a_new_subject("common in SS?", Subject("superficial siderosis", "superficial siderosis"))


def test_a_question_that_only_may_lean_is_read_in_context_only_when_asked_to_and_never_on_a_guess():
    about = About(Subject("lumbar puncture", "lumbar puncture"))
    before = "why do they take spinal fluid?"
    assert in_context("what can the findings show?", before=before, about=about) is None
    loose = in_context("what can the findings show?", before=before, about=about, loosely=True)
    assert loose.queries[0] == "lumbar puncture: what can the findings show?" and not loose.firm  # no pointer
    assert in_context("can that be fixed?", before=before, about=about).firm
    guess = About(Subject("tests and scans", "Tests and scans", from_topic=True))
    assert in_context("what can the findings show?", before=before, about=guess, loosely=True) is None
    condition = About(Subject("superficial siderosis", "superficial siderosis"))
    assert in_context("What are the usual symptoms?", before="what is SS?", about=condition, loosely=True) is None


def test_a_follow_up_is_searched_as_what_it_is_about():
    about = About(Subject("hearing loss", "sensorineural hearing loss"))
    reading = in_context("and can that be fixed?", before="why am I going deaf?", about=about,
                         leaned_on=("why am I going deaf?",))
    assert reading.queries == ("can sensorineural hearing loss be fixed?",  # the pointer spelled out
                               "sensorineural hearing loss: can that be fixed?",
                               "why am I going deaf? and can that be fixed?", "and can that be fixed?")
    assert reading.understood_as("and can that be fixed?") == "About hearing loss: and can that be fixed?"
    assert in_context("What is a blood patch?", before="why am I going deaf?", about=about) is None
    assert in_context("can that be fixed?", before="", about=about) is None
    assert in_context("can that be fixed?", before="why?", about=None) is None


@pytest.mark.parametrize(("question", "wants"), [
    ("can that be fixed?", "treatment"),
    ("does it help?", "treatment"),
    ("and how would they detect it?", "diagnosis"),
    ("is it going to get worse?", "outlook"),
    ("where from?", "causes"),
    ("what is it?", None),
])
def test_what_kind_of_answer_a_follow_up_asks_for(question, wants):
    topics = asks_for(question)
    assert (topics[0] if topics else None) == wants


def test_a_follow_ups_passages_that_give_the_kind_of_answer_asked_for_move_up():
    from types import SimpleNamespace as Hit

    def hit(pid, score, *topics):
        return Hit(passage=Hit(id=pid, topics=topics), score=score, similarity=score)

    hits = [hit("what-it-does", 0.50, "hearing"), hit("implant", 0.47, "hearing", "treatment"),
            hit("far-behind", 0.30, "treatment")]
    assert [h.passage.id for h in rerank(hits, "can that be fixed?")] == ["implant", "what-it-does", "far-behind"]
    assert [h.passage.id for h in rerank(hits, "what is it?")] == ["what-it-does", "implant", "far-behind"]


# ---------------------------------------------------------------- through the engine

# (earlier questions, follow-up, what the best passage must be about, how the reply reads it)
FOLLOW_UPS = [
    (["why am I going deaf?"], "can that be fixed?", "hearing", "About hearing loss: "),
    (["what's a cochlear implant?"], "does it work for people with SS?", "hearing", "About cochlear implant"),
    (["What is a blood patch?"], "does it work?", "treatment", "About blood patch: "),
    (["What is a blood patch?", "does it work?"], "is it painful?", "treatment", "About blood patch: "),
    (["what is deferiprone?", "what are its side effects?"], "how common are they?", "medicines", "About "),
    (["how do they find the bleed?"], "is that test painful?", "diagnosis", "About tests and scans: "),
    (["What is superficial siderosis?"], "what causes it?", "causes", "About superficial siderosis: "),
]


@pytest.mark.parametrize(("history", "question", "topic", "reading"), FOLLOW_UPS)
def test_a_follow_up_is_answered_from_what_the_conversation_is_about(engine, history, question, topic, reading):
    reply = engine.ask(question, history=history)
    assert reply.status == "answered"
    assert topic in engine.content.passage(reply.citations[0].id).topics
    assert reply.understood_as.startswith(reading) and reply.understood_as.endswith(question)
    assert reply.leaned_on and reply.leaned_on[-1] == history[-1]


def test_a_question_that_only_may_lean_is_read_in_context_when_that_is_answered_clearly_better(engine):
    history = ["Why would a doctor order a lumbar puncture for siderosis?"]
    reply = engine.ask("what can the findings show?", history=history)
    assert reply.status == "answered"
    assert reply.understood_as == "About lumbar puncture: what can the findings show?"
    assert "diagnosis" in engine.content.passage(reply.citations[0].id).topics
    assert reply.leaned_on == tuple(history)


# (earlier questions, a question that stands on its own)
STANDS_ALONE = [
    (["What is superficial siderosis?"], "What are the usual symptoms?"),
    (["why am I going deaf?"], "What is a blood patch?"),
    (["why am I going deaf?"], "Is there a treatment?"),
    (["What is a blood patch?", "does it work?"], "How is deferiprone taken?"),
    (["what is deferiprone?"], "What is a cochlear implant?"),  # short, but a new subject
]


@pytest.mark.parametrize(("history", "question"), STANDS_ALONE)
def test_a_new_full_question_is_not_dragged_back_to_the_old_topic(engine, history, question):
    after = engine.ask(question, history=history)
    alone = engine.ask(question)
    assert [c.id for c in after.citations] == [c.id for c in alone.citations]
    assert after.understood_as == "" and after.leaned_on == ()


def test_a_follow_up_of_a_follow_up_keeps_both_earlier_questions_for_its_link(engine):
    reply = engine.ask("is it painful?", history=["why am I going deaf?", "What is a blood patch?", "does it work?"])
    assert reply.leaned_on == ("What is a blood patch?", "does it work?")
    assert permalink_history(reply.leaned_on) == ["What is a blood patch?", "does it work?"]


def test_a_question_that_only_may_lean_costs_no_earlier_answer(engine):
    """It uses the previous reply only if that is still in memory, else what its question named."""
    history = ["which scan shows a hole in the dura best, for a cost test?"]
    before = engine.cache.stats().misses
    reply = engine.ask("what else is checked, for a cost test?", history=history)
    assert engine.cache.stats().misses - before == 1  # this question only
    assert reply.status in ("answered", "no_answer", "ask_doctor")


def test_a_follow_up_costs_at_most_two_earlier_answers(engine):
    """The previous reply is recomputed with at most one turn before it (or found in the cache)."""
    history = [f"what is test number {n} of a spinal fluid check?" for n in range(8)] + ["does it hurt?"]
    before = engine.cache.stats().misses
    engine.ask("and can it be done again?", history=history)
    assert engine.cache.stats().misses - before <= 3  # the question, its previous turn, the one before


# ---------------------------------------------------------------- the permalink comes from the server


def link_of(client, question, history):
    body = client.post("/api/ask", json={"question": question, "history": history}).get_json()
    parts = urlsplit(body["permalink"])
    return parts.path, parse_qs(parts.query)


@pytest.mark.parametrize(("history", "question", "kept"), [
    (["What is superficial siderosis?"], "What are the usual symptoms?", None),  # issue 13: not a follow-up
    (["why am I going deaf?"], "can that be fixed?", ["why am I going deaf?"]),
    (["a", "What is a blood patch?", "does it work?"], "is it painful?", ["What is a blood patch?", "does it work?"]),
    ([], "  What   causes it? ", None),
])
def test_the_api_reply_carries_the_permalink_the_pages_use(client, history, question, kept):
    path, query = link_of(client, question, history)
    assert path == "/ask"
    assert query["q"] == [" ".join(question.split())]
    assert query.get("h") == kept
    # The no-JavaScript page shows the very same link on its newest card.
    html = client.post("/ask", data={"q": question, "h": history}).get_data(as_text=True)
    body = client.post("/api/ask", json={"question": question, "history": history}).get_json()
    assert f'href="{body["permalink"]}"'.replace("&", "&amp;") in html


def test_the_card_script_decides_no_conversation_rule_itself():
    """The follow-up rule lives in conversation.py only; answer-card.js draws reply.permalink."""
    from ssexplain.config import PROJECT_ROOT

    script = (PROJECT_ROOT / "static" / "answer-card.js").read_text(encoding="utf-8")
    assert "reply.permalink" in script
    for rule in ("POINTS_BACK", "leansOnHistory", "CONTEXT_TURNS", "URLSearchParams"):
        assert rule not in script


# A follow-up that only points back resembles chit-chat when read alone; in a conversation
# it is judged with the question before it (Engine._in_conversation). One that names a
# subject the sources lack is still declined.
POINTING_BACK = [
    ("What is a blood patch?", "what does that mean", "blood-patch-when-used"),
    ("How is deferiprone monitored?", "who does that", "deferiprone-haematology-nurse-followup"),
    ("What does the haematology nurse do?", "who's that", "team-specialists-who"),
]


@pytest.mark.parametrize(("earlier", "follow_up", "passage"), POINTING_BACK)
def test_a_follow_up_that_points_back_is_answered_in_its_conversation(engine, earlier, follow_up, passage):
    assert engine.triager.decide(follow_up).triage is not Triage.NONE  # alone, it is declined
    reply = engine.ask(follow_up, history=[earlier])
    assert reply.status == "answered"
    assert passage in [c.id for c in reply.citations[:3]]


@pytest.mark.parametrize(("earlier", "follow_up"), [
    ("What is deferiprone?", "and how much does it cost?"),
    ("What is deferiprone?", "is it on medicare"),
    ("Can surgery help?", "what about acupuncture?"),
])
def test_a_follow_up_naming_what_the_sources_lack_is_still_declined(engine, earlier, follow_up):
    assert engine.ask(follow_up, history=[earlier]).status == "no_answer"
