"""The JSON API contract through the Flask test client: every status, every bad input."""
from __future__ import annotations

import pytest

from ssexplain.reply.validation import MAX_QUESTION_CHARS

CITATION_KEYS = {"id", "quote", "plain", "section", "source", "score"}


def ask(client, question, history=None):
    body = {"question": question}
    if history is not None:
        body["history"] = history
    response = client.post("/api/ask", json=body)
    assert response.status_code == 200
    return response.get_json()


def test_answered_reply_has_cited_verbatim_snippets_and_disclaimer(client, engine):
    reply = ask(client, "why am I going deaf?")
    assert reply["status"] == "answered"
    assert set(reply) - {"related"} == {"status", "answer", "citations", "disclaimer", "followups", "permalink"}
    assert reply["permalink"] == "/ask?q=why+am+I+going+deaf?"
    assert reply["citations"] and set(reply["citations"][0]) == CITATION_KEYS
    assert set(reply["citations"][0]["source"]) == {"id", "title", "citation"}
    assert "hearing" in reply["answer"].lower()
    assert "not medical advice" in reply["disclaimer"]
    scores = [c["score"] for c in reply["citations"]]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)  # an order to check
    passage = engine.content.passage(reply["citations"][0]["id"])
    assert reply["citations"][0]["quote"] == passage.quote
    assert 1 <= len(reply["followups"]) <= 3


def test_urgent_reply_says_what_to_do_now_and_cites_nothing(client):
    reply = ask(client, "the worst headache of my life came on suddenly 10 minutes ago")
    assert reply["status"] == "urgent"
    assert "emergency" in reply["urgent"]["message"].lower()
    assert reply["citations"] == [] and reply["disclaimer"]


def test_dosing_question_goes_to_own_doctor(client):
    reply = ask(client, "how many mg of deferiprone should I take?")
    assert reply["status"] == "ask_doctor"
    assert "your own doctor" in reply["answer"]
    assert "urgent" not in reply


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("what is the capital of France?", "don't say anything about"),  # names what is missing
        ("asdfghjkl", "doesn't look like a question"),
        ("tell me a joke", "I can't chat"),
    ],
)
def test_off_topic_is_declined_kindly_with_questions_it_can_answer(client, question, says):
    reply = ask(client, question)
    assert reply["status"] == "no_answer"
    assert reply["citations"] == []
    assert says in reply["answer"] and len(reply["followups"]) >= 3


def test_follow_up_uses_history(client):
    alone = ask(client, "and can that be fixed?")
    after = ask(client, "and can that be fixed?", history=["why am I going deaf?"])
    text = " ".join(c["quote"] + c["plain"] for c in after["citations"]).lower()
    assert "hearing" in text
    assert [c["id"] for c in alone["citations"]] != [c["id"] for c in after["citations"]]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ('{"history": []}', "application/json", 400, "question_missing"),
        ('{"question": "   "}', "application/json", 400, "question_empty"),
        ('{"question": 42}', "application/json", 400, "question_not_text"),
        ('{"question": "' + "a" * (MAX_QUESTION_CHARS + 1) + '"}', "application/json", 400, "question_too_long"),
        ('{"question": "hi", "history": "nope"}', "application/json", 400, "history_malformed"),
        ('{"question": "hi", "history": [1, 2]}', "application/json", 400, "history_malformed"),
        ('{"question": "hi", "history": ' + str(["q"] * 11).replace("'", '"') + "}", "application/json", 400,
         "history_malformed"),
        ('{"question": "\\ud800 hi"}', "application/json", 400, "question_not_text"),
        ('{"question": "hi", "history": ["\\udfff"]}', "application/json", 400, "history_malformed"),
        ("{not json", "application/json", 400, "invalid_json"),
        ('["a list"]', "application/json", 400, "invalid_body"),
        ("question=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ('{"question": "hi"}', "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_bad_input_gets_a_clear_json_error(client, data, content_type, status, code):
    response = client.post("/api/ask", data=data, content_type=content_type)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_wrong_method_is_json_405(client):
    response = client.get("/api/ask")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_passages_list_and_single_passage(client, engine):
    listed = client.get("/api/passages").get_json()["passages"]
    assert len(listed) == len(engine.content.passages)
    assert set(listed[0]) == {"id", "quote", "plain", "section", "source", "topics"}
    one = client.get(f"/api/passages/{listed[0]['id']}")
    assert one.status_code == 200 and one.get_json() == listed[0]
    missing = client.get("/api/passages/no-such-passage")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json()["status"] == "ready"


