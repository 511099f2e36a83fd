"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Forum bots and plugins build on this, and the tests fuzz the API against it, so it must
say exactly what the server does: every status a request can get, every field a reply
holds. The limits come from the same constants the server checks, and passage ids are
listed from the loaded content, so the document cannot drift from the code.
"""
from __future__ import annotations

from importlib import metadata
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from ssexplain.content.triage_rules import CATEGORY_TIERS, TIERS
from ssexplain.reply.answer import DISCLAIMER
from ssexplain.reply.conversation import MAX_HISTORY
from ssexplain.reply.question_split import MAX_PARTS
from ssexplain.reply.validation import MAX_QUESTION_CHARS
from ssexplain.web.api import holder

bp = Blueprint("openapi", __name__)

REPLY_STATUSES = ("answered", "urgent", "ask_doctor", "no_answer")
JSON = "application/json"
# The server trims with Python's idea of white space, which is wider than a regex's \s,
# so "not only spaces" is spelled out character by character (none lies above U+3000).
PYTHON_SPACE = "".join(f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace())
HAS_TEXT = f"[^{PYTHON_SPACE}]"


def _version() -> str:
    try:
        return metadata.version("ssexplain")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict, description: str, *, headers: dict | None = None) -> dict:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "required": True,
        "schema": {"type": "string", "pattern": r"^[0-9]+$"},
    }
}


def error(description: str, *, retry: bool = False) -> dict:
    return json_body(ref("Error"), description, headers=RETRY_AFTER if retry else None)


WARMING_UP = error("The explainer is still loading its search index (code `warming_up`).", retry=True)


def schemas(passage_ids: list[str]) -> dict:
    """The component schemas. Every object is closed: a field not listed here is a defect."""
    text = {"type": "string"}
    source = {
        "type": "object",
        "required": ["id", "title", "citation"],
        "additionalProperties": False,
        "properties": {"id": text, "title": text, "citation": text},
    }
    passage_id: dict[str, Any] = {"type": "string", "description": "A passage id, as listed by GET /api/passages."}
    if passage_ids:
        passage_id["enum"] = passage_ids
    return {
        "PassageId": passage_id,
        "Source": source,
        "Citation": {
            "type": "object",
            "description": "A curated passage that backs the answer: the verbatim quote and its plain explanation.",
            "required": ["id", "quote", "plain", "section", "source", "score"],
            "additionalProperties": False,
            "properties": {
                "id": text, "quote": text, "plain": text, "section": text, "source": ref("Source"),
                "score": {"type": "number", "description": "Cosine similarity of the question to this passage."},
            },
        },
        "Part": {
            "type": "object",
            "description": "One question found in a long message, with its own answer and citations.",
            "required": ["question", "status", "answer", "citations"],
            "additionalProperties": False,
            "properties": {
                "question": {"type": "string", "description": "The question as it stands in the message."},
                "status": {"enum": ["answered", "ask_doctor", "no_answer"]},
                "answer": {"type": "string", "description": "The answer to this question alone."},
                "citations": {"type": "array", "items": ref("Citation")},
                "understood_as": {"type": "string",
                                  "description": "What the question was taken to mean, when it leaned on the "
                                                 "sentences before it (\"About hearing loss: can it be fixed?\")."},
            },
        },
        "Reply": {
            "type": "object",
            "required": ["status", "answer", "citations", "disclaimer", "followups", "permalink", "related"],
            "additionalProperties": False,
            "properties": {
                "status": {
                    "enum": list(REPLY_STATUSES),
                    "description": "`answered`: the sources cover it. `urgent`: seek help now (read `urgent`). "
                                   "`ask_doctor`: a decision for your own doctor. `no_answer`: not covered.",
                },
                "answer": {"type": "string", "description": "The plain-language answer, built only from the citations."},
                "citations": {"type": "array", "items": ref("Citation")},
                "disclaimer": {"const": DISCLAIMER},
                "followups": {"type": "array", "items": {"type": "string"},
                              "description": "Questions the sources can answer, to offer next."},
                "urgent": {
                    "type": "object", "required": ["message", "tier", "category"], "additionalProperties": False,
                    "description": "What to do now. Show it first, above everything else.",
                    "properties": {
                        "message": text,
                        "tier": {"enum": list(TIERS), "description": "`emergency`: call your emergency number now. "
                                 "`urgent-today`: see a doctor or urgent care today."},
                        "category": {"enum": list(CATEGORY_TIERS), "description": "The red flag that was seen."},
                    },
                },
                "related": {
                    "type": "array", "items": ref("Citation"),
                    "description": "Passages near a question the sources do not answer (`no_answer`): related "
                                   "reading, never evidence for the answer. Empty otherwise.",
                },
                "permalink": {
                    "type": "string", "pattern": "^/ask\\?",
                    "description": "A link (path and query) to the chat page showing this answer again. It "
                                   "keeps the earlier questions this reply depends on and no others; use it "
                                   "as given. It is at most 8,000 bytes: for a story too long to travel in an "
                                   "address it asks the questions found in it, without the story.",
                },
                "understood_as": {
                    "type": "string",
                    "description": "Only when a follow-up was read in the light of the earlier turns: what it "
                                   "was taken to mean, e.g. \"About hearing loss: can that be fixed?\". Show it, "
                                   "so a person can tell when the explainer misunderstood.",
                },
                "parts": {
                    "type": "array", "minItems": 1, "maxItems": MAX_PARTS, "items": ref("Part"),
                    "description": "Only for a long message: the questions found in it (at most "
                                   f"{MAX_PARTS}), each with its own answer. `citations` still lists every "
                                   "cited passage, the main question's best first.",
                },
                "parts_note": {"type": "string",
                               "description": "Says which questions were answered when the message asks more."},
            },
            # `urgent` is there exactly when the status is urgent.
            "if": {"properties": {"status": {"const": "urgent"}}},
            "then": {"required": ["urgent"]},
            "else": {"not": {"required": ["urgent"]}},
        },
        "Question": {
            "type": "object",
            "required": ["question"],
            "description": "Other fields are ignored.",
            "properties": {
                "question": {
                    "type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": HAS_TEXT,
                    "description": "The question in plain words. Runs of spaces count as one. A long "
                                   "message (a story with one to three questions) is fine: each question "
                                   "gets its own part of the reply.",
                },
                "history": {
                    "type": ["array", "null"], "maxItems": MAX_HISTORY,
                    "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS},
                    "description": "Earlier questions in this conversation, oldest first, so a follow-up "
                                   "like 'and how is it treated?' is understood.",
                },
            },
        },
        "Passage": {
            "type": "object",
            "required": ["id", "quote", "plain", "section", "source", "topics"],
            "additionalProperties": False,
            "properties": {
                "id": text, "quote": text, "plain": text, "section": text, "source": ref("Source"),
                "topics": {"type": "array", "items": text},
            },
        },
        "PassageList": {
            "type": "object", "required": ["passages"], "additionalProperties": False,
            "properties": {"passages": {"type": "array", "items": ref("Passage")}},
        },
        "Error": {
            "type": "object", "required": ["error"], "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object", "required": ["code", "message"], "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string", "pattern": "^[a-z_]+$",
                                 "description": "Stable and machine-readable, e.g. `question_empty`."},
                        "message": {"type": "string", "description": "Plain words a person can act on."},
                    },
                }
            },
        },
        "Health": {
            "type": "object", "required": ["status"], "additionalProperties": False,
            "properties": {"status": {"const": "ok"}},
        },
        "Ready": {
            "type": "object", "required": ["status", "passages"], "additionalProperties": False,
            "properties": {"status": {"const": "ready"}, "passages": {"type": "integer", "minimum": 1}},
        },
        "Starting": {
            "type": "object", "required": ["status", "error"], "additionalProperties": False,
            "properties": {
                "status": {"const": "starting"},
                "error": {"type": ["string", "null"], "description": "Why loading failed, if it did."},
            },
        },
        "OEmbed": {
            "type": "object",
            "required": ["version", "type", "html", "width", "height"],
            "additionalProperties": False,
            "properties": {
                "version": {"const": "1.0"}, "type": {"const": "rich"}, "title": text,
                "provider_name": text, "provider_url": text,
                "html": {"type": "string", "description": "An iframe of /embed."},
                "width": {"type": "integer", "minimum": 1}, "height": {"type": "integer", "minimum": 1},
                "cache_age": {"type": "integer", "minimum": 0},
            },
        },
    }


def ask_operation() -> dict:
    return {
        "post": {
            "operationId": "ask",
            "summary": "Answer a question from the curated, cited passages",
            "description": "Rate limited per client address (429 with Retry-After). Bodies over 64 KiB get 413.",
            "requestBody": {"required": True, "content": {JSON: {"schema": ref("Question")}}},
            "responses": {
                "200": json_body(ref("Reply"), "The reply, with its citations and the disclaimer."),
                "400": error("The body is not JSON, not an object, or the question or history cannot be used "
                             "(`invalid_json`, `invalid_body`, `question_missing`, `question_not_text`, "
                             "`question_empty`, `question_too_long`, `history_malformed`)."),
                "413": error("The body is larger than 64 KiB (`too_large`)."),
                "415": error("The body is not sent as application/json (`unsupported_media_type`)."),
                "429": error("Too many questions from this address; wait Retry-After seconds (`rate_limited`).",
                             retry=True),
                "503": WARMING_UP,
            },
        }
    }


def oembed_operation() -> dict:
    def query(name: str, schema: dict, description: str, required: bool = False) -> dict:
        return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}

    size = {"type": "string", "pattern": "^[0-9]*[1-9][0-9]*$"}
    return {
        "get": {
            "operationId": "oembed",
            "summary": "oEmbed 1.0: the widget to show in place of a link to this site",
            "parameters": [
                query("url", {"type": "string", "minLength": 1}, "A link to a question, a topic or the checklist.",
                      required=True),
                query("maxwidth", size, "The widest frame the consumer can show, in pixels."),
                query("maxheight", size, "The tallest frame the consumer can show, in pixels."),
                query("format", {"enum": ["json"]}, "Only json is offered; anything else gets 501."),
            ],
            "responses": {
                "200": json_body(ref("OEmbed"), "A `rich` reply whose html is an iframe of /embed."),
                "400": error("url is missing, or maxwidth or maxheight is not a positive whole number."),
                "404": error("The link is not an embeddable page of this site (`not_found`)."),
                "501": error("A format other than json was asked for (`not_implemented`)."),
            },
        }
    }


def document(*, passage_ids: list[str], with_oembed: bool) -> dict:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {
        "/api/ask": ask_operation(),
        "/api/passages": {"get": {
            "operationId": "listPassages",
            "summary": "Every curated passage, with its quote, plain explanation and source",
            "responses": {"200": json_body(ref("PassageList"), "All passages."), "503": WARMING_UP},
        }},
        "/api/passages/{passage_id}": {"get": {
            "operationId": "getPassage",
            "summary": "One curated passage",
            "parameters": [{"name": "passage_id", "in": "path", "required": True, "schema": ref("PassageId")}],
            "responses": {
                "200": json_body(ref("Passage"), "The passage."),
                "404": error("There is no passage with that id (`not_found`)."),
                "503": WARMING_UP,
            },
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "Liveness: the process answers (it may still be loading)",
            "responses": {"200": json_body(ref("Health"), "The process is up.")},
        }},
        "/readyz": {"get": {
            "operationId": "ready",
            "summary": "Readiness: the search index and model are loaded",
            "responses": {
                "200": json_body(ref("Ready"), "Ready to answer."),
                "503": json_body(ref("Starting"), "Still loading, or loading failed."),
            },
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": json_body({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3.1.")},
        }},
    }
    if with_oembed:
        paths["/oembed"] = oembed_operation()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Superficial siderosis explained",
            "version": _version(),
            "summary": "Plain-language, cited answers about superficial siderosis.",
            "description": "General information from three medical papers, not medical advice. "
                           "Every reply carries the disclaimer; show it with the answer.",
        },
        "paths": paths,
        "components": {"schemas": schemas(passage_ids)},
    }


def has_route(app: Flask, path: str) -> bool:
    return any(rule.rule == path for rule in app.url_map.iter_rules())


@bp.get("/api/openapi.json")
def openapi_json():
    engine = holder().engine
    ids = [p.id for p in engine.content.passages] if engine is not None else []
    return jsonify(document(passage_ids=ids, with_oembed=has_route(current_app, "/oembed")))
