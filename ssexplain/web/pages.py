"""The HTML pages a person reads: the chat at / and /ask, and the browse pages.

The chat works without JavaScript: the question form posts to /ask, the earlier questions
travel back in hidden fields, and the server renders the whole thread. With JavaScript,
static/chat.js sends the same question and history to /api/ask and adds the card in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import ServiceUnavailable

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.content.loader import TOPICS, Content, GlossaryTerm, Passage
from ssexplain.reply.conversation import MAX_HISTORY
from ssexplain.engine import Engine
from ssexplain.errors import BadQuestion
from ssexplain.content.glossary_terms import TermMarker, slug, written_forms
from ssexplain.reply.validation import MAX_QUESTION_CHARS, clean_question, tidy_history
from ssexplain.web.api import holder, reply_json
from ssexplain.web.limits import ask_within_budget

bp = Blueprint("pages", __name__)

# Page copy, not medical content: each one is answered from the passages (tests check it).
EXAMPLE_QUESTIONS = (
    "What is superficial siderosis?",
    "What causes superficial siderosis?",
    "What are the usual symptoms?",
    "How does it affect hearing?",
    "How do doctors find it on a scan?",
    "Is there a treatment?",
)
RETRY_AFTER_SECONDS = 5
NOT_READY = "The explainer is still starting up. Please try again in a moment."


@dataclass(frozen=True)
class Turn:
    """One question and its reply, as the API would send it, for the thread."""

    question: str
    reply: dict | None  # None: an earlier question whose answer is not in memory any more
    history: tuple[str, ...]  # every question up to and including this one
    permalink: str


def ready_engine() -> Engine:
    engine = holder().engine
    if engine is None:
        raise ServiceUnavailable(NOT_READY, retry_after=RETRY_AFTER_SECONDS)
    return engine


@lru_cache(maxsize=4)
def marker_for(glossary: tuple[GlossaryTerm, ...]) -> TermMarker:
    return TermMarker(glossary)


@bp.app_context_processor
def site_context() -> dict:
    """Every page, including other blueprints' and error pages, shows the disclaimer."""
    return {"site_disclaimer": DISCLAIMER}


@bp.app_template_filter("glossary_marked")
def glossary_marked(text: str) -> Markup:
    """Answer text with its medical terms explained in place (escaped text while warming up)."""
    engine = holder().engine
    if engine is None:
        return escape(text)
    return marker_for(engine.content.glossary).mark(text)


# ---------------------------------------------------------------- the chat


def thread(engine: Engine, questions: list[str]) -> list[Turn]:
    """The newest question answered (within the request's time budget), each with the ones
    before it, as the API did. Earlier questions are never answered again: their replies
    come from the cache, or the card links to them, so a request costs one answer at most."""
    turns = []
    for n, question in enumerate(questions):
        earlier = questions[max(0, n - MAX_HISTORY):n]
        asked = tuple(questions[: n + 1])
        if n < len(questions) - 1:
            remembered = engine.remembered(question, history=earlier)
            if remembered is None:
                turns.append(Turn(question, None, asked, url_for("pages.ask", q=question, h=earlier)))
                continue
            reply = reply_json(question, remembered)
        else:
            reply = reply_json(question, ask_within_budget(engine, question, earlier))
        turns.append(Turn(question, reply, asked, reply["permalink"]))
    return turns


def chat_page(*, turns: list[Turn], typed: str = "", error: str = "", status: int = 200):
    history = [t.question for t in turns][-MAX_HISTORY:]
    body = render_template(
        "chat.html", turns=turns, history=history, typed=typed, error=error, examples=EXAMPLE_QUESTIONS,
        max_chars=MAX_QUESTION_CHARS, max_history=MAX_HISTORY,
    )
    return body, status


@bp.get("/")
def home():
    return chat_page(turns=[])


@bp.route("/ask", methods=["GET", "POST"])
def ask():
    form = request.form if request.method == "POST" else request.args
    earlier = tidy_history(form.getlist("h"))
    if "q" not in form and not earlier:
        return redirect(url_for("pages.home"))
    typed = form.get("q", "")
    engine = holder().engine
    if engine is None:
        body, status = chat_page(turns=[], typed=typed, error=NOT_READY, status=503)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if "q" not in form:
        return chat_page(turns=thread(engine, earlier))
    try:
        question = clean_question(typed)
    except BadQuestion as exc:
        return chat_page(turns=thread(engine, earlier), typed=typed, error=exc.message, status=400)
    return chat_page(turns=thread(engine, [*earlier, question]))


# ---------------------------------------------------------------- browse


def topic_groups(content: Content) -> list[tuple[str, str, list[Passage]]]:
    """(slug, title, passages) for every topic that has passages, in the curated order."""
    groups = []
    for topic, title in TOPICS.items():
        passages = [p for p in content.passages if topic in p.topics]
        if passages:
            groups.append((topic, title, passages))
    return groups


@bp.get("/topics")
def topics():
    content = ready_engine().content
    groups = topic_groups(content)
    # A passage under several topics gets its anchor (#p-<id>) under the first one only.
    anchors: dict[str, str] = {}
    for topic, _, passages in groups:
        for p in passages:
            anchors.setdefault(p.id, topic)
    return render_template(
        "topics.html", groups=groups, sources=content.sources, anchors=anchors, single=False, page_title="Topics"
    )


@bp.get("/topics/<topic>")
def topic(topic: str):
    """One topic on its own page: short enough for a phone, and a link worth sharing."""
    content = ready_engine().content
    group = next((g for g in topic_groups(content) if g[0] == topic), None)
    if group is None:
        abort(404, description="There is no topic with that name. See the list of all topics.")
    return render_template("topics.html", groups=[group], sources=content.sources, single=True, page_title=group[1])


def letter_groups(glossary: tuple[GlossaryTerm, ...]) -> list[tuple[str, list[GlossaryTerm]]]:
    groups: dict[str, list[GlossaryTerm]] = {}
    for term in sorted(glossary, key=lambda t: t.term.lower()):
        groups.setdefault(term.term[0].upper(), []).append(term)
    return list(groups.items())


@bp.get("/glossary")
def glossary():
    content = ready_engine().content
    aka = {t.term: [f.text for f in written_forms(t)][1:] for t in content.glossary}
    return render_template(
        "glossary.html", groups=letter_groups(content.glossary), aka=aka, slug=slug,
        passages={p.id: p for p in content.passages},
    )


@bp.get("/glossary.json")
def glossary_json():
    """The term list chat.js uses to mark answers it adds without a page load."""
    marker = marker_for(ready_engine().content.glossary)
    response = jsonify({"glossaryUrl": url_for("pages.glossary"), "forms": marker.to_json()})
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/sources")
def sources():
    content = ready_engine().content
    counts = {sid: sum(p.source == sid for p in content.passages) for sid in content.sources}
    return render_template("sources.html", sources=list(content.sources.values()), counts=counts)
