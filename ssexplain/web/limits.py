"""Rate limits on the requests that make an answer, per client address.

Each answer costs an encode and a search, and the PDF a layout, so one client may make
SSEXPLAIN_RATE_LIMIT of them (default 30 per minute) across all the answer routes
together. Everything else (pages, static files, health checks) is free. The routes are
picked by path and method here, so the blueprints that serve them need no decorator.

Counts live in this process by default; with SSEXPLAIN_RATELIMIT_STORAGE=redis://...
several workers and hosts share one count. If Redis goes away, the app keeps answering
with counts in memory rather than failing.
"""
from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Flask, Request, Response, current_app, g, render_template, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded

from ssexplain.config import RATE_LIMIT_OFF as OFF
from ssexplain.config import BadSetting, rate_limit, storage_uri
from ssexplain.engine import LAST_REPLY, Engine
from ssexplain.reply.answer import Reply
from ssexplain.web.errors import api_error, wants_json

SCOPE = "answers"
log = logging.getLogger("ssexplain")
KEY_PREFIX = "ssexplain"
REDIS_TIMEOUT_SECONDS = 1  # an unreachable Redis must not hold up answers
TOO_MANY_TITLE = "Too many questions"


# The parsers live with the other settings (ssexplain/config.py): one message per variable.
BadLimitSetting = BadSetting
check_limit = rate_limit
check_storage = storage_uri


def storage_options(uri: str) -> dict[str, float]:
    if uri.startswith("memory://"):
        return {}
    return {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}


def makes_an_answer(req: Request) -> bool:
    """The requests that cost an answer (or a PDF): the only ones counted."""
    method = "GET" if req.method == "HEAD" else req.method
    path = req.path
    if path == "/api/ask":
        return method == "POST"
    if path == "/ask":
        return method in ("GET", "POST")
    if path == "/embed" or path.startswith("/embed/"):
        return method == "POST" or (method == "GET" and "q" in req.args)
    if path == "/checklist/questions.pdf":
        return method == "GET"
    return False


def client_address() -> str:
    """The client's address; behind SSEXPLAIN_PROXIES proxies, ProxyFix has already set it."""
    return request.remote_addr or "unknown"


def retry_after_seconds(limiter: Limiter) -> int:
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window.reset_time - time.time()))


def too_many(limiter: Limiter) -> Response:
    """429 with Retry-After: JSON for the API and anyone asking for JSON, a plain page for people."""
    wait = retry_after_seconds(limiter)
    message = f"You have asked a lot of questions in a short time. Please wait {wait} seconds and try again."
    prefers_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    if wants_json() or prefers_json:
        response = api_error("rate_limited", message, 429)
    else:
        page = render_template("error.html", status=429, title=TOO_MANY_TITLE, message=message)
        response = Response(page, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(wait)
    return response


def watch_storage(app: Flask, limiter: Limiter) -> None:
    """One warning when the shared storage (Redis) stops answering, and one when it is back.

    Flask-Limiter switches to counting in memory by itself (and back, after a check with
    back-off); its own messages go to a logger nobody reads, so the change is logged here.
    """
    state = {"dead": False}
    lock = threading.Lock()

    @app.after_request
    def storage_health(response: Response) -> Response:
        dead = bool(getattr(limiter, "_storage_dead", False))
        if dead != state["dead"]:
            with lock:
                if dead != state["dead"]:
                    state["dead"] = dead
                    if dead:
                        log.warning("rate-limit storage unreachable: counting in this worker's memory until it is back")
                    else:
                        log.warning("rate-limit storage reachable again: counts are shared again")
        return response


def install(app: Flask) -> Limiter | None:
    """Count answer requests against RATE_LIMIT in RATELIMIT_STORAGE; nothing when 'off'.

    Also answers OverBudget, from any route, with a clean 429."""
    app.register_error_handler(OverBudget, lambda exc: over_budget())
    limit = check_limit(str(app.config["RATE_LIMIT"]))
    storage = check_storage(str(app.config["RATELIMIT_STORAGE"]))
    if limit == OFF:
        return None
    limiter = Limiter(
        client_address,
        application_limits=[
            ApplicationLimit(limit, scope=SCOPE, exempt_when=lambda: not makes_an_answer(request)),
        ],
        storage_uri=storage,
        storage_options=storage_options(storage),
        strategy="fixed-window",
        key_prefix=KEY_PREFIX,
        # A storage outage must not take the site down: count in memory until it is back.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    if not storage.startswith("memory://"):
        watch_storage(app, limiter)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded) -> Response:
        return too_many(limiter)

    return limiter


# ---------------------------------------------------------------- the time budget per answer


class OverBudget(Exception):
    """An answer that did not come within SSEXPLAIN_REQUEST_BUDGET seconds."""


OVER_BUDGET_MESSAGE = "Looking this up is taking too long just now. Please try again in a moment."
OVER_BUDGET_RETRY_SECONDS = 5


def _pool(app: Flask) -> ThreadPoolExecutor:
    """One small pool per app, made on first use (after gunicorn's fork), as wide as the worker's threads."""
    pool = app.extensions.get("ssexplain_answer_pool")
    if pool is None:
        with _POOL_LOCK:
            pool = app.extensions.get("ssexplain_answer_pool")
            if pool is None:
                width = max(1, int(app.config["SETTINGS"].threads))
                pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="ssexplain-answer")
                app.extensions["ssexplain_answer_pool"] = pool
    return pool


_POOL_LOCK = threading.Lock()


def ask_within_budget(engine: Engine, question: object, history: object = None) -> Reply:
    """engine.ask, given what is left of this request's time budget; raises OverBudget past it.

    An answer that comes too late still finishes in the pool and is cached, so asking again
    a moment later is quick. The budget counts from the start of the request.
    """
    budget = float(current_app.config["REQUEST_BUDGET"])
    started = g.get("ssexplain_started") or time.perf_counter()
    left = budget - (time.perf_counter() - started)
    if left <= 0:
        raise OverBudget()
    context = contextvars.copy_context()
    future = _pool(current_app._get_current_object()).submit(context.run, engine.ask, question, history=history)
    try:
        reply = future.result(timeout=left)
    except FutureTimeout:
        # Not started yet (the pool is busy): drop it, so waiting work never piles up.
        future.cancel()
        raise OverBudget() from None
    LAST_REPLY.set(reply)
    return reply


def over_budget() -> Response:
    """429 with Retry-After (never a 5xx): JSON for the API, a plain page for people."""
    if wants_json():
        response = api_error("busy", OVER_BUDGET_MESSAGE, 429)
    else:
        page = render_template("error.html", status=429, title="Please try again", message=OVER_BUDGET_MESSAGE)
        response = Response(page, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(OVER_BUDGET_RETRY_SECONDS)
    return response
