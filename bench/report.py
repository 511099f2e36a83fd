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


def load(values) -> str:
    return " / ".join(f"{x:.1f}" for x in values) if values else "?"


def memory_rows(name: str, run: dict) -> list[list[object]]:
    maps = run.get("worker_maps") or [{}] * len(run["worker_memory_ready"])
    return [
        [f"worker {i + 1} ({name})", f"{a['rss_mib']:.0f}", f"{a['pss_mib']:.0f}", f"{b['rss_mib']:.0f}",
         f"{b['pss_mib']:.0f}", {True: "yes", False: "no"}.get(m.get("libtorch"), "?"),
         {True: "yes", False: "no"}.get(m.get("onnxruntime"), "?")]
        for i, (a, b, m) in enumerate(zip(run["worker_memory_ready"], run["worker_memory_after_load"], maps))
    ]


def wrk_row(name: str, w: dict, floor_s: float) -> list[object]:
    return [name, w["requests"], f"{w['rps']:.1f}", f"{w['rps'] * floor_s:.2f}", ms(w["p50_ms"]), ms(w["p99_ms"]),
            f"{w['connect_errors']}/{w['read_errors']}/{w['write_errors']}/{w['timeouts']}", w["non_2xx"],
            load(w.get("load"))]


def markdown(r: dict) -> str:
    m = r["machine"]
    off, on = r["cache_off"], r["cache_on"]
    floor = off["floor"]["p50_ms"]
    ratio = off["api"]["p50_ms"] / floor
    enc = r["encode"]
    servers = [("ONNX, cache off", off), ("ONNX, cache on", on)]
    if "torch_cache_off" in r:
        servers.append(("torch, cache off", r["torch_cache_off"]))
    if "int8_cache_off" in r:
        servers.append(("ONNX int8, cache off", r["int8_cache_off"]))
    wrk_rows = [wrk_row("ONNX, cache off: every request a new question", off["wrk"], floor / 1000)]
    if "torch_cache_off" in r:
        wrk_rows.append(wrk_row("torch (SSEXPLAIN_ENCODER=torch), cache off, new questions",
                                r["torch_cache_off"]["wrk"], floor / 1000))
    if "int8_cache_off" in r:
        wrk_rows.append(wrk_row("ONNX int8 (SSEXPLAIN_ENCODER=onnx-int8), cache off, new questions",
                                r["int8_cache_off"]["wrk"], floor / 1000))
    wrk_rows.append(wrk_row("ONNX, cache on: the same 60 questions again", on["wrk"], floor / 1000))
    int8_rows, int8_note = [], ""
    if "int8_cache_off" in r:
        i8 = r["int8_cache_off"]
        int8_rows = [latency_row("the floor, in the int8 server's run", i8["floor"]),
                     latency_row("POST /api/ask through gunicorn, int8, cache off", i8["api"])]
        int8_note = (f" With `SSEXPLAIN_ENCODER=onnx-int8` it is **{i8['api']['p50_ms'] / i8['floor']['p50_ms']:.2f}x** "
                     "the floor taken side by side in that run.")
    parts = [
        f"Machine: {m['cpu']}, {m['cpus']} vCPU, {m['memory_gib']} GiB RAM, {m['os']} (kernel {m['kernel']}), "
        f"Python {m['python']}, torch {m['torch']}, onnxruntime {m.get('onnxruntime', '?')}; "
        f"{m.get('workers', 2)} workers x {m.get('threads', 4)} threads, encoder {m.get('encoder', 'torch')} "
        f"with {m.get('encoder_threads', m['torch_threads'])} intra-op thread; load average "
        f"{load(m['load_average_at_start'])} (1 / 5 / 15 min) when the run began. "
        f"{r['questions']} in-scope questions (the dev set's, then the banks'), each asked once per path.",
        "",
        "### Encoding one question: sentence-transformers against ONNX",
        "",
        f"`encode([question])` alone, one question per call, 1 thread, side by side in one process "
        f"(load {load(enc.get('load'))}).",
        "",
        table(
            ["encoder", "p50 ms", "p95 ms", "mean ms", "samples"],
            [latency_row("sentence-transformers on torch", enc["torch"]),
             latency_row("ONNX fp32, onnxruntime + tokenizers", enc["onnx"])],
        ),
        "",
        f"ONNX p50 is **{enc['torch']['p50_ms'] / enc['onnx']['p50_ms']:.2f}x faster**.",
        "",
        "### Latency: the sentence-transformers floor against the whole answer",
        "",
        f"The first four rows were taken side by side, question by question, in one run "
        f"(load {load(off.get('latency_load'))}); the server runs the ONNX encoder.",
        "",
        table(
            ["path", "p50 ms", "p95 ms", "mean ms", "samples"],
            [
                latency_row("sentence-transformers encode + FAISS search (the floor)", off["floor"]),
                latency_row("ONNX encode + FAISS search", off["floor_onnx"]),
                latency_row("`engine.ask` in process, cache off", off["in_process"]),
                latency_row("POST /api/ask through gunicorn, cache off", off["api"]),
                latency_row("`engine.ask` in process, cache hit", r["in_process_cache_hit"]),
                latency_row("POST /api/ask through gunicorn, cache hit", on["api"]),
                *int8_rows,
            ],
        ),
        "",
        f"POST /api/ask p50 with the cache off is **{ratio:.2f}x** the sentence-transformers floor's p50 "
        f"(target: at most 0.6x).{int8_note}",
        "",
        "### Throughput: wrk, 16 connections, 15 s, POST /api/ask",
        "",
        table(
            ["run", "requests", "req/s", "floor-costs per second", "p50 ms", "p99 ms",
             "errors (connect/read/write/timeout)", "non-2xx", "load before"],
            wrk_rows,
        ),
        "",
        f"Floor-costs per second = requests per second x the sentence-transformers floor p50 ({floor:.1f} ms) "
        "(target: at least 3.5 with the cache off).",
        "",
        "### Cold start: launching gunicorn to the first /readyz 200",
        "",
        table(
            ["run", "listening s", "first /readyz 200 s", "every worker ready s", "load at launch"],
            [[name, f"{s['cold_start']['listening_s']:.2f}", f"{s['cold_start']['first_ready_s']:.2f}",
              f"{s['cold_start']['all_ready_s']:.2f}", load(s["cold_start"].get("load"))] for name, s in servers],
        ),
        "",
        "### Memory per worker",
        "",
        table(
            ["process", "RSS MiB when ready", "PSS MiB when ready", "RSS MiB after wrk", "PSS MiB after wrk",
             "maps libtorch", "maps onnxruntime"],
            sum((memory_rows(name, s) for name, s in servers), [])
            + [["master", f"{off['master_memory']['rss_mib']:.0f}", f"{off['master_memory']['pss_mib']:.0f}",
                "", "", "", ""]],
        ),
        "",
        "### Index build",
        "",
        table(
            ["passages", "vectors", "`python -m ssexplain build-index`, wall s",
             "inside build_index (model copy, embed, ONNX export and check, write) s", "load before"],
            [[r["index_build"]["passages"], r["index_build"]["vectors"],
              r["index_build"]["wall_s"] or f"not timed (reused {r['index_build'].get('reused')})",
              r["index_build"]["inside_s"], load(r["index_build"].get("load"))]],
        ),
    ]
    if r.get("tune"):
        parts += [
            "",
            "### Workers x threads (wrk, cache off, new questions)",
            "",
            table(
                ["workers", "threads", "encoder threads", "req/s", "floor-costs per second", "p50 ms", "p99 ms",
                 "errors", "non-2xx", "first /readyz s", "RSS MiB per worker", "load before"],
                [[t["workers"], t["threads"], t["encoder_threads"], f"{t['wrk']['rps']:.1f}",
                  f"{t['wrk']['rps'] * floor / 1000:.2f}", ms(t["wrk"]["p50_ms"]), ms(t["wrk"]["p99_ms"]),
                  t["wrk"]["connect_errors"] + t["wrk"]["read_errors"] + t["wrk"]["write_errors"] + t["wrk"]["timeouts"],
                  t["wrk"]["non_2xx"], f"{t['cold_start']['first_ready_s']:.2f}",
                  " / ".join(f"{w['rss_mib']:.0f}" for w in t["worker_memory_after_load"]), load(t["wrk"].get("load"))]
                 for t in r["tune"]],
            ),
        ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(markdown(json.loads(path.read_text())))
