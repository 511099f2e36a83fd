"""Fine-tuning at index-build time: it trains, it is exact, it is cached, it is deterministic."""
from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ssexplain.content.loader import load_content
from ssexplain.search import finetune
from ssexplain.search.embedding import TorchEncoder, model_id, resolve_model_path

FIXTURE = Path(__file__).parent / "fixtures" / "content"
QUICK = finetune.TuningSettings(epochs=3, batch_size=3, learning_rate=1e-3, seed=7)


@pytest.fixture(scope="module")
def base(config) -> TorchEncoder:
    """The packaged (untuned) model: what the build tunes from."""
    return TorchEncoder(resolve_model_path(config.model_path))


@pytest.fixture(scope="module")
def passages():
    return load_content(FIXTURE).passages


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, base, passages):
    index_dir = tmp_path_factory.mktemp("tuned-index")
    folder, record, vectors = finetune.prepare_model(
        passages, base.path, model_id(base.path), index_dir, content_hash="h1", settings=QUICK
    )
    return index_dir, folder, record, vectors


def test_batches_never_hold_one_passage_twice():
    pairs = [(f"p{n % 7}", f"q{n}", f"text {n % 7}") for n in range(60)]
    for batch in finetune._batches(pairs, 5, random.Random(1)):
        ids = [pairs[i][0] for i in batch]
        assert len(ids) == len(set(ids))
    used = sorted(i for b in finetune._batches(pairs, 5, random.Random(1)) for i in b)
    assert used == list(range(60))  # every pair is trained on once per epoch


def test_tuned_folder_is_a_model_that_embeds_like_the_training_cache(tuned):
    _, folder, record, vectors = tuned
    assert record["steps"] > 0 and not record["reused"]
    assert (folder / "modules.json").exists() and (folder / finetune.TUNING_FILE).exists()
    model = TorchEncoder(folder)
    texts = sorted(vectors)[:4]
    assert np.abs(model.encode(texts) - np.stack([vectors[t] for t in texts])).max() < 1e-4


def test_tuning_brings_each_question_nearer_its_own_passage(tuned, base, passages):
    _, folder, _, _ = tuned
    model = TorchEncoder(folder)

    def margin(enc):
        texts = [finetune.passage_text(p) for p in passages]
        t = enc.encode(texts)
        gaps = []
        for n, p in enumerate(passages):
            q = enc.encode(list(p.questions))
            sims = q @ t.T
            gaps.extend(sims[:, n] - np.delete(sims, n, axis=1).max(axis=1))
        return float(np.mean(gaps))

    assert margin(model) > margin(base) + 0.01


def test_an_unchanged_build_reuses_the_model_and_a_changed_question_retrains(tuned, base, passages):
    index_dir, folder, record, _ = tuned
    again = finetune.prepare_model(passages, base.path, model_id(base.path), index_dir, content_hash="h1", settings=QUICK)
    assert again[1]["reused"] and again[1]["fingerprint"] == record["fingerprint"] and again[2] == {}
    edited = (replace(passages[0], questions=(*passages[0].questions, "a new way to ask")), *passages[1:])
    retrained = finetune.prepare_model(edited, base.path, model_id(base.path), index_dir, content_hash="h2", settings=QUICK)
    assert not retrained[1]["reused"] and retrained[1]["fingerprint"] != record["fingerprint"]
    saved = json.loads((folder / finetune.TUNING_FILE).read_text())
    assert saved["content_hash"] == "h2" and saved["settings"]["epochs"] == QUICK.epochs


def test_same_pairs_and_seed_give_the_same_model(tmp_path, base, passages):
    pairs = finetune.training_pairs(passages, QUICK)
    first, _ = finetune.fine_tune(base.path, pairs, tmp_path / "a", QUICK)
    second, _ = finetune.fine_tune(base.path, pairs, tmp_path / "b", QUICK)
    a = TorchEncoder(tmp_path / "a").encode(["is it inherited?"])
    b = TorchEncoder(tmp_path / "b").encode(["is it inherited?"])
    assert first["steps"] == second["steps"] > 0
    assert np.abs(a - b).max() < 1e-6
