"""What a public deployment needs around the routes, installed by `create_app`.

Private request logs, security headers and CORS, rate limits, and the OpenAPI document.
Their settings come from the environment (listed in the README under "Configuration")
and may be overridden in `create_app`'s test_config under the same keys as below.
"""
from __future__ import annotations

import os

from flask import Flask

from ssexplain.reply.cache import AnswerCache
from ssexplain.web import limits, logging_setup, openapi, security

ENV = {
    # config key: (environment variable, default)
    "RATE_LIMIT": ("SSEXPLAIN_RATE_LIMIT", limits.DEFAULT_LIMIT),
    "RATELIMIT_STORAGE": ("SSEXPLAIN_RATELIMIT_STORAGE", "memory://"),
    "PROXIES": ("SSEXPLAIN_PROXIES", "0"),
    "HTTPS": ("SSEXPLAIN_HTTPS", "0"),
    "EMBED_ORIGINS": ("SSEXPLAIN_EMBED_ORIGINS", "*"),
    "CORS_ORIGINS": ("SSEXPLAIN_CORS_ORIGINS", ""),
    "LOG_LEVEL": ("SSEXPLAIN_LOG_LEVEL", "INFO"),
}


def defaults(*, testing: bool = False) -> dict[str, object]:
    """The settings from the environment, read when the app is made.

    A test app has no rate limit unless the test sets RATE_LIMIT: the browser tests share
    one live server on 127.0.0.1, and a limit meant for the public would trip them.
    """
    values: dict[str, object] = {key: os.environ.get(env, "").strip() or default for key, (env, default) in ENV.items()}
    values["HTTPS"] = str(values["HTTPS"]).lower() in ("1", "true", "yes", "on")
    if testing:
        values["RATE_LIMIT"] = limits.OFF
    return values


def check_environment() -> None:
    """Raise the project's error, with a message naming the variable, for any bad setting."""
    values = defaults()
    limits.check_limit(str(values["RATE_LIMIT"]))
    limits.check_storage(str(values["RATELIMIT_STORAGE"]))
    security.proxy_count(str(values["PROXIES"]))
    security.embed_origins(str(values["EMBED_ORIGINS"]))
    security.cors_origins(str(values["CORS_ORIGINS"]))
    logging_setup.check_level(str(values["LOG_LEVEL"]))
    AnswerCache.from_env()


def install(app: Flask) -> None:
    """Logging first: its clock must start before the rate limiter can turn a request away."""
    logging_setup.install(app)
    security.install(app)
    limits.install(app)
    app.register_blueprint(openapi.bp)
