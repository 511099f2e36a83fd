"""Security headers on every response, framing rules, HSTS and CORS."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from ssexplain.web import create_app
from ssexplain.web.security import BadSecuritySetting, cors_origins, embed_origins

FORUM = "https://forum.example.org"


def csp_directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("GET", "/", {}),
        ("GET", "/ask?q=what+is+superficial+siderosis", {}),
        ("GET", "/embed", {}),
        ("GET", "/api/passages", {}),
        ("POST", "/api/ask", {"json": {"question": "what causes it?"}}),
        ("POST", "/api/ask", {"data": "not json"}),  # a 415 error
        ("GET", "/healthz", {}),
        ("GET", "/api/openapi.json", {}),
        ("GET", "/no-such-page", {}),  # a 404 page
        ("GET", "/static/site.css", {}),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, kwargs):
    response = client.open(path, method=method, **kwargs)
    headers = response.headers
    policy = csp_directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert {"camera=()", "microphone=()", "geolocation=()"} <= {
        p.strip() for p in headers["Permissions-Policy"].split(",")
    }
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize(
    "path, ancestors, frame_options",
    [
        ("/", "'self'", "SAMEORIGIN"),
        ("/ask?q=what+causes+it", "'self'", "SAMEORIGIN"),
        ("/checklist", "'self'", "SAMEORIGIN"),
        ("/api/passages", "'self'", "SAMEORIGIN"),
        ("/embed.js", "'self'", "SAMEORIGIN"),  # the script, not the widget
        ("/embedded", "'self'", "SAMEORIGIN"),  # only /embed and below
        ("/embed", "*", None),
        ("/embed?q=what+causes+it", "*", None),
        ("/embed/anything-below", "*", None),
    ],
)
def test_only_the_widget_may_be_framed_by_other_sites(client, path, ancestors, frame_options):
    headers = client.get(path).headers
    assert csp_directives(headers["Content-Security-Policy"])["frame-ancestors"] == ancestors
    assert headers.get("X-Frame-Options") == frame_options


def test_embed_origins_setting_lists_the_sites_that_may_frame_the_widget(engine):
    app = create_app({"TESTING": True, "ENGINE": engine, "EMBED_ORIGINS": f"{FORUM}  https://*.example.net"})
    client = app.test_client()
    widget = csp_directives(client.get("/embed").headers["Content-Security-Policy"])
    page = csp_directives(client.get("/").headers["Content-Security-Policy"])
    assert widget["frame-ancestors"] == f"{FORUM} https://*.example.net"
    assert page["frame-ancestors"] == "'self'"


@pytest.mark.parametrize("setting, sends_hsts", [(True, True), (False, False)])
def test_hsts_only_when_served_over_https(engine, setting, sends_hsts):
    app = create_app({"TESTING": True, "ENGINE": engine, "HTTPS": setting})
    headers = app.test_client().get("/").headers
    assert ("Strict-Transport-Security" in headers) is sends_hsts
    if sends_hsts:
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    "raw",
    [
        "https://forum.example.org; script-src *",  # would add a directive
        "'unsafe-inline'",
        "https://forum.example.org,https://other.example",  # commas are not CSP separators
        "forum.example.org/path",
    ],
)
def test_embed_origins_that_would_break_the_policy_are_refused(raw):
    with pytest.raises(BadSecuritySetting, match="SSEXPLAIN_EMBED_ORIGINS"):
        embed_origins(raw)


@pytest.mark.parametrize("raw", ["*", "https://forum.example.org/path", "forum.example.org", "ftp://x.example"])
def test_cors_origins_must_be_exact(raw):
    with pytest.raises(BadSecuritySetting, match="SSEXPLAIN_CORS_ORIGINS"):
        cors_origins(raw)


def test_cors_origins_accept_spaces_commas_and_a_trailing_slash():
    assert cors_origins("https://A.example.org/, https://b.example.org:8443  http://c.example") == {
        "https://a.example.org", "https://b.example.org:8443", "http://c.example",
    }


@pytest.fixture()
def cors_client(engine):
    return create_app({"TESTING": True, "ENGINE": engine, "CORS_ORIGINS": f"{FORUM} https://bot.example.com"}).test_client()


def test_cors_is_off_by_default(client):
    response = client.post("/api/ask", json={"question": "what causes it?"}, headers={"Origin": FORUM})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "origin, allowed",
    [(FORUM, True), ("https://bot.example.com", True), ("https://evil.example", False),
     ("https://forum.example.org.evil.example", False), ("http://forum.example.org", False)],
)
def test_cors_allows_exactly_the_listed_origins(cors_client, origin, allowed):
    response = cors_client.post("/api/ask", json={"question": "what causes it?"}, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert "Origin" in response.headers["Vary"]


def test_cors_preflight_for_ask_is_answered_for_an_allowed_origin(cors_client):
    response = cors_client.options(
        "/api/ask",
        headers={"Origin": FORUM, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FORUM
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_cors_preflight_from_another_origin_gets_no_permission(cors_client):
    response = cors_client.options(
        "/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_cors_never_opens_the_html_pages(cors_client):
    response = cors_client.get("/", headers={"Origin": FORUM})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_rate_limited_reply_tells_an_allowed_origin_when_to_retry(engine):
    app = create_app({"TESTING": True, "ENGINE": engine, "CORS_ORIGINS": FORUM, "RATE_LIMIT": "1 per minute"})
    client = app.test_client()
    client.post("/api/ask", json={"question": "what causes it?"}, headers={"Origin": FORUM})
    limited = client.post("/api/ask", json={"question": "what causes it?"}, headers={"Origin": FORUM})
    assert limited.status_code == 429
    assert limited.headers["Access-Control-Allow-Origin"] == FORUM
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]


# ---------------------------------------------------------------- in a real browser


@pytest.fixture()
def other_site():
    """A page on another origin that frames the chat page and the widget."""
    state: dict[str, str] = {}

    def host_page(environ, start_response):
        html = (
            "<!doctype html><title>forum</title>"
            f'<iframe id="widget" src="{state["app"]}/embed"></iframe>'
            f'<iframe id="page" src="{state["app"]}/"></iframe>'
        )
        return Response(html, mimetype="text/html")(environ, start_response)

    server = make_server("127.0.0.1", 0, host_page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
def test_another_site_can_frame_the_widget_but_not_the_chat_page(page, live_server, other_site):
    state, host = other_site
    state["app"] = live_server  # another port: another origin than the host page
    page.goto(host + "/")
    page.wait_for_load_state("load")
    frames = {frame.url: frame for frame in page.frames if frame != page.main_frame}
    widget = next(f for url, f in frames.items() if url.endswith("/embed"))
    assert widget.locator("form").count() >= 1  # the widget loaded inside the frame
    assert not any(url == state["app"] + "/" for url in frames)  # Chromium refused to show the chat page


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/ask?q=what+causes+superficial+siderosis", "/embed", "/checklist"])
def test_pages_work_under_the_strict_policy_with_no_violations(page, live_server, path):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    response = page.goto(live_server + path)
    page.wait_for_load_state("load")
    assert response is not None and response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations == []
    # The stylesheet applied: the page is laid out by site.css, not by browser defaults.
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 18
