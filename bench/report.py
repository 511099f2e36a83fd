"""Turn bench/results.json into the Markdown tables of docs/BENCHMARKS.md.

    .venv/bin/python bench/report.py [bench/results.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def latency_row(name: str, p: dict) -> list[object]:
    return [name, ms(p["p50_ms"]), ms(p["p95_ms"]), ms(p["mean_ms"]), p["samples"]]


def memory_rows(name: str, run: dict) -> list[list[object]]:
    return [
        [f"worker {i + 1} ({name})", f"{a['rss_mib']:.0f}", f"{a['pss_mib']:.0f}", f"{b['rss_mib']:.0f}",
         f"{b['pss_mib']:.0f}"]
        for i, (a, b) in enumerate(zip(run["worker_memory_ready"], run["worker_memory_after_load"]))
    ]


def markdown(r: dict) -> str:
    m = r["machine"]
    off, on = r["cache_off"], r["cache_on"]
    ratio = off["api"]["p50_ms"] / off["floor"]["p50_ms"]
    parts = [
        f"Machine: {m['cpu']}, {m['cpus']} vCPU, {m['memory_gib']} GiB RAM, {m['os']} (kernel {m['kernel']}), "
        f"Python {m['python']}, torch {m['torch']} with {m['torch_threads']} thread per worker; load average "
        f"{' / '.join(f'{x:.1f}' for x in m['load_average_at_start'])} (1 / 5 / 15 min) when the run began. "
        f"{r['questions']} in-scope questions from the dev set, each asked {off['floor']['samples'] // r['questions']} "
        "times.",
        "",
        "### Latency: the floor against the whole answer",
        "",
        "The first three rows were taken side by side, question by question, in one run.",
        "",
        table(
            ["path", "p50 ms", "p95 ms", "mean ms", "samples"],
            [
                latency_row("encode + FAISS search alone (the floor)", off["floor"]),
                latency_row("`engine.ask` in process, cache off", off["in_process"]),
                latency_row("POST /api/ask through gunicorn, cache off", off["api"]),
                latency_row("`engine.ask` in process, cache hit", r["in_process_cache_hit"]),
                latency_row("POST /api/ask through gunicorn, cache hit", on["api"]),
            ],
        ),
        "",
        f"POST /api/ask p50 with the cache off is **{ratio:.2f}×** the floor's p50 (target: at most 1.5×).",
        "",
        "### Throughput: wrk, 16 connections, 15 s, POST /api/ask",
        "",
        table(
            ["run", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
             "errors (connect/read/write/timeout)", "non-2xx"],
            [
                [name, w["requests"], f"{w['rps']:.1f}", ms(w["p50_ms"]), ms(w["p90_ms"]), ms(w["p99_ms"]),
                 ms(w["max_ms"]), f"{w['connect_errors']}/{w['read_errors']}/{w['write_errors']}/{w['timeouts']}",
                 w["non_2xx"]]
                for name, w in (("cache off: every request searches", off["wrk"]),
                                ("cache on: the same questions again", on["wrk"]))
            ],
        ),
        "",
        "### Start-up and memory (2 workers × 4 threads)",
        "",
        table(
            ["run", "listening s", "first worker ready s", "both workers ready s"],
            [[name, f"{s['cold_start']['listening_s']:.1f}", f"{s['cold_start']['first_ready_s']:.1f}",
              f"{s['cold_start']['all_ready_s']:.1f}"] for name, s in (("cache off", off), ("cache on", on))],
        ),
        "",
        table(
            ["process", "RSS MiB when ready", "PSS MiB when ready", "RSS MiB after wrk", "PSS MiB after wrk"],
            memory_rows("cache off", off) + memory_rows("cache on", on)
            + [["master", f"{off['master_memory']['rss_mib']:.0f}", f"{off['master_memory']['pss_mib']:.0f}", "", ""]],
        ),
        "",
        "### Index build",
        "",
        table(
            ["passages", "vectors", "`python -m ssexplain build-index`, wall s",
             "inside build_index (model load, embed, write) s"],
            [[r["index_build"]["passages"], r["index_build"]["vectors"], r["index_build"]["wall_s"],
              r["index_build"]["inside_s"]]],
        ),
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(markdown(json.loads(path.read_text())))
