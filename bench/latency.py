"""Latency figures: the encode + FAISS floor, the answer cache, and POST /api/ask over HTTP.

The floor is what no answer can beat: embedding the question and searching the index,
nothing else. The API figure is the whole path a client sees: HTTP, JSON, validation,
triage, query expansion, keyword search, fusion and the reply. Both use the same
questions, in the same order.
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
from ssexplain.retrieval import CANDIDATES


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


def timed(run: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            run(question)
            samples.append(time.perf_counter() - started)
    return samples


def floor(engine: Engine, questions: list[str], *, rounds: int = 3) -> Percentiles:
    """Encode one question and search the FAISS index, as deep as the retriever searches."""
    index = engine.retriever._index  # the floor needs the raw index, nothing around it
    depth = min(CANDIDATES * 4, len(index.vectors))

    def encode_and_search(question: str) -> None:
        index.faiss_index.search(engine.encoder.encode([question]), depth)

    encode_and_search(questions[0])
    return percentiles(timed(encode_and_search, questions, rounds))


def cache_paths(engine: Engine, questions: list[str], *, rounds: int = 3) -> tuple[Percentiles, Percentiles]:
    """engine.ask with every question new to the cache, then with every one already in it."""
    engine.cache.clear()
    misses = []
    for _ in range(rounds):
        engine.cache.clear()
        misses += timed(lambda q: engine.ask(q), questions, 1)
    hits = timed(lambda q: engine.ask(q), questions, rounds)
    return percentiles(misses), percentiles(hits)


def api(base_url: str, questions: list[str], *, rounds: int = 3) -> Percentiles:
    """POST /api/ask one at a time over one kept-alive connection, as a forum bot would."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def ask(question: str) -> None:
        connection.request("POST", "/api/ask", body=json.dumps({"question": question}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/ask answered {response.status}")

    ask(questions[0])
    try:
        return percentiles(timed(ask, questions, rounds))
    finally:
        connection.close()
