"""Logs keep what helps run the service and never what a person asked."""
from __future__ import annotations

import logging
import re
import socket
import threading
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from servers import Gunicorn, http
from ssexplain.reply.validation import MAX_QUESTION_CHARS
from ssexplain.web import create_app
from ssexplain.web.logging_setup import redact_request_text

# Words no log line may ever hold: each is part of a question or a person's own note.
SECRET_WORDS = ("Philomena", "Zanzibar", "1987", "Bartholomew")
QUESTION = "Could my aunt Philomena in Zanzibar have superficial siderosis from her 1987 spine surgery?"
FOLLOW_UP = "and how would Bartholomew treat it?"


def requests_that_carry_questions() -> list[tuple[str, str, dict]]:
    q = urllib.parse.quote_plus(QUESTION)
    return [
        ("POST", "/api/ask", {"json": {"question": QUESTION}}),
        ("POST", "/api/ask", {"json": {"question": FOLLOW_UP, "history": [QUESTION]}}),
        ("POST", "/api/ask", {"json": {"question": QUESTION * (MAX_QUESTION_CHARS // len(QUESTION) + 1)}}),  # a 400
        ("GET", f"/ask?q={q}", {}),
        ("POST", "/ask", {"data": {"q": FOLLOW_UP, "h": QUESTION}}),
        ("GET", f"/embed?q={q}", {}),
        ("GET", f"/checklist/questions?item=hearing&own={urllib.parse.quote_plus(FOLLOW_UP)}", {}),
        ("GET", f"/checklist/questions.pdf?item=hearing&own={urllib.parse.quote_plus(FOLLOW_UP)}", {}),
        ("GET", f"/oembed?url={urllib.parse.quote_plus('http://localhost/ask?q=' + q)}", {}),
        ("GET", f"/no-such-page?q={q}", {}),
    ]


def assert_private(text: str) -> None:
    leaked = [word for word in SECRET_WORDS if word.lower() in text.lower()]
    assert not leaked, f"question text in the log: {leaked}\n{text}"


def test_app_log_of_real_requests_holds_no_question_text(client, caplog):
    with caplog.at_level(logging.DEBUG):
        statuses = [client.open(path, method=m, **kw).status_code for m, path, kw in requests_that_carry_questions()]
    assert statuses[:2] == [200, 200] and statuses[2] == 400
    assert caplog.records, "the requests were logged"
    assert_private(caplog.text)


@pytest.mark.parametrize(
    "method, path, options, expected",
    [
        ("POST", "/api/ask", {"json": {"question": QUESTION}},
         r"route=/api/ask status=200 latency_ms=[\d.]+ reply=\w+ top_score=0\.\d{3} citations=\d"),
        ("GET", "/ask?q=what+causes+superficial+siderosis", {},
         r"route=/ask status=200 latency_ms=[\d.]+ reply=answered top_score=0\.\d{3} citations=[1-9]"),
        ("POST", "/api/ask", {"json": {"question": ""}}, r"route=/api/ask status=400 latency_ms=[\d.]+$"),
        ("GET", "/api/passages/no-such-passage", {},
         r"route=/api/passages/<passage_id> status=404 latency_ms=[\d.]+$"),
        ("GET", "/nowhere?q=secret", {}, r"route=\(no route\) status=404 latency_ms=[\d.]+$"),
    ],
)
def test_each_request_logs_route_status_latency_and_answer_figures(client, caplog, method, path, options, expected):
    with caplog.at_level(logging.INFO, logger="ssexplain"):
        client.open(path, method=method, **options)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("request ")]
    assert len(lines) == 1
    assert re.search(expected, lines[0]), lines[0]


def test_health_checks_do_not_fill_the_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="ssexplain"):
        client.get("/healthz")
        client.get("/readyz")
    assert not [r for r in caplog.records if r.getMessage().startswith("request ")]


# Raw request lines as a careless or hostile client sends them: unencoded spaces, a quote
# (%22, which the dev server decodes before logging), a question in the path itself.
RAW_REQUEST_LINES = (
    f"GET /ask?q={QUESTION} HTTP/1.1",
    "GET /ask?q=%22iron%22+doing+to+my+aunt+Philomena+in+Zanzibar HTTP/1.1",
    "GET /ask%22Philomena%22?q=Zanzibar HTTP/1.1",
    "GET /Philomena in Zanzibar HTTP/1.1",
    f"POST /api/ask?{QUESTION} HTTP/1.1",
    "Philomena Zanzibar 1987 HTTP/1.1",
    "GET /ask?q=Bartholomew HTTP/9.9",
    f"GET /ask?q={urllib.parse.quote_plus(QUESTION)} HTTP/1.1",
)


def send_raw(port: int, line: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(line.encode() + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    return reply


def test_development_server_logs_no_question_text_even_for_raw_or_quoted_request_lines(engine, caplog):
    """What `make dev` (werkzeug's server) writes, for well-formed and malformed requests."""
    app = create_app({"TESTING": True, "ENGINE": engine})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            replies = [send_raw(server.server_port, line) for line in RAW_REQUEST_LINES]
    finally:
        server.shutdown()
    assert sum(reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.0 400") for reply in replies) >= 3
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET /ask… HTTP/1.1" 200' in line for line in lines), lines  # still says what was asked for
    assert any(" 400 " in line or "code 400" in line for line in lines), lines  # and that some were refused
    assert_private("\n".join(lines))


@pytest.mark.parametrize(
    "line, kept",
    [
        ('127.0.0.1 - - [02/Dec/2026 02:46:00] "GET /ask"iron"+doing+to+my+aunt HTTP/1.1" 200 -',
         '127.0.0.1 - - [02/Dec/2026 02:46:00] "GET /ask… HTTP/1.1" 200 -'),
        ("code 400, message Bad request syntax ('GET /ask?q=my aunt HTTP/1.1')",
         "code 400, message Bad request syntax ('GET /ask… HTTP/1.1')"),
        ("code 400, message Bad request syntax ('GET /my aunt HTTP/1.1')",
         "code 400, message Bad request syntax ('GET … HTTP/1.1')"),
        ("code 400, message Bad request version ('aunt')", "code 400, message Bad request version ('…')"),
        ("WHERE IS MY AUNT HTTP/1.1", "(method) … HTTP/1.1"),
        ('"GET /static/site.css HTTP/1.1" 304 -', '"GET /static/site.css HTTP/1.1" 304 -'),
    ],
)
def test_request_lines_are_cut_to_method_path_and_version(line, kept):
    assert redact_request_text(line) == kept


@pytest.mark.slow
def test_gunicorn_logs_of_real_requests_hold_no_question_text(tmp_path):
    with Gunicorn().start(tmp_path / "gunicorn.log") as server:
        server.wait_until("/readyz", 200)
        for method, path, options in requests_that_carry_questions():
            if "data" in options:
                continue  # urllib sends JSON bodies only; the form post is covered in-process
            reply = http(server.url + path, method=method, body=options.get("json"))
            assert reply.status < 500, (path, reply.status)
        exit_code = server.stop()
    log = server.log()
    assert exit_code == 0
    assert_private(log)
    access = [line for line in log.splitlines() if re.search(r'"(GET|POST) /', line)]
    assert any('"POST /api/ask" 200' in line for line in access), log
    assert not any("?" in line for line in access)  # no query strings at all
    assert re.search(r"request method=POST route=/api/ask status=200 latency_ms=[\d.]+ reply=\w+ "
                     r"top_score=0\.\d{3} citations=\d", log)
    assert "127.0.0.1" not in "\n".join(access)  # no client address in the access log


@pytest.mark.slow
def test_gunicorn_logs_no_question_text_for_malformed_request_lines(tmp_path):
    """gunicorn's error log names a bad request line raw ("Invalid request from ip=…: …")."""
    with Gunicorn().start(tmp_path / "gunicorn.log") as server:
        server.wait_until("/readyz", 200)
        replies = [send_raw(server.port, line) for line in RAW_REQUEST_LINES]
        exit_code = server.stop()
    log = server.log()
    assert exit_code == 0
    assert any(reply.startswith(b"HTTP/1.1 400") for reply in replies), replies
    assert "Invalid request: " in log  # the kind of error is kept for whoever runs the site
    assert_private(log)
