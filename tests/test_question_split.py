"""Finding the questions in a long message by their form (question_split.py), and reading
each one as its own part (engine._compose). The stories here are this file's own."""
from __future__ import annotations

from dataclasses import replace

import pytest

from ssexplain.reply.cache import AnswerCache
from ssexplain.reply.question_split import MAX_PARTS, announces, asks, find_questions, unnumbered
from ssexplain.reply.triage import Decision, Triage, UrgentNotice

STORY = (
    "My wife was told she has superficial siderosis in the spring, after years of being told her "
    "hearing was just age. She is 59 and still works part time in a library. Her walking has become "
    "unsteady over the last two years, and she has had a couple of falls on the stairs at home. "
    "The neurologist showed us the scan and talked about iron on the surface of the brain, but the "
    "appointment was short and we came home with a leaflet full of long words. "
)


def questions(text: str) -> list[str]:
    return [a.question for a in find_questions(text).questions]


@pytest.mark.parametrize("sentence", [
    "Is it inherited?",
    "I was wondering whether it can be passed on to our children.",
    "We were wondering if physiotherapy would help her balance.",
    "I'd like to know why the hearing goes first.",
    "Can you tell me what the dark lines on the scan are.",
    "Could someone explain how the iron gets there",
    "Any idea why her hearing is worse in one ear.",
    "Does anyone know whether the iron tablets help.",
])
def test_a_sentence_asks_by_its_form(sentence):
    assert asks(sentence)


@pytest.mark.parametrize("sentence", [
    "I have no idea how I ended up with it.",
    "I want to understand what we are facing.",
    "She asked the doctor a lot of questions.",
    "The appointment was short.",
])
def test_a_statement_does_not_ask(sentence):
    assert not asks(sentence)


@pytest.mark.parametrize(("sentence", "says"), [
    ("I have two questions.", True),
    ("So two things.", True),
    ("Two things I'd like to know", True),
    ("My questions are these", True),
    ("Swimming is one of the few things that doesn't hurt her.", False),
    ("The neurologist asked a few questions about her family.", False),
])
def test_an_announcement_is_told_from_the_story(sentence, says):
    assert announces(sentence) is says


@pytest.mark.parametrize(("question", "bare"), [
    ("Firstly, why does she need a second scan?", "Why does she need a second scan?"),
    ("And second, is it something that runs in families?", "Is it something that runs in families?"),
    ("My other question is, can the hole be fixed?", "Can the hole be fixed?"),
    ("Question two: what does the ferritin show?", "What does the ferritin show?"),
    ("And what about her hearing?", "And what about her hearing?"),  # "and" leans on what came before
    ("One more thing, is it genetic?", "One more thing, is it genetic?"),
    ("First, why?", "First, why?"),  # too little left to stand alone
])
def test_the_words_that_only_number_a_question_are_dropped(question, bare):
    assert unnumbered(question) == bare


def test_questions_after_an_announcement_are_the_ones_asked():
    text = (STORY + "Will she end up in a wheelchair? Will she lose her job? I try not to think about it "
            "and I keep busy with the garden. I have two questions. What is the iron doing to her brain? "
            "And can anything slow it down?")
    assert questions(text) == ["What is the iron doing to her brain?", "And can anything slow it down?"]


def test_the_question_after_an_announcing_colon_is_the_question():
    text = STORY + "Two things I'd like to know: is this inherited, and could our son get it? And who should she see?"
    assert questions(text) == ["Is this inherited, and could our son get it?", "And who should she see?"]


def test_counting_starts_a_new_list_of_questions():
    text = (STORY + "Why is this happening to us? We have always been careful. "
            "First, what is haemosiderin? Second, how is the leak found?")
    assert questions(text) == ["What is haemosiderin?", "How is the leak found?"]


def test_an_indirect_question_in_the_middle_of_a_paragraph_is_found_beside_a_marked_one():
    text = (STORY + "I was wondering whether the hearing loss can be helped with a cochlear implant. "
            "Her sister thinks we should try a hearing aid first, but the clinic is months away. "
            "What does the MRI actually show?")
    assert questions(text) == [
        "I was wondering whether the hearing loss can be helped with a cochlear implant.",
        "What does the MRI actually show?",
    ]


def test_without_any_question_mark_the_sentences_that_start_like_questions_are_asked():
    text = (STORY.lower().replace("?", "") + "what is the iron doing to her brain\n"
            "can anything be done for her hearing")
    assert questions(text) == ["what is the iron doing to her brain", "can anything be done for her hearing"]


def test_the_story_a_question_keeps_leaves_out_announcements_and_filler():
    text = STORY + "Can anyone help? I have two questions. Is it inherited? And can that be treated?"
    found = find_questions(text)
    second = found.questions[1]
    assert second.question == "And can that be treated?"
    assert second.before[-1] == "Is it inherited?"
    assert "I have two questions." not in second.before and "Can anyone help?" not in second.before


def test_at_most_three_questions_and_the_rest_counted():
    text = STORY + "What is it? Is it inherited? Can it be treated? Will it get worse?"
    found = find_questions(text)
    assert len(found.questions) == MAX_PARTS and found.more == 1


class OnlyThisIsUrgent:
    """A triager that finds one text urgent and nothing else urgent or out of scope."""

    def __init__(self, text: str) -> None:
        self.text = text

    def decide(self, message: str) -> Decision:
        if message == self.text:
            notice = UrgentNotice("Call your emergency number now.", "emergency", "head-injury")
            return Decision(Triage.URGENT, "head-injury", urgent=notice)
        return Decision(Triage.NONE)


def test_a_question_cut_out_of_its_story_is_not_more_urgent_than_the_story(engine):
    """The whole message is triaged with every sentence in the light of the story; a question
    that only reads as urgent on its own (its past or its denial left behind) is answered."""
    question = "Could the neck operation she had as a teenager be the cause?"
    text = STORY + "I have two questions. What is the iron doing to her brain? " + question
    fake = replace(engine, triager=OnlyThisIsUrgent(question), cache=AnswerCache())
    reply = fake.ask(text)
    assert reply.status != "urgent"
    assert [p.question for p in reply.parts] == ["What is the iron doing to her brain?", question]


def test_an_urgent_whole_message_still_gets_the_urgent_reply_alone(engine):
    text = STORY + "What is the iron doing to her brain?"
    fake = replace(engine, triager=OnlyThisIsUrgent(text), cache=AnswerCache())
    reply = fake.ask(text)
    assert reply.status == "urgent" and not reply.parts
