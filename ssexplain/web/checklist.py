"""The symptom checklist and the question list made from it: /checklist, its page and its PDF.

Everything a person ticks travels in the query string of a GET form, so the pages work
without JavaScript and a list can be shared as a link. Nothing is stored, logged or put in
a cookie; responses say `no-store` and send no referrer, because a link may hold a
person's own words.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ssexplain.reply.answer import DISCLAIMER
from ssexplain.checklist.questions import (
    MAX_OWN_CHARS,
    MAX_QUERY_BYTES,
    OWN_PARAM,
    SHARE_OWN,
    SHARE_PARAM,
    HEADINGS,
    Checklist,
    QuestionList,
    Selection,
    build_question_list,
    long_date,
    parse_checklist,
    parse_selection,
)
from ssexplain.content.loader import load_content
from ssexplain.errors import SsexplainError
from ssexplain.web.security import public_root

bp = Blueprint("checklist", __name__)

TOO_LONG = "This link is too long to read. Go back and tick fewer boxes, or make your own questions shorter."
NOT_READY = "The checklist is not available right now. Please try again in a moment."
PDF_NAME = "questions-for-your-doctor.pdf"
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
EXTENSION_KEY = "ssexplain.checklist.questions"


def current_checklist() -> Checklist:
    """The parsed checklist, made once per app; it needs the content but not the model,
    so the checklist works while the search engine is still warming up."""
    cached = current_app.extensions.get(EXTENSION_KEY)
    if cached is None:
        engine = current_app.extensions["ssexplain"].engine
        try:
            content = engine.content if engine is not None else load_content(current_app.config["SETTINGS"].content_dir)
        except SsexplainError:
            abort(503, NOT_READY)
        cached = parse_checklist(content)
        current_app.extensions[EXTENSION_KEY] = cached
    return cached


def current_selection(checklist: Checklist) -> Selection:
    if len(request.query_string) > MAX_QUERY_BYTES:
        abort(400, TOO_LONG)
    return parse_selection(request.args.items(multi=True), checklist)


def private(body: str | bytes, status: int = 200, **headers: str) -> Response:
    response = current_app.make_response((body, status))
    response.headers.update(PRIVATE_HEADERS)
    response.headers.update(headers)
    return response


def page_links(selection: Selection) -> dict[str, str]:
    """Where the list page's links go; only the share link may leave out the person's own words."""
    full = selection.query(include_own=True)
    share = selection.share_query()
    questions = url_for("checklist.questions")
    return {
        "change": f"{url_for('checklist.form')}?{full}" if full else url_for("checklist.form"),
        "pdf": f"{url_for('checklist.pdf')}?{full}" if full else url_for("checklist.pdf"),
        "share": f"{public_root()}{questions}" + (f"?{share}" if share else ""),
    }


def question_list(checklist: Checklist, selection: Selection) -> QuestionList:
    return build_question_list(checklist, selection, made_on=date.today())


@bp.get("/checklist")
def form():
    checklist = current_checklist()
    selection = current_selection(checklist)
    body = render_template(
        "checklist.html", checklist=checklist, selection=selection, own_text="\n".join(selection.own),
        max_own=MAX_OWN_CHARS, own_param=OWN_PARAM, share_param=SHARE_PARAM, share_own=SHARE_OWN,
    )
    return private(body)


@bp.get("/checklist/questions")
def questions():
    checklist = current_checklist()
    selection = current_selection(checklist)
    qlist = question_list(checklist, selection)
    body = render_template(
        "checklist_questions.html", qlist=qlist, selection=selection,
        links=page_links(selection), made_on=long_date(qlist.made_on), headings=HEADINGS,
    )
    return private(body)


@bp.get("/checklist/questions.pdf")
def pdf():
    # fpdf (with fontTools) takes about a third of a second to import: paid by the first
    # PDF asked for, not by every worker's start (docs/BENCHMARKS.md, cold start).
    from ssexplain.checklist.pdf import build_pdf

    checklist = current_checklist()
    selection = current_selection(checklist)
    data = build_pdf(question_list(checklist, selection), disclaimer=DISCLAIMER, link_base=public_root() + "/")
    return private(data, **{"Content-Type": "application/pdf",
                            "Content-Disposition": f'attachment; filename="{PDF_NAME}"'})
