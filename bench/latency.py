"""Latency figures: the encode + FAISS floor, the answer cache, and POST /api/ask over HTTP.

The floor is what no answer can beat: embedding the question and searching the index,
nothing else. The sentence-transformers floor (torch, what every worker ran before issue 12)
is the yardstick; the ONNX floor is the same with the serving encoder. The API figure is the
whole path a client sees: HTTP, JSON, validation, triage, query expansion, keyword search,
fusion and the reply. All use the same questions, each one new to the engine: the engine
keeps its last few vectors (search/encode_memo.py), so a repeated question would not be
embedded again and would flatter every figure but the floors.
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


def raw_encoder(encoder):
    """The model itself, without the engine's memo of recent vectors."""
    return getattr(encoder, "wrapped", encoder)


def side_by_side(steps: list[tuple[str, Callable[[str], object]]], questions: list[str]) -> dict[str, Percentiles]:
    """One sample of every step for each question, the order rotating from question to question.

    A busy moment on the machine then lands on all the steps alike instead of on one of them.
    """
    for name, run in steps:
        run("How is superficial siderosis diagnosed?")  # warm each path once (not a benchmark question)
    samples: dict[str, list[float]] = {name: [] for name, _ in steps}
    for number, question in enumerate(questions):
        turn = number % len(steps)
        for name, run in steps[turn:] + steps[:turn]:
            started = time.perf_counter()
            run(question)
            samples[name].append(time.perf_counter() - started)
    return {name: percentiles(values) for name, values in samples.items()}


def encoders(named: dict[str, object], questions: list[str]) -> dict[str, Percentiles]:
    """encode([question]) alone for each encoder, one question per call, side by side."""
    return side_by_side([(name, lambda q, e=encoder: e.encode([q])) for name, encoder in named.items()], questions)


def compare(engine: Engine, base_url: str, questions: list[str], *, torch_encoder) -> dict[str, Percentiles]:
    """Both floors, engine.ask in process and POST /api/ask, taken in turn for every question.

    `torch_encoder` is sentence-transformers on the index's own model folder: its floor is the
    yardstick of issue 12. The engine's cache must be off, and every question new to it.
    """
    index = engine.retriever._index  # the floor needs the raw index, nothing around it
    depth = min(CANDIDATES * 4, len(index.vectors))
    onnx = raw_encoder(engine.encoder)
    post = api_client(base_url)
    return side_by_side([
        ("floor", lambda q: index.faiss_index.search(torch_encoder.encode([q]), depth)),
        ("floor_onnx", lambda q: index.faiss_index.search(onnx.encode([q]), depth)),
        ("in_process", lambda q: engine.ask(q)),
        ("api", post),
    ], questions)


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
        body = json.dumps({"question": question})
        headers = {"Content-Type": "application/json"}
        try:
            connection.request("POST", "/api/ask", body=body, headers=headers)
            response = connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # gunicorn closes a connection idle for longer than its keepalive (5 s), which a
            # busy machine can stretch a gap between two samples to: connect again, once.
            connection.close()
            connection.request("POST", "/api/ask", body=body, headers=headers)
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
