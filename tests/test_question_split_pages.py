"""A 3,000-character story on the pages: a multi-line box to type or paste it into, its
questions answered part by part, and a link to the answer that a server will take (a long
story URL-encodes to about three times its length). The stories here are this file's own."""
from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from page_fields import question_box
from servers import Gunicorn
from ssexplain.web.api import MAX_LINK

LINE_LIMIT = 8190  # gunicorn's ceiling for a request line, which gunicorn.conf.py sets

STORY = (
    "My mother is 71 and was told she has superficial siderosis last year, after a long time of "
    "nobody knowing why she was so unsteady. She lives alone in a flat on the second floor and "
    "still does her own shopping, but she walks with her feet wide apart and holds on to the "
    "rail on the stairs with both hands. Her hearing has been going for about ten years and she "
    "now has hearing aids in both ears, which help in a quiet room but not in a café or on the "
    "phone. The neurologist said the scans show iron on the surface of the brain and that the "
    "cause was probably an operation on her back in her forties. We were given a leaflet but it "
    "was written for doctors, and my brother and I have been trying to make sense of it. "
)


def long_story(length: int = 3000) -> str:
    """A story of about `length` characters that ends in two questions."""
    questions = (" I have two questions. Is there anything that can help her balance and walking? "
                 "And will her hearing keep getting worse over time?")
    body = STORY
    while len(body) + len(questions) < length:
        body += STORY
    return (body[:length - len(questions)].rsplit(". ", 1)[0] + "." + questions)


@pytest.fixture(autouse=True)
def roomy_budget(app):
    """What a long message gets, not how fast (bench/ does that)."""
    app.config["REQUEST_BUDGET"] = 120.0


def test_the_question_box_is_a_labelled_textarea_that_takes_a_whole_story(client):
    html = client.get("/").get_data(as_text=True)
    assert '<label class="ask-label" for="q">' in html
    box = html.split('<textarea class="ask-input" id="q" name="q"', 1)[1].split(">", 1)[0]
    assert 'rows="3"' in box and "maxlength" not in box  # no silent cut of a pasted story
    assert '<input class="ask-input"' not in html


def test_a_3000_character_story_on_the_no_javascript_page_gets_a_part_per_question(client, engine):
    story = long_story()
    assert 2900 <= len(story) <= 3000
    html = client.post("/ask", data={"q": story}).get_data(as_text=True)
    reply = engine.ask(story)
    assert [p.question for p in reply.parts] == [
        "Is there anything that can help her balance and walking?",
        "And will her hearing keep getting worse over time?",
    ]
    for n, part in enumerate(reply.parts, start=1):
        assert f'<h4 class="part-question" id="latest-part-{n}-q"><span class="you-asked">Your question:</span> ' \
               f'{escape(part.question)}</h4>' in html
        assert part.reply.citations, "each question has its own evidence"


def test_a_too_long_story_stays_in_the_box_with_its_line_breaks(client):
    story = "First line of my story.\nSecond line.\n" + "x" * 4100 + "?"
    response = client.post("/ask", data={"q": story})
    assert response.status_code == 400
    assert question_box(response.get_data(as_text=True)) == story


def test_the_link_to_a_long_story_fits_a_request_line_and_shows_its_questions(client):
    story = long_story()
    reply = client.post("/api/ask", json={"question": story}).get_json()
    link = reply["permalink"]
    assert len(f"GET {link} HTTP/1.1") <= LINE_LIMIT
    # Encoded whole, the story would not fit: the link asks its questions, without the story.
    assert urlsplit(link).path == "/ask" and len(link) <= MAX_LINK
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for part in reply["parts"]:
        assert f"</span> {escape(part['question'])}</h4>" in html


def test_a_short_question_keeps_its_whole_link(client):
    reply = client.post("/api/ask", json={"question": "what is superficial siderosis?"}).get_json()
    assert reply["permalink"] == "/ask?q=what+is+superficial+siderosis?"


def test_a_story_that_fits_keeps_its_whole_link(client):
    story = long_story(1400)
    reply = client.post("/api/ask", json={"question": story}).get_json()
    assert len(reply["permalink"]) > len(story)  # the story itself, not only its questions


def _request_line_status(port: int, target: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_gunicorn_with_the_repo_config_takes_the_longest_link_made(tmp_path):
    """gunicorn's default request line limit (4,094 bytes) refuses an 8,000-byte link with a
    414 before the app sees it; the repo's config raises it to gunicorn's ceiling."""
    with Gunicorn(workers=1) as server:
        server.start(tmp_path / "gunicorn.log")
        give_up = time.monotonic() + 90
        while True:
            try:
                _request_line_status(server.port, "/healthz")
                break
            except OSError:
                assert time.monotonic() < give_up, server.log()
                time.sleep(0.2)
        link = "/ask?q=" + "why+" * ((MAX_LINK - len("/ask?q=")) // 4)
        assert len(link) > 4094 and len(link) <= MAX_LINK
        assert _request_line_status(server.port, link) in (200, 503)  # answered, or still warming up
        too_long = "/ask?q=" + "a" * LINE_LIMIT
        assert _request_line_status(server.port, too_long) == 414  # the ceiling is still there
        server.stop()


def test_a_link_never_passes_the_limit_even_for_one_huge_question(client):
    question = "ß" * 3990 + " why?"  # one sentence, no parts: each letter is 6 bytes encoded
    reply = client.post("/api/ask", json={"question": question}).get_json()
    assert reply["permalink"].startswith("/ask?q=") and len(reply["permalink"]) <= MAX_LINK
    assert client.get(reply["permalink"]).status_code in (200, 400)  # a page, never a refusal by the server
