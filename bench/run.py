"""Run every benchmark in one go and print the tables for docs/BENCHMARKS.md.

    .venv/bin/python bench/run.py [--questions ../shared/eval/dev_questions.jsonl] [--torch-server] [--tune]

It works on a snapshot of content/ with its own freshly built index, so edits made while
it runs cannot change the figures, and writes everything it measured to
bench/results.json. Not a test: the figures depend on the machine.

The yardstick is the sentence-transformers floor (torch encode + FAISS search, in this
process, side by side with everything else); the server runs the ONNX encoder, as
deployed. --torch-server adds a server run with SSEXPLAIN_ENCODER=torch for comparison;
--tune adds wrk runs over workers x threads x encoder threads. Every figure records the
load average of the moment it was taken: the machine may be shared.
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
from server import Server, maps_of, memory_of  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
# More in-scope questions, so every sample and every wrk request can be a new question.
MORE_QUESTIONS = [ROOT / "tests" / "banks" / "retrieval_a.jsonl", ROOT / "tests" / "banks" / "retrieval_b.jsonl"]
# (workers, gunicorn threads, encoder threads) tried by --tune, on 2 cores.
TUNE_GRID = [(2, 4, 1), (2, 2, 1), (2, 8, 1), (1, 4, 2)]


def load_now() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
    import onnxruntime
    import torch

    from ssexplain.config import settings

    s = settings()
    return {
        "cpu": cpu, "cpus": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "os": os_name,
        "kernel": platform.release(), "python": platform.python_version(), "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__, "encoder": s.encoder, "encoder_threads": s.encoder_threads,
        "torch_threads": s.encoder_threads, "workers": s.workers, "threads": s.threads,
        "load_average_at_start": os.getloadavg(),
    }


def build_index(env: dict[str, str]) -> dict:
    load_before = load_now()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ssexplain", "build-index"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    wall = time.perf_counter() - started
    manifest = json.loads((Path(env["SSEXPLAIN_INDEX"]) / "manifest.json").read_text())
    return {"wall_s": round(wall, 2), "inside_s": manifest["build_seconds"], "vectors": manifest["vectors"],
            "passages": manifest["passages"], "load": load_before}


def serve(env: dict[str, str], log_path: Path, questions: list[str], measure_while_up=None, *,
          workers: int = 2, threads: int | None = None, fresh: bool = True) -> dict:
    """Start gunicorn, run `measure_while_up(url)`, then wrk, reading worker memory on the way."""
    load_at_launch = load_now()
    server = Server(port=free_port(), env=env, log_path=log_path, workers=workers, threads=threads).start()
    try:
        load_while_up = load_now()
        figures = measure_while_up(server.url) if measure_while_up else {}
        memory_ready = [asdict(memory_of(pid)) for pid in server.worker_pids()]
        maps = [maps_of(pid) for pid in server.worker_pids()]
        load_before_wrk = load_now()
        throughput = load.wrk(server.url, questions, fresh=fresh)
        throughput["load"] = load_before_wrk
        memory_after_load = [asdict(memory_of(pid)) for pid in server.worker_pids()]
        master = asdict(memory_of(server.process.pid))
    finally:
        server.stop()
    return {
        **figures, "cold_start": {**asdict(server.cold_start), "load": load_at_launch}, "wrk": throughput,
        "latency_load": load_while_up, "worker_maps": maps,
        "worker_memory_ready": memory_ready, "worker_memory_after_load": memory_after_load, "master_memory": master,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--torch-server", action="store_true", help="also serve with SSEXPLAIN_ENCODER=torch")
    parser.add_argument("--int8-server", action="store_true", help="also serve with SSEXPLAIN_ENCODER=onnx-int8")
    parser.add_argument("--tune", action="store_true", help="also try workers x threads x encoder threads")
    parser.add_argument("--samples", type=int, default=300, help="questions timed one by one (wrk uses them all)")
    parser.add_argument("--reuse", nargs=2, metavar=("CONTENT", "INDEX"),
                        help="measure an index already built from a content snapshot instead of building one")
    args = parser.parse_args()
    # In-scope questions only: each one is embedded and searched, the full cost of an answer
    # (urgent and out-of-scope ones are often settled by triage before any search). The dev
    # set's come first, then the project's own banks', each text once.
    questions: list[str] = []
    for path in [Path(args.questions), *MORE_QUESTIONS]:
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("kind", "in_scope") == "in_scope" and row.get("question") and row["question"] not in questions:
                questions.append(row["question"])

    work = Path(tempfile.mkdtemp(prefix="ssexplain-bench-"))
    try:
        results = measure(questions, work, torch_server=args.torch_server, int8_server=args.int8_server, tune=args.tune, samples=args.samples,
                          reuse=args.reuse)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    Path(__file__).with_name("results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report.markdown(results))
    return 0


def measure(questions: list[str], work: Path, *, torch_server: bool = False, int8_server: bool = False, tune: bool = False,
            samples: int = 300, reuse: list[str] | None = None) -> dict:
    """Every figure, in an order that keeps each measurement alone on the machine."""
    if reuse:
        content, index = (str(Path(p).resolve()) for p in reuse)
    else:
        shutil.copytree(ROOT / "content", work / "content")
        content, index = str(work / "content"), str(work / "index")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "SSEXPLAIN_CONTENT": content,
           "SSEXPLAIN_INDEX": index, "SSEXPLAIN_RATE_LIMIT": "off",
           # a queue of 16 on a busy 2-core machine can pass the 10 s answer budget (a 429): not what is measured
           "SSEXPLAIN_REQUEST_BUDGET": "120"}
    results: dict = {"machine": machine(), "questions": min(samples, len(questions)), "wrk_questions": len(questions)}
    if reuse:
        manifest = json.loads((Path(index) / "manifest.json").read_text())
        results["index_build"] = {"wall_s": None, "inside_s": manifest["build_seconds"], "vectors": manifest["vectors"],
                                  "passages": manifest["passages"], "load": None, "reused": index}
    else:
        results["index_build"] = build_index(env)

    os.environ.update(env)
    from ssexplain.reply.cache import DEFAULT_SIZE, AnswerCache
    from ssexplain.config import settings
    from ssexplain.engine import Engine
    from ssexplain.search.embedding import TorchEncoder
    from ssexplain.search.index_store import model_folder

    config = settings()
    workers = config.workers
    engine = Engine.load(config)
    engine.warm_up()
    engine.cache = AnswerCache(0)  # every in-process ask searches, like the server with its cache off
    # The yardstick: sentence-transformers on the very model folder the index serves, 1 thread.
    torch_encoder = TorchEncoder(model_folder(Path(env["SSEXPLAIN_INDEX"])), threads=1)
    load_before = load_now()
    results["encode"] = {
        **{name: asdict(p) for name, p in latency.encoders(
            {"torch": torch_encoder, "onnx": latency.raw_encoder(engine.encoder)}, questions[:samples]).items()},
        "load": load_before,
    }

    def side_by_side(url: str) -> dict:
        return {name: asdict(p) for name, p in latency.compare(engine, url, questions[:samples], torch_encoder=torch_encoder).items()}

    cache_off = {**env, "SSEXPLAIN_ANSWER_CACHE": "0"}
    results["cache_off"] = serve(cache_off, work / "cache-off.log", questions, side_by_side, workers=workers)
    if int8_server:  # the same side-by-side run against a server with int8 weights
        results["int8_cache_off"] = serve({**cache_off, "SSEXPLAIN_ENCODER": "onnx-int8"}, work / "int8.log", questions,
                                          side_by_side, workers=workers)

    engine.cache = AnswerCache(1024)
    results["in_process_cache_hit"] = asdict(latency.cache_hits(engine, questions[:60]))
    del engine

    def repeated(url: str) -> dict:
        for _ in range(4):  # so every worker has seen every question
            latency.api(url, questions[:60], rounds=1)
        return {"api": asdict(latency.api(url, questions[:60]))}

    # Set, not inherited: with SSEXPLAIN_ANSWER_CACHE=0 exported in the shell (as for the
    # in-process figures) this server would answer every repeat afresh (5-10 ms, not 1-2 ms).
    cache_on = {**env, "SSEXPLAIN_ANSWER_CACHE": str(DEFAULT_SIZE)}
    results["cache_on"] = serve(cache_on, work / "cache-on.log", questions[:60], repeated, workers=workers, fresh=False)
    if torch_server:
        results["torch_cache_off"] = serve({**cache_off, "SSEXPLAIN_ENCODER": "torch"}, work / "torch.log", questions,
                                           workers=workers)
    if tune:
        results["tune"] = []
        for w, t, e in TUNE_GRID:
            run = serve({**cache_off, "SSEXPLAIN_ENCODER_THREADS": str(e), "OMP_NUM_THREADS": str(e)},
                        work / f"tune-{w}-{t}-{e}.log", questions, workers=w, threads=t)
            results["tune"].append({"workers": w, "threads": t, "encoder_threads": e, "wrk": run["wrk"],
                                    "cold_start": run["cold_start"], "worker_memory_after_load": run["worker_memory_after_load"]})
    return results


if __name__ == "__main__":
    raise SystemExit(main())
