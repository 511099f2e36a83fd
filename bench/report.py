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


def markdown(r: dict) -> str:
    m = r["machine"]
    off, on = r["gunicorn_cache_off"], r["gunicorn_cache_on"]
    floor, api = r["floor"], off["sequential"]
    ratio = api["p50_ms"] / floor["p50_ms"]
    parts = [
        f"Machine: {m['cpu']}, {m['cpus']} vCPU, {m['memory_gib']} GiB RAM, {m['os']} (kernel {m['kernel']}), "
        f"Python {m['python']}, torch {m['torch']} with {m['torch_threads']} thread per worker. "
        f"Load average (1/5/15 min) {' / '.join(f'{x:.1f}' for x in m['load_average_at_start'])} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in m['load_average_at_end'])} at the end. "
        f"{r['questions']} questions, each asked {floor['samples'] // r['questions']} times.",
        "",
        "### Latency: the floor against the whole answer",
        "",
        table(
            ["path", "p50 ms", "p95 ms", "mean ms", "samples"],
            [
                ["encode + FAISS search alone (the floor)", ms(floor["p50_ms"]), ms(floor["p95_ms"]),
                 ms(floor["mean_ms"]), floor["samples"]],
                ["`engine.ask`, in process, cache miss", ms(r["in_process_ask"]["cache_miss"]["p50_ms"]),
                 ms(r["in_process_ask"]["cache_miss"]["p95_ms"]), ms(r["in_process_ask"]["cache_miss"]["mean_ms"]),
                 r["in_process_ask"]["cache_miss"]["samples"]],
                ["`engine.ask`, in process, cache hit", ms(r["in_process_ask"]["cache_hit"]["p50_ms"]),
                 ms(r["in_process_ask"]["cache_hit"]["p95_ms"]), ms(r["in_process_ask"]["cache_hit"]["mean_ms"]),
                 r["in_process_ask"]["cache_hit"]["samples"]],
                ["POST /api/ask through gunicorn, cache off", ms(api["p50_ms"]), ms(api["p95_ms"]),
                 ms(api["mean_ms"]), api["samples"]],
                ["POST /api/ask through gunicorn, repeated questions (cache on)", ms(on["sequential"]["p50_ms"]),
                 ms(on["sequential"]["p95_ms"]), ms(on["sequential"]["mean_ms"]), on["sequential"]["samples"]],
            ],
        ),
        "",
        f"POST /api/ask p50 (cache off) is **{ratio:.2f}×** the floor's p50 (target: at most 1.5×).",
        "",
        "### Throughput: wrk, 16 connections, 15 s, POST /api/ask",
        "",
        table(
            ["run", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors (connect/read/write/timeout)",
             "non-2xx"],
            [
                [name, w["requests"], f"{w['rps']:.1f}", ms(w["p50_ms"]), ms(w["p90_ms"]), ms(w["p99_ms"]),
                 ms(w["max_ms"]), f"{w['connect_errors']}/{w['read_errors']}/{w['write_errors']}/{w['timeouts']}",
                 w["non_2xx"]]
                for name, w in (("cache off: every request searches", off["wrk"]),
                                ("cache on: questions repeat", on["wrk"]))
            ],
        ),
        "",
        "### Start-up and memory (2 workers × 4 threads)",
        "",
        table(
            ["run", "listening s", "first worker ready s", "all workers ready s"],
            [[name, f"{s['cold_start']['listening_s']:.1f}", f"{s['cold_start']['first_ready_s']:.1f}",
              f"{s['cold_start']['all_ready_s']:.1f}"] for name, s in (("cache off", off), ("cache on", on))],
        ),
        "",
        table(
            ["process", "RSS MiB when ready", "PSS MiB when ready", "RSS MiB after wrk", "PSS MiB after wrk"],
            [[f"worker {i + 1} (cache off run)", f"{a['rss_mib']:.0f}", f"{a['pss_mib']:.0f}", f"{b['rss_mib']:.0f}",
              f"{b['pss_mib']:.0f}"]
             for i, (a, b) in enumerate(zip(off["worker_memory_ready"], off["worker_memory_after_load"]))]
            + [[f"worker {i + 1} (cache on run)", f"{a['rss_mib']:.0f}", f"{a['pss_mib']:.0f}", f"{b['rss_mib']:.0f}",
                f"{b['pss_mib']:.0f}"]
               for i, (a, b) in enumerate(zip(on["worker_memory_ready"], on["worker_memory_after_load"]))]
            + [["master", f"{off['master_memory']['rss_mib']:.0f}", f"{off['master_memory']['pss_mib']:.0f}", "", ""]],
        ),
        "",
        "### Index build",
        "",
        table(
            ["passages", "vectors", "`python -m ssexplain build-index`, wall s", "inside build_index (model load, embed, write) s"],
            [[r["index_build"]["passages"], r["index_build"]["vectors"], r["index_build"]["wall_s"],
              r["index_build"]["inside_s"]]],
        ),
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(markdown(json.loads(path.read_text())))
