"""Latency figures: the encode + FAISS floor, the answer cache, and POST /api/ask over HTTP.

The floor is what no answer can beat: embedding the question and searching the index,
nothing else. The API figure is the whole path a client sees: HTTP, JSON, validation,
triage, query expansion, keyword search, fusion and the reply. All use the same questions.
"""
from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ssexplain.engine import Engine
from ssexplain.search.retrieval import CANDIDATES


@dataclass(frozen=True)
class Percentiles:
    p50_ms: float
    p95_ms: float
    mean_ms: float
    samples: int


def percentiles(seconds: list[float]) -> Percentiles:
    ms = sorted(s * 1000 for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive")
    return Percentiles(p50_ms=round(cut[49], 3), p95_ms=round(cut[94], 3),
                       mean_ms=round(statistics.fmean(ms), 3), samples=len(ms))


def compare(engine: Engine, base_url: str, questions: list[str], *, rounds: int = 3) -> dict[str, Percentiles]:
    """The floor, engine.ask in process and POST /api/ask, taken in turn for every question.

    Taking the three samples side by side, in a rotating order, keeps a busy moment on the
    machine from landing on one of them only. The engine's cache must be off.
    """
    index = engine.retriever._index  # the floor needs the raw index, nothing around it
    depth = min(CANDIDATES * 4, len(index.vectors))
    post = api_client(base_url)
    steps: list[tuple[str, Callable[[str], object]]] = [
        ("floor", lambda q: index.faiss_index.search(engine.encoder.encode([q]), depth)),
        ("in_process", lambda q: engine.ask(q)),
        ("api", post),
    ]
    for name, run in steps:
        run(questions[0])  # warm each path once
    samples: dict[str, list[float]] = {name: [] for name, _ in steps}
    for round_number in range(rounds):
        for question in questions:
            for name, run in steps[round_number % 3:] + steps[:round_number % 3]:
                started = time.perf_counter()
                run(question)
                samples[name].append(time.perf_counter() - started)
    return {name: percentiles(values) for name, values in samples.items()}


def cache_hits(engine: Engine, questions: list[str], *, rounds: int = 3) -> Percentiles:
    """engine.ask for questions already in its cache: the path a repeated question takes."""
    for question in questions:
        engine.ask(question)
    samples = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            engine.ask(question)
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def api_client(base_url: str) -> Callable[[str], None]:
    """POST /api/ask over one kept-alive connection, as a forum bot would."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def ask(question: str) -> None:
        connection.request("POST", "/api/ask", body=json.dumps({"question": question}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/ask answered {response.status}")

    return ask


def api(base_url: str, questions: list[str], *, rounds: int = 3) -> Percentiles:
    """POST /api/ask alone, one question at a time."""
    post = api_client(base_url)
    samples = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            post(question)
            samples.append(time.perf_counter() - started)
    return percentiles(samples)
