"""Long messages: a story with one to three questions is accepted (up to 4,000 characters),
each question is found and answered with its own cited part, on the API, the chat page
without JavaScript and the widget. The stories here are this file's own."""
from __future__ import annotations

import pytest
from markupsafe import escape

from ssexplain.reply.question_split import MAX_PARTS, find_questions
from ssexplain.reply.validation import MAX_QUESTION_CHARS

STORY = (
    "My husband is 64 and was told he has superficial siderosis about eighteen months ago, after a long "
    "time of nobody knowing what was wrong. It started with his ears. He kept turning the television up "
    "and asking people to repeat themselves, and the hearing clinic said the problem was in the nerve, "
    "not the ear itself. Then last winter he began to walk like he was on a boat, feet wide apart, and "
    "he holds on to the walls in the hallway at night. He is unsteady on the grass in the garden and on "
    "uneven pavements, and he now uses a stick when we go out. His neurologist found an old fluid leak on the scans "
    "and has talked about surgery, but the next appointment is not until spring and we were given very "
    "little to read. I look after him and I want to understand what we are facing. He is a proud man "
    "and gets low about it, and our daughter lives far away, so it is mostly the two of us. We have been "
    "married forty years and I want to do the right things for him. I have read a lot online but much "
    "of it is frightening and some of it seems to be about other kinds of iron problems. He still "
    "drives short distances and does the crossword every morning, but he tires much more quickly than "
    "he used to, and by the evening he is exhausted and shaky on the stairs. "
    "Is there anything that can help his balance and walking? "
    "And will his hearing keep getting worse over time, or can it stay the same?"
)


@pytest.mark.parametrize(("text", "questions", "split"), [
    ("What is superficial siderosis?", ["What is superficial siderosis?"], False),
    ("My mum has SS. What is it?", ["My mum has SS. What is it?"], False),  # short: searched whole
    ("I was told I have it years ago and nobody explained anything at all back then, not a single leaflet, "
     "and the neurologist I saw then has retired, so I have had to start again with somebody new. "
     "My hearing has got worse every year since then and now I struggle on the phone. "
     "What causes the hearing loss? Can anyone help?",
     ["What causes the hearing loss?"], True),  # a question to the forum is not one for the sources
    ("It started with my ears ringing and then the hearing went, slowly, over about ten years or so, and I "
     "put it down to age and to working in a noisy factory for most of my life. "
     "Now the walking is bad too and I fall. I would like to know whether physiotherapy helps with "
     "that kind of unsteadiness. Thanks",
     ["I would like to know whether physiotherapy helps with that kind of unsteadiness."], True),
    ("We saw the neurologist today and came home with more questions than answers about all of this, "
     "honestly. What is a blood patch? Why? Does deferiprone have side effects? How long does surgery "
     "take? What is haemosiderin?",
     ["What is a blood patch?", "What is a blood patch? Why?", "Does deferiprone have side effects?"], True),
    ("The doctors say the bleeding that caused it probably happened after his accident, long ago, when he "
     "came off his motorbike on the way to work and hurt his neck and back quite badly, and "
     "they are still looking for where it comes from with more scans and tests next month. "
     "He is frightened of the spinal tap", ["He is frightened of the spinal tap"], True),  # the last sentence
])
def test_the_questions_in_a_message_are_found(text, questions, split):
    found = find_questions(text)
    assert [a.question for a in found.questions] == questions
    assert found.split is split
    assert len(found.questions) <= MAX_PARTS


def test_a_question_keeps_the_story_before_it():
    found = find_questions(STORY)
    assert [a.question for a in found.questions] == [
        "Is there anything that can help his balance and walking?",
        "And will his hearing keep getting worse over time, or can it stay the same?",
    ]
    assert found.questions[1].before[-1] == found.questions[0].question
    assert found.more == 0


@pytest.fixture(autouse=True)
def roomy_budget(app):
    """These tests check what a long message gets, not how fast (bench/ does that): on a
    shared 2-core test box the first triage of a story can pass the default time budget."""
    app.config["REQUEST_BUDGET"] = 120.0


def ask(client, question, history=None):
    response = client.post("/api/ask", json={"question": question, "history": history or []})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def topics_of(engine, citations):
    return {t for c in citations for t in engine.content.passage(c["id"]).topics}


def test_a_story_with_two_questions_is_answered_with_evidence_for_both(client, engine):
    assert 1300 <= len(STORY) <= 2500
    reply = ask(client, STORY)
    assert reply["status"] == "answered"
    first, second = reply["parts"]
    assert first["question"].startswith("Is there anything that can help his balance")
    assert second["question"].startswith("And will his hearing keep getting worse")
    assert first["status"] == second["status"] == "answered"
    assert "balance-and-walking" in topics_of(engine, first["citations"][:1])
    assert "hearing" in topics_of(engine, second["citations"][:1])
    # Backwards compatible: `citations` lists every cited passage once, the main question's best first.
    ids = [c["id"] for c in reply["citations"]]
    assert ids[0] == first["citations"][0]["id"] and len(ids) == len(set(ids))
    assert {c["id"] for p in reply["parts"] for c in p["citations"]} == set(ids)
    for part in reply["parts"]:
        assert part["answer"] and part["answer"] in reply["answer"]  # the one-text answer holds both
        for c in part["citations"]:
            assert c["quote"] == engine.content.passage(c["id"]).quote


def test_the_no_javascript_chat_page_answers_both_questions_with_their_quotes(client, engine):
    response = client.post("/ask", data={"q": STORY})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    reply = engine.ask(STORY).to_dict()
    for n, part in enumerate(reply["parts"], start=1):
        assert f'id="latest-part-{n}-q"' in html
        assert f"</span> {escape(part['question'])}</h4>" in html
        for c in part["citations"]:
            assert str(escape(c["quote"])) in html
    assert 'class="card-sources" aria-labelledby="latest-src"' not in html  # quotes shown per part


def test_the_widget_takes_a_long_story_without_javascript(client, engine):
    response = client.post("/embed", data={"q": STORY})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="card-part card-part-answered"') == 2
    assert 'method="post"' in html and 'method="get"' not in html  # a story does not fit in a URL


@pytest.mark.parametrize(("length", "status"), [(3000, 200), (MAX_QUESTION_CHARS, 200), (MAX_QUESTION_CHARS + 1, 400)])
def test_messages_up_to_4000_characters_are_accepted(client, length, status):
    text = (STORY + " ") * (length // len(STORY) + 1)
    text = text[:length - 1].rstrip() + "?"
    text = text + "?" * (length - len(text))
    response = client.post("/api/ask", json={"question": text})
    assert len(text) == length and response.status_code == status
    if status == 400:
        error = response.get_json()["error"]
        assert error["code"] == "question_too_long" and f"{MAX_QUESTION_CHARS}" in error["message"]
    page = client.post("/ask", data={"q": text})
    assert page.status_code == status


def test_a_story_with_one_question_says_which_one_it_answered(client):
    story = STORY.rsplit(" Is there", 1)[0] + " What can be done to stop the fluid leak?"
    reply = ask(client, story)
    assert [p["question"] for p in reply["parts"]] == ["What can be done to stop the fluid leak?"]
    assert reply["answer"].startswith("You asked: “What can be done to stop the fluid leak?”")
    assert "parts_note" not in reply


def test_more_than_three_questions_are_named_not_dropped_silently(client):
    story = (STORY + " What is a blood patch? How do they test the spinal fluid?")
    reply = ask(client, story)
    assert len(reply["parts"]) == MAX_PARTS
    assert "first 3" in reply["parts_note"] and reply["parts_note"] in reply["answer"]


def test_a_question_in_a_story_is_read_with_the_sentences_before_it(client, engine):
    story = ("The clinic finally told me it is the nerve, not the ear, and that the cause is the iron from an "
             "old bleed. I have been losing my hearing for years. I struggle with phone calls and with meetings at "
             "work, and my family say I have the television far too loud, which has caused a few arguments. "
             "Can anything be done about that?")
    reply = ask(client, story)
    part = reply["parts"][0]
    assert part["understood_as"].startswith("About hearing loss: ")
    assert "hearing" in topics_of(engine, part["citations"][:1])


def test_an_urgent_story_gets_the_urgent_reply_and_no_parts(client):
    story = STORY + " And the worst headache of my life came on suddenly 10 minutes ago. What do I do?"
    reply = ask(client, story)
    assert reply["status"] == "urgent" and "parts" not in reply


def test_a_question_cut_from_a_short_message_is_also_searched_as_the_whole(engine, monkeypatch):
    """Each half of "What is it like over the years? Does it get much worse?" is vaguer than
    the two together, so a question cut from a short message is searched alone and as the
    whole message, rankings fused; a question cut from a long story is not (its story is the
    context, conversation.py)."""
    searched: list[tuple[str, ...]] = []
    real = engine._search
    monkeypatch.setattr(engine, "_search", lambda reading, **kw: searched.append(reading.queries) or real(reading, **kw))
    monkeypatch.setattr(engine, "cache", type(engine.cache)(0))
    short = "What is it like over the years? Does it get much worse?"
    assert find_questions(short).split
    engine.ask(short)
    assert searched and all(short in queries for queries in searched)
    searched.clear()
    engine.ask(STORY)
    assert searched and all(STORY not in queries for queries in searched)
