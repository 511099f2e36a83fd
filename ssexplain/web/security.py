"""Security headers on every response, CORS for the JSON API, and trust in a proxy's headers.

The pages need nothing from other sites and run no inline code, so a strict
Content-Security-Policy costs nothing and blunts any injection. Framing is refused
everywhere except the forum widget under /embed, which the sites in
SSEXPLAIN_EMBED_ORIGINS may frame. Cross-origin JavaScript may call the JSON API only from
the exact origins in SSEXPLAIN_CORS_ORIGINS; with none set, browsers keep it same-origin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask, Request, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ssexplain.errors import SsexplainError

BASE_POLICY = (
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
HSTS = "max-age=31536000"
CORS_PATHS = ("/api/", "/oembed")
CORS_MAX_AGE = "600"

# A CSP frame-ancestors source: *, 'self', a scheme ("https:"), or scheme://host[:port] with
# an optional leading *. for subdomains. Nothing that could end the directive early.
FRAME_SOURCE = re.compile(r"^(\*|'self'|'none'|[a-z][a-z0-9+.-]*:|[a-z][a-z0-9+.-]*://(\*\.)?[a-z0-9.-]+(:\d+)?)$")
EXACT_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d+)?$")


class BadSecuritySetting(SsexplainError):
    """An origin list in the environment that would make a broken or unsafe header."""


@dataclass(frozen=True)
class HeaderPolicy:
    """The fixed header values, worked out once at start-up."""

    embed_origins: tuple[str, ...] = ("*",)
    cors_origins: frozenset[str] = frozenset()
    https: bool = False

    def csp(self, path: str) -> str:
        ancestors = " ".join(self.embed_origins) if is_embed(path) else "'self'"
        return "; ".join((*BASE_POLICY, f"frame-ancestors {ancestors}"))


def is_embed(path: str) -> bool:
    return path == "/embed" or path.startswith("/embed/")


def embed_origins(raw: str) -> tuple[str, ...]:
    """SSEXPLAIN_EMBED_ORIGINS: space-separated CSP sources; empty means any site (*)."""
    origins = tuple(raw.split()) or ("*",)
    bad = [o for o in origins if not FRAME_SOURCE.match(o.lower())]
    if bad:
        raise BadSecuritySetting(
            f"SSEXPLAIN_EMBED_ORIGINS has {' '.join(bad)!r}: list sites like 'https://forum.example.org', "
            "separated by spaces, or '*' for any site"
        )
    return origins


def cors_origins(raw: str) -> frozenset[str]:
    """SSEXPLAIN_CORS_ORIGINS: exact origins, separated by spaces or commas; empty means off."""
    origins = [o.strip().rstrip("/").lower() for o in re.split(r"[\s,]+", raw) if o.strip()]
    bad = [o for o in origins if not EXACT_ORIGIN.match(o)]
    if bad:
        raise BadSecuritySetting(
            f"SSEXPLAIN_CORS_ORIGINS has {' '.join(bad)!r}: list exact origins like 'https://forum.example.org' "
            "(scheme and host, no path, no wildcard)"
        )
    return frozenset(origins)


def proxy_count(raw: str) -> int:
    """SSEXPLAIN_PROXIES: how many proxies in front of the app add X-Forwarded-* headers."""
    if raw.strip() and not raw.strip().isdigit():
        raise BadSecuritySetting(f"SSEXPLAIN_PROXIES must be a whole number of proxies (0 for none), not {raw!r}")
    return int(raw.strip() or 0)


def add_security_headers(response: Response, policy: HeaderPolicy, path: str) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = policy.csp(path)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not is_embed(path):
        # For browsers too old to know frame-ancestors.
        headers["X-Frame-Options"] = "SAMEORIGIN"
    if policy.https:
        headers["Strict-Transport-Security"] = HSTS


def add_cors_headers(response: Response, policy: HeaderPolicy, req: Request) -> None:
    """Let an allowed origin's JavaScript read the API, and answer its preflight."""
    if not policy.cors_origins or not req.path.startswith(CORS_PATHS):
        return
    response.vary.add("Origin")
    origin = req.headers.get("Origin", "")
    if origin not in policy.cors_origins:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    if req.method == "OPTIONS" and req.headers.get("Access-Control-Request-Method"):
        allowed = response.headers.get("Allow", "GET, HEAD, OPTIONS")
        response.headers["Access-Control-Allow-Methods"] = allowed
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE


def install(app: Flask) -> None:
    """Trust SSEXPLAIN_PROXIES proxies, and add the headers to every response."""
    proxies = proxy_count(str(app.config["PROXIES"]))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    policy = HeaderPolicy(
        embed_origins=embed_origins(app.config["EMBED_ORIGINS"]),
        cors_origins=cors_origins(app.config["CORS_ORIGINS"]),
        https=bool(app.config["HTTPS"]),
    )
    app.extensions["ssexplain_headers"] = policy

    @app.after_request
    def secure(response: Response) -> Response:
        add_security_headers(response, policy, request.path)
        add_cors_headers(response, policy, request)
        return response
