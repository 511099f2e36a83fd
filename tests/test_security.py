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


# ---------------------------------------------------------------- trusted host and no-store

EVIL = "evil.example"
PUBLIC = "https://explain.example.org"


@pytest.mark.parametrize(
    "path",
    ["/", "/ask?q=what+causes+it", "/embed?q=what+causes+it", "/checklist/questions?item=hearing",
     "/oembed?url=http%3A%2F%2Fevil.example%2Fask%3Fq%3Dwhat", "/api/passages"],
)
def test_a_request_for_another_host_is_a_400_that_names_no_host(client, path):
    response = client.get(path, headers={"Host": EVIL})
    assert response.status_code == 400
    assert EVIL not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:8080"])
def test_by_default_the_local_names_are_answered_as_make_run_needs(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


def test_health_checks_answer_a_load_balancer_that_uses_the_servers_own_address(client):
    assert client.get("/healthz", headers={"Host": "10.0.0.5:5000"}).status_code == 200


@pytest.fixture()
def public_client(engine):
    return create_app({"TESTING": True, "ENGINE": engine, "PUBLIC_URL": PUBLIC}).test_client()


def test_with_a_public_url_only_its_host_is_answered(public_client):
    assert public_client.get("/", headers={"Host": "explain.example.org"}).status_code == 200
    assert public_client.get("/", headers={"Host": "localhost"}).status_code == 400
    assert public_client.get("/", headers={"Host": EVIL}).status_code == 400


def test_every_absolute_link_uses_the_public_url(public_client):
    """oEmbed, OpenGraph, the checklist share link and the PDF's links: never the Host header."""
    host = {"Host": "explain.example.org"}
    oembed = public_client.get("/oembed?url=" + PUBLIC + "/ask%3Fq%3Dwhat+causes+it", headers=host).get_json()
    assert f'src="{PUBLIC}/embed?q=what+causes+it"' in oembed["html"]
    assert oembed["provider_url"] == PUBLIC + "/"
    page = public_client.get("/ask?q=what+causes+it", headers=host).get_data(as_text=True)
    assert f'content="{PUBLIC}/ask?q=what+causes+it"' in page
    share = public_client.get("/checklist/questions?item=hearing", headers=host).get_data(as_text=True)
    assert f"{PUBLIC}/checklist/questions" in share
    # Served as http behind a proxy: the links still say the public https address.
    assert "http://explain.example.org" not in page + share + oembed["html"]


def test_the_pdf_links_use_the_public_url(public_client):
    pdf = public_client.get("/checklist/questions.pdf?item=hearing", headers={"Host": "explain.example.org"})
    assert pdf.status_code == 200
    from pypdf import PdfReader
    import io

    links = [a["/A"]["/URI"] for page in PdfReader(io.BytesIO(pdf.data)).pages
             for a in (x.get_object() for x in page.get("/Annots") or []) if "/A" in a]
    assert links and all(link.startswith(PUBLIC) for link in links)


@pytest.mark.parametrize(
    "method, path, options",
    [
        ("GET", "/ask?q=what+causes+it", {}),
        ("POST", "/ask", {"data": {"q": "what causes it?"}}),
        ("GET", "/embed?q=what+causes+it", {}),
        ("GET", "/embed", {}),
        ("POST", "/api/ask", {"json": {"question": "what causes it?"}}),
        ("POST", "/api/ask", {"json": {"question": ""}}),  # a 400 that echoes nothing, still not kept
        ("GET", "/oembed?url=http%3A%2F%2Flocalhost%2Fask%3Fq%3Dwhat", {}),
        ("GET", "/checklist/questions?item=hearing&own=my+own+note", {}),
    ],
)
def test_responses_that_carry_a_question_or_answer_are_never_stored(client, method, path, options):
    assert client.open(path, method=method, **options).headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", ["/", "/topics", "/static/site.css", "/embed.js", "/glossary.json"])
def test_pages_without_a_question_may_be_cached(client, path):
    assert "no-store" not in (client.get(path).headers.get("Cache-Control") or "")


# ---------------------------------------------------------------- fuzzing the HTML routes

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", " ", "\x00", "%", "%22", "?q=", "<script>", "\u202e", "what causes it?", "x" * 600]
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(["/ask", "/embed", "/checklist/questions", "/oembed", "/"]),
    method=st.sampled_from(["GET", "POST"]),
    q=st.none() | ANY_TEXT,
    history=st.lists(ANY_TEXT, max_size=4),
    extra=st.dictionaries(st.sampled_from(["item", "own", "url", "maxwidth", "format", "h"]), ANY_TEXT, max_size=3),
)
def test_html_routes_never_fail_whatever_is_sent(client, route, method, q, history, extra):
    fields: list[tuple[str, str]] = [("h", h) for h in history] + list(extra.items())
    if q is not None:
        fields.append(("q", q))
    if method == "GET":
        response = client.get(route, query_string=MultiDict(fields))
    else:
        response = client.post(route, data=MultiDict(fields))
    spec_501 = route == "/oembed" and response.status_code == 501  # oEmbed's answer to format=xml
    assert response.status_code < 500 or spec_501, (route, method, fields, response.status_code)
    if response.status_code == 200 and route in ("/ask", "/embed"):
        assert response.headers["Cache-Control"] == "no-store"
