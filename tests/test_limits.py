"""Rate limits: which requests count, per client, the 429 reply, Redis sharing, proxies."""
from __future__ import annotations

import logging
import random
import string
import time

import pytest
from markupsafe import escape

from servers import RedisServer, free_port
from ssexplain.engine import Engine
from ssexplain.web import create_app
from ssexplain.web.limits import BadLimitSetting, check_limit, check_storage

QUESTION = "what causes superficial siderosis?"
CHECKLIST_PDF = "/checklist/questions.pdf?item=hearing"

# (method, path, request options): every request that makes an answer or a PDF.
ANSWER_REQUESTS = [
    ("POST", "/api/ask", {"json": {"question": QUESTION}}),
    ("GET", "/ask?q=what+causes+superficial+siderosis", {}),
    ("POST", "/ask", {"data": {"q": QUESTION}}),
    ("GET", "/embed?q=what+causes+superficial+siderosis", {}),
    ("GET", CHECKLIST_PDF, {}),
]
FREE_REQUESTS = [
    ("GET", "/", {}),
    ("GET", "/embed", {}),
    ("GET", "/embed.js", {}),
    ("GET", "/api/passages", {}),
    ("GET", "/healthz", {}),
    ("GET", "/readyz", {}),
    ("GET", "/checklist", {}),
    ("GET", "/api/openapi.json", {}),
    ("OPTIONS", "/api/ask", {}),
]


def limited_app(engine, limit: str = "2 per minute", **config):
    return create_app({"TESTING": True, "ENGINE": engine, "RATE_LIMIT": limit, **config})


def send(client, method, path, options, address="192.0.2.10", **extra):
    return client.open(path, method=method, environ_base={"REMOTE_ADDR": address}, **options, **extra)


def test_the_default_is_30_answers_a_minute_then_a_json_429(engine):
    client = limited_app(engine, check_limit("")).test_client()
    statuses = [send(client, "POST", "/api/ask", {"json": {"question": QUESTION}}).status_code for _ in range(30)]
    assert statuses == [200] * 30
    refused = send(client, "POST", "/api/ask", {"json": {"question": QUESTION}})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "wait" in refused.get_json()["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("method, path, options", ANSWER_REQUESTS)
def test_each_answer_route_is_limited(engine, method, path, options):
    client = limited_app(engine).test_client()
    assert [send(client, method, path, options).status_code for _ in range(2)] == [200, 200]
    refused = send(client, method, path, options)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_answer_routes_share_one_count_per_client(engine):
    client = limited_app(engine, "4 per minute").test_client()
    statuses = [send(client, *request).status_code for request in ANSWER_REQUESTS]
    assert statuses == [200, 200, 200, 200, 429]


@pytest.mark.parametrize("method, path, options", FREE_REQUESTS)
def test_pages_and_health_checks_are_never_limited(engine, method, path, options):
    client = limited_app(engine, "1 per minute").test_client()
    statuses = {send(client, method, path, options).status_code for _ in range(5)}
    assert statuses == {200}


def test_off_turns_the_limit_off(engine):
    client = limited_app(engine, "off").test_client()
    statuses = {send(client, "POST", "/api/ask", {"json": {"question": QUESTION}}).status_code for _ in range(40)}
    assert statuses == {200}


def test_each_client_address_has_its_own_count(engine):
    client = limited_app(engine, "1 per minute").test_client()
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    assert send(client, *ask, address="192.0.2.1").status_code == 200
    assert send(client, *ask, address="192.0.2.1").status_code == 429
    assert send(client, *ask, address="192.0.2.2").status_code == 200


def test_a_person_who_asks_too_fast_gets_a_plain_page_that_says_when_to_retry(engine):
    client = limited_app(engine, "1 per minute").test_client()
    send(client, "GET", "/ask?q=what+causes+it", {})
    page = send(client, "GET", "/ask?q=what+causes+it", {}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Too many questions" in html
    assert f"wait {page.headers['Retry-After']} seconds" in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    "proxies, forwarded, separate",
    [
        (1, ["198.51.100.1", "198.51.100.2"], True),  # behind one proxy: its X-Forwarded-For names the client
        (0, ["198.51.100.1", "198.51.100.2"], False),  # no proxy: a forged header changes nothing
    ],
)
def test_proxies_setting_decides_whose_address_counts(engine, proxies, forwarded, separate):
    client = limited_app(engine, "1 per minute", PROXIES=proxies).test_client()
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    first = send(client, *ask, headers={"X-Forwarded-For": forwarded[0]})
    second = send(client, *ask, headers={"X-Forwarded-For": forwarded[1]})
    assert first.status_code == 200
    assert second.status_code == (200 if separate else 429)


def test_two_app_instances_with_memory_storage_count_apart(engine):
    """The contrast for the Redis test below: without shared storage, each host counts alone."""
    one, two = (limited_app(engine, "1 per minute").test_client() for _ in range(2))
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    assert send(one, *ask).status_code == 200
    assert send(two, *ask).status_code == 200


@pytest.fixture()
def redis_server():
    with RedisServer() as server:
        yield server


def test_two_app_instances_share_one_limit_through_redis(engine, redis_server):
    one, two = (
        limited_app(engine, "3 per minute", RATELIMIT_STORAGE=redis_server.url).test_client() for _ in range(2)
    )
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    assert send(one, *ask).status_code == 200
    assert send(two, *ask).status_code == 200
    assert send(one, *ask).status_code == 200
    refused = send(two, *ask)  # the fourth answer, though only the second on this instance
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert send(one, *ask).status_code == 429
    assert send(two, *ask, address="192.0.2.99").status_code == 200  # another client is not affected


def test_the_site_keeps_answering_when_redis_is_down(engine):
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    client = limited_app(engine, "2 per minute", RATELIMIT_STORAGE=nobody_listens).test_client()
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    # Counting falls back to memory, so the limit still holds.
    assert [send(client, *ask).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("raw", ["lots", "30 per fortnight", "-1/minute"])
def test_a_bad_rate_limit_setting_is_refused_with_its_name(raw):
    with pytest.raises(BadLimitSetting, match="SSEXPLAIN_RATE_LIMIT"):
        check_limit(raw)


@pytest.mark.parametrize("raw, expected", [("", "30 per minute"), ("OFF", "off"), ("100/hour", "100/hour")])
def test_rate_limit_settings_that_work(raw, expected):
    assert check_limit(raw) == expected


@pytest.mark.parametrize("raw", ["mysql://db", "localhost:6379"])
def test_a_storage_that_is_not_redis_is_refused(raw):
    with pytest.raises(BadLimitSetting, match="SSEXPLAIN_RATELIMIT_STORAGE"):
        check_storage(raw)


# ---------------------------------------------------------------- Redis going away and coming back


def storage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "ssexplain" and r.levelno == logging.WARNING and "rate-limit storage" in r.getMessage()]


def test_redis_dying_mid_run_is_logged_once_answers_go_on_and_its_return_is_logged_once(engine, caplog):
    ask = ("POST", "/api/ask", {"json": {"question": QUESTION}})
    with RedisServer() as first:
        port = first.port
        client = limited_app(engine, "100 per minute", RATELIMIT_STORAGE=first.url).test_client()
        with caplog.at_level(logging.INFO, logger="ssexplain"):
            assert send(client, *ask).status_code == 200
            assert storage_warnings(caplog) == []
    # Redis has stopped: answers go on (counted in memory), and one warning says so.
    with caplog.at_level(logging.INFO, logger="ssexplain"):
        assert [send(client, *ask).status_code for _ in range(4)] == [200] * 4
    gone = storage_warnings(caplog)
    assert len(gone) == 1 and "unreachable" in gone[0]
    with RedisServer(port=port):
        give_up = time.monotonic() + 20
        with caplog.at_level(logging.INFO, logger="ssexplain"):
            while len(storage_warnings(caplog)) < 2 and time.monotonic() < give_up:
                assert send(client, *ask).status_code == 200
                time.sleep(0.25)
            for _ in range(3):
                send(client, *ask)
    warnings = storage_warnings(caplog)
    assert len(warnings) == 2, warnings
    assert "reachable again" in warnings[1]


# ---------------------------------------------------------------- bounded work per request


def fresh_engine(engine) -> Engine:
    return Engine(content=engine.content, retriever=engine.retriever, encoder=engine.encoder, triager=engine.triager)


def random_words(rnd: random.Random, chars: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9))))
    return " ".join(words)[:chars].strip()


def test_a_no_javascript_thread_answers_only_its_newest_question(engine):
    """Ten earlier questions in h fields cost no search: the page links to their answers."""
    mine = fresh_engine(engine)
    client = create_app({"TESTING": True, "ENGINE": mine}).test_client()
    rnd = random.Random(13)
    earlier = [random_words(rnd, 120) for _ in range(10)]
    response = client.post("/ask", data={"h": earlier, "q": QUESTION})
    assert response.status_code == 200
    stats = mine.cache.stats()
    assert stats.misses == 1, stats  # the newest question only
    html = response.get_data(as_text=True)
    assert html.count("See the answer to this question") == 10
    for question in earlier:
        assert str(escape(question)) in html


def test_an_earlier_question_still_in_memory_is_shown_with_its_answer(engine):
    mine = fresh_engine(engine)
    client = create_app({"TESTING": True, "ENGINE": mine}).test_client()
    first = mine.ask(QUESTION)
    response = client.post("/ask", data={"h": [QUESTION], "q": "is there a treatment?"})
    html = response.get_data(as_text=True)
    assert str(escape(first.citations[0].quote)) in html
    assert "See the answer to this question" not in html
    assert mine.cache.stats().hits >= 1


def test_a_long_thread_counts_as_one_answer_because_it_costs_one(engine):
    mine = fresh_engine(engine)
    client = limited_app(mine, "2 per minute").test_client()
    rnd = random.Random(5)
    thread = {"h": [random_words(rnd, 200) for _ in range(10)], "q": QUESTION}
    assert [send(client, "POST", "/ask", {"data": thread}).status_code for _ in range(2)] == [200, 200]
    assert send(client, "POST", "/ask", {"data": thread}).status_code == 429
    assert mine.cache.stats().misses == 1  # one answer made in all: one count per request is honest


class SlowEngine:
    """An engine whose search takes longer than the time budget."""

    def __init__(self, engine) -> None:
        self.content = engine.content
        self._engine = engine

    def ask(self, question, *, history=None):
        time.sleep(0.6)
        return self._engine.ask(question, history=history)

    def remembered(self, question, *, history=None):
        return None


@pytest.mark.parametrize(
    "method, path, options, kind",
    [
        ("POST", "/api/ask", {"json": {"question": QUESTION}}, "application/json"),
        ("GET", "/ask?q=what+causes+it", {}, "text/html"),
        ("POST", "/ask", {"data": {"q": QUESTION, "h": ["what is it?"]}}, "text/html"),
        ("GET", "/embed?q=what+causes+it", {}, "text/html"),
    ],
)
def test_an_answer_over_the_time_budget_is_a_clean_429_not_a_5xx(engine, method, path, options, kind):
    client = create_app({"TESTING": True, "ENGINE": SlowEngine(engine), "REQUEST_BUDGET": 0.2}).test_client()
    started = time.perf_counter()
    response = client.open(path, method=method, **options)
    waited = time.perf_counter() - started
    assert response.status_code == 429
    assert response.mimetype == kind
    assert int(response.headers["Retry-After"]) >= 1
    assert waited < 0.5  # the reply did not wait for the slow answer
    if kind == "application/json":
        assert response.get_json()["error"]["code"] == "busy"
    else:
        assert "try again" in response.get_data(as_text=True)
