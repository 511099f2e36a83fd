"""Every error a person can meet becomes a clean JSON error (API) or a plain page, never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("ssexplain")


def api_error(code: str, message: str, status: int):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/oembed", "/healthz", "/readyz")


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
              415: "unsupported_media_type", 429: "rate_limited", 501: "not_implemented", 503: "unavailable"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            response = api_error(HTTP_CODES.get(status, "error"), exc.description or exc.name, status)
        else:
            response = app.make_response((render_template("error.html", status=status, title=exc.name,
                                                           message=exc.description), status))
        for header in ("Retry-After", "Allow"):
            if exc.get_response().headers.get(header):
                response.headers[header] = exc.get_response().headers[header]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # Logged without the request body or query: it may hold a person's question.
        log.exception("unexpected error on %s %s", request.method, request.path)
        if wants_json():
            return api_error("internal_error", "Something went wrong on our side. Please try again.", 500)
        return render_template("error.html", status=500, title="Something went wrong",
                               message="Something went wrong on our side. Please try again."), 500
