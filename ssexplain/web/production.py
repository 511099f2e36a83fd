"""What a public deployment needs around the routes, installed by `create_app`.

Trusted hosts, private request logs, security headers and CORS, rate limits, the time
budget per answer, and the OpenAPI document. Their values come from the one settings
object (ssexplain/config.py, listed in the README under "Configuration") and may be
overridden in `create_app`'s test_config under the keys below.
"""
from __future__ import annotations

from flask import Flask

from ssexplain.config import RATE_LIMIT_OFF, Settings
from ssexplain.web import limits, logging_setup, openapi, security


def defaults(config: Settings, *, testing: bool = False) -> dict[str, object]:
    """The app's config keys for these settings.

    A test app has no rate limit unless the test sets RATE_LIMIT: the browser tests share
    one live server on 127.0.0.1, and a limit meant for the public would trip them.
    """
    return {
        "RATE_LIMIT": RATE_LIMIT_OFF if testing else config.rate_limit,
        "RATELIMIT_STORAGE": config.ratelimit_storage,
        "PROXIES": config.proxies,
        "HTTPS": config.https,
        "EMBED_ORIGINS": " ".join(config.embed_origins),
        "CORS_ORIGINS": " ".join(sorted(config.cors_origins)),
        "PUBLIC_URL": config.public_url,
        "REQUEST_BUDGET": config.request_budget,
        "LOG_LEVEL": config.log_level,
    }


def install(app: Flask) -> None:
    """Logging first: its clock must start before the host check or the rate limiter can refuse a request."""
    logging_setup.install(app)
    security.install(app)
    limits.install(app)
    app.register_blueprint(openapi.bp)
