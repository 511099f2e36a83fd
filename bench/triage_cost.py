"""What urgent triage and the scope check add to a question, beyond its one embedding.

    .venv/bin/python bench/triage_cost.py [--questions N]

The search embeds the whole question anyway and reuses triage's vector for it, so triage's
own cost is everything `Triager.decide` does once that vector is known: the patterns, the
embedding of the message's other pieces (sentences of a multi-sentence question), the
similarity products and the decline themes. For each question the whole-message vector is
made first (as the search would), then `decide` is timed. Also timed apart: the urgent part
alone (patterns and similarity) and the scope check alone. Target (issue 10): at most 2 ms
p50. Not a test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
BANKS = ROOT / "tests" / "banks"


def questions(limit: int) -> list[str]:
    """The dev set's in-scope questions, then the banks' single in-scope questions."""
    found: list[str] = []
    for path in (DEV, BANKS / "retrieval_a.jsonl", BANKS / "retrieval_b.jsonl"):
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("kind", "in_scope") == "in_scope" and row.get("question"):
                found.append(row["question"])
    return list(dict.fromkeys(found))[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    from ssexplain.config import settings
    from ssexplain.engine import Engine
    from ssexplain.reply.message_pieces import embedded_pieces, normalise

    engine = Engine.load(settings())
    engine.warm_up()
    triager, retriever = engine.triager, engine.retriever
    asked = questions(args.questions)
    timings: dict[str, list[float]] = {"decide": [], "urgent": [], "scope": []}
    for question in asked:
        whole = normalise(question)
        vector = engine.encoder.encode([retriever.prepare(whole).dense_text])[0]  # what the search pays anyway
        started = time.perf_counter()
        triager.decide(question)
        timings["decide"].append(time.perf_counter() - started)
        texts = embedded_pieces(whole)
        vectors = triager.vectors(texts)  # remembered now: the urgent part below is patterns and products
        started = time.perf_counter()
        triager.urgent.decide(whole, texts, vectors)
        timings["urgent"].append(time.perf_counter() - started)
        started = time.perf_counter()
        triager.scope.check(whole, vector)
        timings["scope"].append(time.perf_counter() - started)
    print(f"{len(asked)} questions; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'part':<40} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    names = {"decide": "Triager.decide beyond the question's vector", "urgent": "  urgent patterns and similarity",
             "scope": "  scope check"}
    for key, values in timings.items():
        p = latency.percentiles(values)
        print(f"{names[key]:<40} {p.p50_ms:>8.2f} {p.p95_ms:>8.2f} {p.mean_ms:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
