"""Throughput under load: wrk with 16 connections for 15 seconds against POST /api/ask,
every request a new question (see ask.lua)."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).with_name("ask.lua")
CONNECTIONS = 16
SECONDS = 15
THREADS = 2


def wrk(base_url: str, questions: list[str], *, fresh: bool = True) -> dict:
    """Run wrk; return requests/s, latency percentiles and every kind of error it counts.

    `fresh`: every request a question not asked before; otherwise the same ones, repeated."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk not found: apt-get install wrk (.ci/run does)")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as bodies:
        for question in questions:
            bodies.write(json.dumps(question)[1:-1] + "\n")  # escaped for a JSON string; ask.lua wraps it
    try:
        out = subprocess.run(
            [binary, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s",
             "-s", str(SCRIPT), base_url, "--", bodies.name, "fresh" if fresh else "repeat"],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        Path(bodies.name).unlink()
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))
