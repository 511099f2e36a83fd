"""Throughput under load: wrk with 16 connections for 15 seconds against POST /api/ask."""
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


def wrk(base_url: str, questions: list[str]) -> dict:
    """Run wrk; return requests/s, latency percentiles and every kind of error it counts."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk not found: apt-get install wrk (.ci/run does)")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as bodies:
        for question in questions:
            bodies.write(json.dumps({"question": question}) + "\n")
    try:
        out = subprocess.run(
            [binary, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s",
             "-s", str(SCRIPT), base_url, "--", bodies.name],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        Path(bodies.name).unlink()
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))
