"""The int8 copy of the served ONNX model against fp32, on every figure.

    SSEXPLAIN_INDEX=/tmp/idx .venv/bin/python bench/int8.py [--no-eval]

Every build writes `model/onnx/model.int8.onnx` beside the fp32 export
(`search/onnx_export.quantize_int8`). This measures, side by side in one process, encode
latency (1 thread, one question per call) and agreement with fp32 on the dev questions and
the banks' messages, and runs `python -m ssexplain eval` on the dev set and on the project's
banks with SSEXPLAIN_ENCODER=onnx and =onnx-int8. Writes bench/int8.json; the figures and
the verdict are in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
BANKS = ROOT / "tests" / "banks"
BANK_FILES = ["retrieval_a.jsonl", "retrieval_b.jsonl", "conversations.jsonl", "scope_lookalike.jsonl"]


def texts_of(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [row.get("question") or row["message"] for row in rows]


def evaluate(index_dir: Path, encoder: str) -> dict[str, str]:
    env = {**os.environ, "SSEXPLAIN_INDEX": str(index_dir), "SSEXPLAIN_ENCODER": encoder,
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    runs = {"dev": [str(DEV)], "banks": [*(str(BANKS / f) for f in BANK_FILES), "--banks", str(BANKS)]}
    out = {}
    for name, args in runs.items():
        done = subprocess.run([sys.executable, "-m", "ssexplain", "eval", "--quiet", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        out[name] = done.stdout.strip() or done.stderr.strip()[-2000:]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args()
    import numpy as np

    from ssexplain.config import settings
    from ssexplain.search.embedding import ONNX_DIR, ONNX_FILE, ONNX_INT8_FILE, OnnxEncoder
    from ssexplain.search.index_store import model_folder

    index_dir = settings().index_dir
    source = model_folder(index_dir) / ONNX_DIR / ONNX_FILE
    target = model_folder(index_dir) / ONNX_DIR / ONNX_INT8_FILE
    fp32, int8 = OnnxEncoder(model_folder(index_dir)), OnnxEncoder(model_folder(index_dir), file=ONNX_INT8_FILE)
    dev = texts_of(DEV)
    bank = [t for f in BANK_FILES for t in texts_of(BANKS / f)]
    cosines = np.sum(fp32.encode(dev + bank) * int8.encode(dev + bank), axis=1)
    load_before = [round(x, 2) for x in os.getloadavg()]
    timing = latency.encoders({"fp32": fp32, "int8": int8}, dev + bank)
    results = {
        "load": load_before,
        "file_mib": {"fp32": round(source.stat().st_size / 2**20, 1), "int8": round(target.stat().st_size / 2**20, 1)},
        "encode": {name: asdict(p) for name, p in timing.items()},
        "cosine_to_fp32": {"mean": round(float(cosines.mean()), 4), "min": round(float(cosines.min()), 4),
                           "below_0.99": int((cosines < 0.99).sum()), "texts": len(cosines)},
    }
    if not args.no_eval:
        results["eval"] = {"fp32": evaluate(index_dir, "onnx"), "int8": evaluate(index_dir, "onnx-int8")}
    Path(__file__).with_name("int8.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
