"""The forum widget: /embed (a compact chat for an iframe), /embed.js (the script a host
page pastes to get it) and /oembed (the widget in place of a pasted link).

/embed answers with the same engine as the chat page, so its replies carry the same
citations, disclaimer and urgent handling. It works without JavaScript (a GET form with the
earlier questions in hidden fields); with JavaScript, static/embed-frame.js asks /api/ask
and reports the page's height to the host page so the frame fits its content.

The same module gives every page its link-preview facts (OpenGraph tags and the oEmbed
discovery link) through `opengraph()`, used by templates/_opengraph.html.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, g, jsonify, render_template, request, send_from_directory, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from ssexplain.web import oembed
from ssexplain.reply.answer import DISCLAIMER
from ssexplain.content.loader import TOPICS, Content
from ssexplain.reply.conversation import MAX_HISTORY
from ssexplain.errors import BadQuestion
from ssexplain.web.oembed import OEmbedError, SitePage
from ssexplain.reply.validation import MAX_QUESTION_CHARS, clean_question, tidy_history
from ssexplain.web.api import holder
from ssexplain.web.errors import api_error
from ssexplain.web.security import public_root
from ssexplain.web.pages import EXAMPLE_QUESTIONS, NOT_READY, RETRY_AFTER_SECONDS, Turn, thread

bp = Blueprint("embed", __name__)
log = logging.getLogger("ssexplain")

MAX_TYPED_CHARS = 2 * MAX_QUESTION_CHARS  # what we echo back into the box after an error


def site_root() -> str:
    """SSEXPLAIN_PUBLIC_URL, or the request's host once security.py has checked it is ours."""
    return public_root()


def render_embed(*, turns: list[Turn], typed: str = "", error: str = "", status: int = 200):
    """The widget page. Its cards are the chat page's; its forms stay inside the frame."""
    history = [t.question for t in turns][-MAX_HISTORY:]
    html = render_template(
        "embed.html",
        turns=turns,
        history=history,
        typed=typed[:MAX_TYPED_CHARS],
        error=error,
        examples=EXAMPLE_QUESTIONS,
        full_link=turns[-1].permalink if turns else url_for("pages.home"),
        disclaimer=DISCLAIMER,
        max_history=MAX_HISTORY,
    )
    return html, status


@bp.route("/embed", methods=["GET", "POST"])
def embed():
    # The widget's own forms post (a long story with its thread does not fit in a URL);
    # links and oEmbed frames open it with a GET.
    form = request.form if request.method == "POST" else request.args
    typed = form.get("q")
    earlier = tidy_history(form.getlist(oembed.HISTORY_FIELD))
    engine = holder().engine
    if engine is None:
        html, status = render_embed(turns=[], typed=typed or "", error=NOT_READY, status=503)
        return html, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if typed is None:
        return render_embed(turns=thread(engine, earlier))
    try:
        question = clean_question(typed)
    except BadQuestion as exc:
        return render_embed(turns=thread(engine, earlier), typed=typed, error=exc.message, status=400)
    started = time.perf_counter()
    turns = thread(engine, [*earlier, question])
    latest = turns[-1].reply
    # Never the question text: only what helps keep the service healthy.
    log.info(
        "answered route=/embed status=%s citations=%d turns=%d latency_ms=%.1f",
        latest["status"], len(latest["citations"]), len(turns), (time.perf_counter() - started) * 1000,
    )
    return render_embed(turns=turns)


@bp.get("/embed.js")
def embed_script():
    """The host page's script, at a short stable address, with a JavaScript content type."""
    response = send_from_directory(current_app.static_folder, "embed.js", mimetype="text/javascript", max_age=3600)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response


# ---------------------------------------------------------------- oEmbed

def topic_question(content: Content | None, topic: str) -> str:
    """The first example question of a topic, so its embed opens on something it covers."""
    if content is None:
        return ""
    passage = next((p for p in content.passages if topic in p.topics), None)
    return passage.questions[0][0].upper() + passage.questions[0][1:] if passage else ""


def page_title(page: SitePage) -> str:
    if page.kind in ("ask", "embed") and page.question:
        return oembed.shorten(page.question)
    if page.kind == "topic":
        return f"{TOPICS[page.topic]} · {oembed.SITE_NAME}"
    if page.kind == "topics":
        return f"Topics · {oembed.SITE_NAME}"
    if page.kind == "checklist":
        return oembed.CHECKLIST_TITLE
    return oembed.SITE_NAME


@bp.get("/oembed")
def oembed_endpoint():
    """oEmbed 1.0 for our pages: a 'rich' reply whose HTML is an iframe of /embed."""
    try:
        oembed.check_format(request.args.get("format"))
        url = request.args.get("url", "").strip()
        if not url:
            raise OEmbedError(400, "bad_request", "Add the page's address, like /oembed?url=https://…/ask?q=…")
        page = oembed.page_for_url(url, site=site_root())
        if page.kind == "topic" and page.topic not in TOPICS:
            raise OEmbedError(404, "not_found", f"There is no topic called '{page.topic}'.")
        width, height = oembed.frame_size(request.args.get("maxwidth"), request.args.get("maxheight"))
    except OEmbedError as exc:
        return api_error(exc.code, exc.message, exc.status)
    engine = holder().engine
    question = topic_question(engine.content if engine else None, page.topic) if page.kind == "topic" else ""
    src = site_root() + oembed.embed_path(page, question=question)
    body = oembed.oembed_reply(src=src, title=page_title(page), site=site_root() + "/", width=width, height=height)
    return jsonify(body)


# ---------------------------------------------------------------- OpenGraph

def reply_for_preview(context: Context, page: SitePage) -> dict | None:
    """The reply the page shows: the chat page's newest turn when the template has it.

    Otherwise it is the cached reply if there is one: a preview never costs another answer.
    """
    turns = context.get("turns")
    if turns and getattr(turns[-1], "question", None) == page.question:
        return turns[-1].reply
    if "og_reply" not in g:
        engine = holder().engine
        try:
            remembered = engine.remembered(page.question, history=list(page.history)) if engine else None
            g.og_reply = remembered.to_dict() if remembered else None
        except BadQuestion:
            g.og_reply = None
    return g.og_reply


def page_description(context: Context, page: SitePage) -> str:
    if page.kind in ("ask", "embed") and page.question:
        reply = reply_for_preview(context, page)
        return oembed.reply_summary(reply) if reply else oembed.HOME_DESCRIPTION
    if page.kind in ("topic", "topics"):
        return oembed.TOPICS_DESCRIPTION
    if page.kind == "checklist":
        return oembed.CHECKLIST_DESCRIPTION
    return oembed.HOME_DESCRIPTION


@pass_context
def opengraph(context: Context) -> oembed.OpenGraph | None:
    """Link-preview facts for the page being rendered, or None for a page without them."""
    if request.endpoint is None or request.endpoint.startswith("static"):
        return None
    page = oembed.page_at(request.path, request.query_string.decode("utf-8", "replace"))
    if page is None:
        return None
    return oembed.opengraph(
        page, site=site_root(), path=request.path, title=page_title(page),
        description=page_description(context, page),
    )


@bp.app_context_processor
def opengraph_context() -> dict:
    return {"opengraph": opengraph}
