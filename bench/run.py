"""Run every benchmark in one go and print the tables for docs/BENCHMARKS.md.

    .venv/bin/python bench/run.py [--questions ../shared/eval/dev_questions.jsonl]

It works on a snapshot of content/ with its own freshly built index, so edits made while
it runs cannot change the figures, and writes everything it measured to
bench/results.json. Not a test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # noqa: E402
import load  # noqa: E402
import report  # noqa: E402
from server import Server, memory_of  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME")), platform.system())
    import torch

    return {
        "cpu": cpu, "cpus": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "os": os_name,
        "kernel": platform.release(), "python": platform.python_version(), "torch": torch.__version__,
        "torch_threads": os.environ.get("SSEXPLAIN_TORCH_THREADS", "1"),
        "load_average_at_start": os.getloadavg(),
    }


def build_index(env: dict[str, str]) -> dict:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ssexplain", "build-index"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    wall = time.perf_counter() - started
    manifest = json.loads((Path(env["SSEXPLAIN_INDEX"]) / "manifest.json").read_text())
    return {"wall_s": round(wall, 2), "inside_s": manifest["build_seconds"], "vectors": manifest["vectors"],
            "passages": manifest["passages"]}


def serve(env: dict[str, str], log_path: Path, questions: list[str], measure_while_up) -> dict:
    """Start gunicorn, run `measure_while_up(url)`, then wrk, reading worker memory on the way."""
    server = Server(port=free_port(), env=env, log_path=log_path).start()
    try:
        figures = measure_while_up(server.url)
        memory_ready = [asdict(memory_of(pid)) for pid in server.worker_pids()]
        throughput = load.wrk(server.url, questions)
        memory_after_load = [asdict(memory_of(pid)) for pid in server.worker_pids()]
        master = asdict(memory_of(server.process.pid))
    finally:
        server.stop()
    return {
        **figures, "cold_start": asdict(server.cold_start), "wrk": throughput,
        "worker_memory_ready": memory_ready, "worker_memory_after_load": memory_after_load, "master_memory": master,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", default=str(DEFAULT_QUESTIONS))
    args = parser.parse_args()
    # In-scope questions only: each one is embedded and searched, the full cost of an answer
    # (urgent and out-of-scope ones are often settled by triage before any search).
    rows = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()]
    questions = [row["question"] for row in rows if row.get("kind", "in_scope") == "in_scope"]

    work = Path(tempfile.mkdtemp(prefix="ssexplain-bench-"))
    try:
        results = measure(questions, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    Path(__file__).with_name("results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report.markdown(results))
    return 0


def measure(questions: list[str], work: Path) -> dict:
    """Every figure, in an order that keeps each measurement alone on the machine."""
    shutil.copytree(ROOT / "content", work / "content")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "SSEXPLAIN_CONTENT": str(work / "content"),
           "SSEXPLAIN_INDEX": str(work / "index"), "SSEXPLAIN_RATE_LIMIT": "off"}
    results: dict = {"machine": machine(), "questions": len(questions)}
    results["index_build"] = build_index(env)

    os.environ.update(env)
    from ssexplain.reply.cache import AnswerCache
    from ssexplain.config import settings
    from ssexplain.engine import Engine

    engine = Engine.load(settings())
    engine.warm_up()
    engine.cache = AnswerCache(0)  # every in-process ask searches, like the server with its cache off

    def side_by_side(url: str) -> dict:
        return {name: asdict(p) for name, p in latency.compare(engine, url, questions).items()}

    results["cache_off"] = serve(
        {**env, "SSEXPLAIN_ANSWER_CACHE": "0"}, work / "cache-off.log", questions, side_by_side)

    engine.cache = AnswerCache(1024)
    results["in_process_cache_hit"] = asdict(latency.cache_hits(engine, questions))
    del engine

    def repeated(url: str) -> dict:
        for _ in range(4):  # so every worker has seen every question
            latency.api(url, questions, rounds=1)
        return {"api": asdict(latency.api(url, questions))}

    results["cache_on"] = serve(env, work / "cache-on.log", questions, repeated)
    return results


if __name__ == "__main__":
    raise SystemExit(main())
