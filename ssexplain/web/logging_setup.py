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
QUERY = re.compile(r"\?[^\s\"]*")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
check_level = log_level  # the parser lives with the other settings (ssexplain/config.py)


class DropQueryStrings(logging.Filter):
    """Cut the query string out of the development server's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(QUERY.sub("", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = QUERY.sub("", record.msg)
        return True


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
