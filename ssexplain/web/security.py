"""Security headers on every response, CORS for the JSON API, and trust in a proxy's headers.

The pages need nothing from other sites and run no inline code, so a strict
Content-Security-Policy costs nothing and blunts any injection. Framing is refused
everywhere except the forum widget under /embed, which the sites in
SSEXPLAIN_EMBED_ORIGINS may frame. Cross-origin JavaScript may call the JSON API only from
the exact origins in SSEXPLAIN_CORS_ORIGINS; with none set, browsers keep it same-origin.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request, Response, current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from ssexplain.config import BadSetting, LOCAL_HOSTS, Settings, cors_origins, embed_origins, proxy_count

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

# The parsers live with the other settings (ssexplain/config.py): one message per variable.
BadSecuritySetting = BadSetting
NO_STORE_PATHS = ("/ask", "/api/ask", "/oembed")
# A load balancer probes these by the server's own address; they hold no links.
ANY_HOST_PATHS = ("/healthz", "/readyz")


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


def carries_a_question(path: str) -> bool:
    """Responses that can hold a person's question or its answer: never kept by a cache."""
    return path in NO_STORE_PATHS or is_embed(path) or path.startswith("/checklist/questions")


def public_root() -> str:
    """The site's own address for absolute links: SSEXPLAIN_PUBLIC_URL, else the (trusted) Host."""
    configured = str(current_app.config.get("PUBLIC_URL") or "")
    if configured:
        return configured.rstrip("/")
    if not host_is_trusted(request.host, list(LOCAL_HOSTS)):
        # Only an error page for a refused host gets here: never let that host into a link.
        return "http://localhost"
    return request.host_url.rstrip("/")


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


def trusted_hosts(public_url: str) -> tuple[str, ...]:
    """The Host names this app answers: the public address's host, or only the local names."""
    return Settings(public_url=public_url).trusted_hosts() if public_url else LOCAL_HOSTS


def install(app: Flask) -> None:
    """Trust SSEXPLAIN_PROXIES proxies, refuse other hosts, and add the headers to every response."""
    proxies = proxy_count(str(app.config["PROXIES"]))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    policy = HeaderPolicy(
        embed_origins=embed_origins(app.config["EMBED_ORIGINS"]),
        cors_origins=cors_origins(app.config["CORS_ORIGINS"]),
        https=bool(app.config["HTTPS"]),
    )
    hosts = trusted_hosts(str(app.config.get("PUBLIC_URL") or ""))

    @app.before_request
    def known_host() -> None:
        """A request for another host (Host: evil.example) would put that host in our links."""
        if request.path not in ANY_HOST_PATHS and not host_is_trusted(request.host, list(hosts)):
            raise BadRequest("This site does not answer for that host name.")

    @app.after_request
    def secure(response: Response) -> Response:
        add_security_headers(response, policy, request.path)
        add_cors_headers(response, policy, request)
        if carries_a_question(request.path):
            response.headers["Cache-Control"] = "no-store"
        return response
