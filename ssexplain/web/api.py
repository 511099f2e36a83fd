"""The JSON API: POST /api/ask, GET /api/passages, /healthz and /readyz."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from ssexplain.content.loader import Content, Passage
from ssexplain.errors import BadQuestion
from ssexplain.reply.answer import Reply
from ssexplain.reply.conversation import permalink_history
from ssexplain.web.engine_holder import EngineHolder
from ssexplain.web.errors import api_error
from ssexplain.web.limits import ask_within_budget

bp = Blueprint("api", __name__)


def holder() -> EngineHolder:
    return current_app.extensions["ssexplain"]


def passage_json(passage: Passage, content: Content) -> dict:
    source = content.sources[passage.source]
    return {
        "id": passage.id,
        "quote": passage.quote,
        "plain": passage.plain,
        "section": passage.section,
        "source": {"id": source.id, "title": source.title, "citation": source.citation},
        "topics": list(passage.topics),
    }


# The longest link made (path and query, in bytes). gunicorn.conf.py lets a request line be
# 8,190 bytes (gunicorn's ceiling), so a link this long is never refused by the server.
MAX_LINK = 8000


def reply_link(question: str, reply: Reply) -> str:
    """The chat page address that shows this answer again. The engine's conversation rules
    decide which earlier questions it keeps (those the reply leaned on); nothing else does.

    A long story URL-encodes to about three times its length, past what a server takes in one
    request line: then the link asks the questions found in it without the story (and, if
    that is still too long, without the earlier turns); failing all that, it asks as many of
    the first words as fit."""
    history = permalink_history(reply.leaned_on)
    whole = " ".join(question.split())
    asked = " ".join(" ".join(p.question.split()) for p in reply.parts)
    tries = [(whole, history)]
    if asked:
        tries += [(asked, history), (asked, [])]
    for q, h in tries:
        link = url_for("pages.ask", q=q, h=h)
        if len(link) <= MAX_LINK:
            return link
    text = asked or whole
    while len(text) > 1 and len(url_for("pages.ask", q=text)) > MAX_LINK:
        cut = text[: len(text) * 9 // 10]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return url_for("pages.ask", q=text)


def reply_json(question: str, reply: Reply) -> dict:
    """A reply as the API sends it (and the pages render it): the engine's reply and its link."""
    return {**reply.to_dict(), "permalink": reply_link(question, reply)}


def not_ready():
    response = api_error("warming_up", "The explainer is still starting up. Please try again in a moment.", 503)
    response.headers["Retry-After"] = "5"
    return response


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    engine = holder().engine
    if engine is None:
        return jsonify({"status": "starting", "error": holder().error or None}), 503
    return jsonify({"status": "ready", "passages": len(engine.content.passages)})


@bp.post("/api/ask")
def ask():
    if not request.is_json:
        return api_error("unsupported_media_type", "Send the question as JSON (Content-Type: application/json).", 415)
    body = request.get_json(silent=True)
    if body is None:
        return api_error("invalid_json", "The request body is not valid JSON.", 400)
    if not isinstance(body, dict):
        return api_error("invalid_body", 'Send a JSON object like {"question": "..."}.', 400)
    engine = holder().engine
    if engine is None:
        return not_ready()
    try:
        reply = ask_within_budget(engine, body.get("question"), body.get("history"))
    except BadQuestion as exc:
        return api_error(exc.code, exc.message, 400)
    return jsonify(reply_json(body["question"], reply))


@bp.get("/api/passages")
def passages():
    engine = holder().engine
    if engine is None:
        return not_ready()
    return jsonify({"passages": [passage_json(p, engine.content) for p in engine.content.passages]})


@bp.get("/api/passages/<passage_id>")
def passage(passage_id: str):
    engine = holder().engine
    if engine is None:
        return not_ready()
    found = engine.content.passage(passage_id)
    if found is None:
        return api_error("not_found", f"There is no passage with id '{passage_id}'.", 404)
    return jsonify(passage_json(found, engine.content))
