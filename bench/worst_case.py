"""The most expensive requests a careless or hostile client can send, against an ordinary one.

Starts gunicorn as `make run` does (one worker, the answer cache off so every request does
its full work, no rate limit), then times, over fresh random text each run:

  ordinary     POST /api/ask with an ordinary question (one of five, asked again and again:
               its embedding is remembered, so this is the cheapest honest baseline)
  ordinary-new POST /api/ask with a short bank question asked once (embedded every time)
  random-490   POST /api/ask with 490 characters of random words (every word unknown)
  random-3000  the same at 3,000 characters (what the long-message work accepts)
  page         POST /ask (the no-JavaScript chat) with an ordinary question
  thread-10    POST /ask with 10 earlier questions of random words in h fields, then an ordinary one

Each worst case is reported as a multiple of the ordinary question on the same route; the
target (issue 13) is at most 8x. Run: .venv/bin/python bench/worst_case.py [--runs 25] [--json out.json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
ORDINARY = (
    "What causes superficial siderosis?",
    "How does it affect hearing?",
    "Is there a treatment?",
    "How do doctors find it on a scan?",
    "What are the usual symptoms?",
)


def new_questions() -> list[str]:
    """Short in-scope questions of the project's banks, each to be asked once."""
    rows = [json.loads(line) for line in (ROOT / "tests" / "banks" / "retrieval_a.jsonl").read_text().splitlines()
            if line.strip()]
    return [r["question"] for r in rows if r.get("kind") == "in_scope" and len(r.get("question", "")) <= 120]


def random_words(rnd: random.Random, chars: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 10))))
    return " ".join(words)[:chars].strip()


def request(port: int, method: str, path: str, body: bytes, content_type: str) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request(method, path, body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed


def api(port: int, question: str) -> tuple[int, float]:
    return request(port, "POST", "/api/ask", json.dumps({"question": question}).encode(), "application/json")


def page(port: int, question: str, earlier: list[str]) -> tuple[int, float]:
    fields = [("h", h) for h in earlier] + [("q", question)]
    return request(port, "POST", "/ask", urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


def start(port: int) -> subprocess.Popen:
    env = {
        **os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HOST": "127.0.0.1", "PORT": str(port),
        "SSEXPLAIN_WORKERS": "1", "SSEXPLAIN_ANSWER_CACHE": "0", "SSEXPLAIN_RATE_LIMIT": "off",
        "SSEXPLAIN_LOG_LEVEL": "WARNING",
        # Measure the work itself, not the budget that would cut it short (default 10 s).
        "SSEXPLAIN_REQUEST_BUDGET": os.environ.get("SSEXPLAIN_REQUEST_BUDGET", "120"), "SSEXPLAIN_TIMEOUT": "300",
    }
    process = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py", "app:create_app()"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=open(os.environ.get("WORST_CASE_LOG", os.devnull), "wb"))
    give_up = time.monotonic() + 180
    while time.monotonic() < give_up:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server never became ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    rnd = random.Random(2026)
    fresh = new_questions()
    process = start(args.port)
    try:
        for question in ORDINARY:  # warm every code path once
            api(args.port, question)
            page(args.port, question, [])
        cases = {
            "ordinary": lambda n: api(args.port, ORDINARY[n % len(ORDINARY)]),
            "ordinary-new": lambda n: api(args.port, fresh[n % len(fresh)]),
            "random-490": lambda n: api(args.port, random_words(rnd, 490)),
            "random-3000": lambda n: api(args.port, random_words(rnd, 3000)),
            "page": lambda n: page(args.port, ORDINARY[n % len(ORDINARY)], []),
            "thread-10": lambda n: page(args.port, ORDINARY[n % len(ORDINARY)],
                                        [random_words(rnd, rnd.randint(40, 300)) for _ in range(10)]),
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for n in range(args.runs):  # interleaved, so a busy moment on a shared box hits every case
            for name, run in cases.items():
                status, elapsed = run(n)
                if status != 200:
                    raise SystemExit(f"{name}: status {status}")
                timings[name].append(elapsed * 1000)
    finally:
        process.terminate()
        process.wait(timeout=30)
    base = {"ordinary": "ordinary", "ordinary-new": "ordinary", "random-490": "ordinary", "random-3000": "ordinary", "page": "page",
            "thread-10": "page"}
    figures = {}
    print(f"{'case':<12} {'p50 ms':>8} {'p90 ms':>8} {'x ordinary (p50)':>17}")
    for name, values in timings.items():
        p50 = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        ratio = p50 / statistics.median(timings[base[name]])
        figures[name] = {"p50_ms": round(p50, 1), "p90_ms": round(p90, 1), "ratio": round(ratio, 2), "runs": len(values)}
        print(f"{name:<12} {p50:>8.1f} {p90:>8.1f} {ratio:>16.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
