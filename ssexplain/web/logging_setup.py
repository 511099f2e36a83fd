"""Logs that help run the service and never hold what a person asked.

A question can travel in a query string (/ask?q=..., /embed?q=...) or a body, so the
application log names the route pattern, never the path with its query, and records only
the status, the latency, and for answers the top score and citation count. The gunicorn
access log format (gunicorn.conf.py) leaves out query strings, and the development server's
request lines have theirs cut off here too.
"""
from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, Response, g, request

from ssexplain.config import log_level
from ssexplain.engine import LAST_REPLY

log = logging.getLogger("ssexplain")
QUIET_ROUTES = ("/healthz", "/readyz")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
check_level = log_level  # the parser lives with the other settings (ssexplain/config.py)


METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE")
METHOD = re.compile(r"\b([A-Z]{3,10}) ")
# What may stay of a request target: a path of plain characters, up to the first anything else
# (a query, a space from a raw request line, a quote, a %-escape that decodes to one).
SAFE_PATH = re.compile(r"/[A-Za-z0-9/._~-]*")
VERSION = re.compile(r" (HTTP/\d(?:\.\d)?)")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
KIND = re.compile(r"[A-Za-z ]{1,60}")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def redact_request_text(text: str) -> str:
    """A log line with any request line in it cut to method, plain path and version.

    "GET /ask?q=my aunt HTTP/1.1" and "GET /ask"iron"+doing HTTP/1.1" (a %22 decoded by
    the dev server) both become "GET /ask… HTTP/1.1". Text without a request line keeps
    only what is outside quotes, where servers put the raw line they could not parse.
    """
    text = ANSI.sub("", text)  # the dev server colours error lines
    found = METHOD.search(text)
    if found is None:
        return QUOTED.sub("'…'", text) if "?" in text or "'" in text or '"' in text else text
    method = found.group(1) if found.group(1) in METHODS else "(method)"
    rest = text[found.end():]
    path = SAFE_PATH.match(rest)
    kept = path.group(0) if path else ""
    versions = list(VERSION.finditer(rest))
    body_end = versions[-1].start() if versions else len(rest)
    if rest[len(kept):body_end][:1].isspace():
        kept = ""  # a raw line with spaces: even its "path" is what someone typed
    cut = "…" if rest[len(kept):body_end] else ""
    version = f" {versions[-1].group(1)}" if versions else ""
    tail = rest[versions[-1].end():] if versions else ""
    tail = tail if re.fullmatch(r"['\")]*(\s+[0-9-]+)*\s*", tail) else ""  # a closing quote, status and size
    return f"{text[:found.start()]}{method} {kept}{cut}{version}{tail}"


class DropQueryStrings(logging.Filter):
    """Cut every request line in the development server's log to method, path and version.

    Applied to the formatted message, so no argument or %-escape can carry text past it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_request_text(record.getMessage())
        record.args = None
        return True


class PrivateGunicornErrors(logging.Filter):
    """gunicorn's error log names a malformed request with its raw line (and the client's
    address): keep only the kind of error. Its other request lines are cut like the dev server's."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request from"):
            detail = message.split(": ", 1)[1] if ": " in message else ""
            kind = KIND.match(detail)
            label = kind.group(0).strip() if kind and detail[kind.end():kind.end() + 1] in (":", "'", "") else ""
            record.msg = f"Invalid request: {label or 'malformed'} (the request line is not logged)"
        elif message.startswith("Error handling request"):
            record.msg = redact_request_text(message)
        else:
            return True
        record.args = None
        return True


def plain_path(path: str) -> str:
    """A path cut at its first character that is not plain ("/ask\"my aunt\"" → "/ask…")."""
    kept = SAFE_PATH.match(path)
    text = kept.group(0) if kept else ""
    return text if text == path else text + "…"


class PrivateGunicornAccess(logging.Filter):
    """The access log's path (%(U)s) cut like the dev server's: a decoded %22 or a space
    can put what someone typed into the path itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and isinstance(record.args.get("U"), str):
            record.args = {**record.args, "U": plain_path(record.args["U"])}
        return True


def install_gunicorn_filter() -> None:
    """Called from gunicorn.conf.py; the filters stay on the loggers across forks and reloads."""
    for name, kind in (("gunicorn.error", PrivateGunicornErrors), ("gunicorn.access", PrivateGunicornAccess)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


class _OwnHandler(logging.StreamHandler):
    """Marks the handler this module added, so a second app in one process adds no other."""


def configure(level: str = "INFO") -> None:
    """Send the app's log to stderr, where gunicorn and systemd collect it. Safe to repeat."""
    log.setLevel(check_level(level))
    if not any(isinstance(h, _OwnHandler) for h in log.handlers):
        handler = _OwnHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        log.addHandler(handler)


def drop_dev_server_query_strings() -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in werkzeug.filters):
        werkzeug.addFilter(DropQueryStrings())


def request_line(response: Response, started: float | None) -> str:
    """One line per request: route pattern, status, latency, and for an answer its score."""
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    latency = f"{(time.perf_counter() - started) * 1000:.1f}" if started is not None else "-"
    line = f"request method={request.method} route={route} status={response.status_code} latency_ms={latency}"
    reply = LAST_REPLY.get()
    if reply is not None:
        line += f" reply={reply.status} top_score={reply.top_score:.3f} citations={len(reply.citations)}"
    return line


def install(app: Flask) -> None:
    """Register first, so the request clock starts before any other hook can refuse a request."""
    drop_dev_server_query_strings()
    if not app.testing:
        # Tests read the log through pytest's own handlers.
        configure(str(app.config["LOG_LEVEL"]))

    @app.before_request
    def start_clock() -> None:
        g.ssexplain_started = time.perf_counter()
        LAST_REPLY.set(None)

    @app.after_request
    def log_request(response: Response) -> Response:
        quiet = request.path in QUIET_ROUTES or request.endpoint == "static"
        log.log(logging.DEBUG if quiet else logging.INFO, "%s", request_line(response, g.get("ssexplain_started")))
        return response
