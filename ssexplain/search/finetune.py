"""Fine-tune the embedding model on the curated (example question -> passage text) pairs.

Run at index-build time, before anything is embedded. The loss is sentence-transformers'
MultipleNegativesRankingLoss: in a batch of pairs, every other passage is a negative for a
question, so the model learns to put each question nearest its own passage. Batches never
hold two pairs of the same passage (that passage would be its own negative).

What is trained is the top of the network: a 384 x 384 map applied to the last transformer
layer's output projection, and that layer's LayerNorm. Everything below is frozen, so its
output is computed once per text (one no-grad pass, like embedding the index) and the loop
runs over those cached activations: an epoch takes seconds, where training the whole model
took about 10 minutes an epoch on this shared 2-core machine (docs/RETRIEVAL.md). The map is
folded into the projection's weights afterwards (W' = (I + A) W, b' = (I + A) b), so the
result is an ordinary sentence-transformers folder that loads, exports to ONNX and embeds
like the base model; mean pooling and normalisation follow exactly as the model does them.

A plain torch loop: sentence-transformers' Trainer (and `model.fit`, which wraps it) needs
the `datasets` and `accelerate` packages; this does not. Seeded and single-process, so the
same content and settings give the same model.

The result is `index/model/`, with `tuning.json` recording what it was trained from. A build
whose base model, training pairs and settings match `tuning.json` reuses the folder instead
of training again.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ssexplain.content.loader import Passage

TUNING_FILE = "tuning.json"
MODEL_DIR = "model"


@dataclass(frozen=True)
class TuningSettings:
    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 3e-4
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    dropout: float = 0.1
    scale: float = 20.0  # MultipleNegativesRankingLoss scale (1 / temperature)
    seed: int = 20240
    # also (question -> another question of the same passage): the index stores both kinds
    question_pairs: bool = False

    @classmethod
    def from_env(cls) -> "TuningSettings":
        """SSEXPLAIN_TUNE_EPOCHS=0 turns tuning off (the base model is copied to index/model/)."""
        epochs = os.environ.get("SSEXPLAIN_TUNE_EPOCHS", "").strip()
        return cls(epochs=int(epochs)) if epochs else cls()


def passage_text(passage: Passage) -> str:
    """The passage text as the index embeds it."""
    return f"{passage.plain} {passage.quote}"


def training_pairs(
    passages: tuple[Passage, ...] | list[Passage], settings: TuningSettings, transform=lambda text: text
) -> list[tuple[str, str, str]]:
    """(passage id, anchor, positive): each example question with its passage's text, both
    as the index embeds them (`transform`)."""
    pairs = [(p.id, transform(q), transform(passage_text(p))) for p in passages for q in p.questions]
    if settings.question_pairs:
        for p in passages:
            for n, q in enumerate(p.questions):
                other = p.questions[(n + 1) % len(p.questions)]
                if other != q:
                    pairs.append((p.id, transform(q), transform(other)))
    return pairs


def _fingerprint(base_model_id: str, pairs: list[tuple[str, str, str]], settings: TuningSettings) -> str:
    digest = hashlib.sha256(base_model_id.encode())
    digest.update(json.dumps(asdict(settings), sort_keys=True).encode())
    for pair in pairs:
        digest.update("\x1f".join(pair).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _batches(pairs: list[tuple[str, str, str]], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches in which no passage appears twice (it would be its own negative)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    pending = order
    while pending:
        batch: list[int] = []
        seen: set[str] = set()
        rest: list[int] = []
        for i in pending:
            if len(batch) < batch_size and pairs[i][0] not in seen:
                batch.append(i)
                seen.add(pairs[i][0])
            else:
                rest.append(i)
        if len(batch) < 2:  # only one passage left: nothing to contrast it with
            break
        batches.append(batch)
        pending = rest
    return batches


class _Activations:
    """Per text, one row per token: the last layer's output projection (before dropout and
    the residual) and the residual it is added to. The frozen part, computed once."""

    def __init__(self, model, texts: list[str], *, batch_size: int = 64) -> None:
        import torch

        block = model[0].auto_model.encoder.layer[-1].output
        seen: dict = {}

        def grab(module, args, kwargs):
            seen["residual"] = (list(args) + [kwargs.get("input_tensor")])[1]

        def keep(module, args, output):
            seen["projected"] = output

        hooks = [block.register_forward_pre_hook(grab, with_kwargs=True), block.dense.register_forward_hook(keep)]
        self.rows: dict[str, tuple] = {}
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        try:
            with torch.no_grad():
                model.eval()
                for start in range(0, len(order), batch_size):
                    chunk = [texts[i] for i in order[start : start + batch_size]]
                    features = model.tokenize(chunk)
                    inputs = {k: v for k, v in features.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
                    model[0].auto_model(**inputs)
                    lengths = features["attention_mask"].sum(dim=1).tolist()
                    for n, text in enumerate(chunk):
                        self.rows[text] = (seen["projected"][n, : lengths[n]].clone(), seen["residual"][n, : lengths[n]].clone())
        finally:
            for hook in hooks:
                hook.remove()

    def batch(self, texts: list[str]):
        """Token rows of the texts stacked, and which text each row belongs to."""
        import torch

        projected = torch.cat([self.rows[t][0] for t in texts])
        residual = torch.cat([self.rows[t][1] for t in texts])
        owner = torch.cat([torch.full((len(self.rows[t][0]),), n, dtype=torch.long) for n, t in enumerate(texts)])
        return projected, residual, owner


def _embed(acts: _Activations, texts: list[str], adapter, norm, dropout):
    """The model's sentence vectors for `texts`, from the cached activations and the
    trainable top: (I + A) projection -> dropout -> LayerNorm(+ residual) -> mean -> unit length."""
    import torch

    projected, residual, owner = acts.batch(texts)
    tokens = norm(dropout(projected + adapter(projected)) + residual)
    sums = torch.zeros(len(texts), tokens.shape[1]).index_add_(0, owner, tokens)
    counts = torch.bincount(owner, minlength=len(texts)).clamp(min=1).unsqueeze(1)
    return torch.nn.functional.normalize(sums / counts, dim=1)


def train_top(model, acts: _Activations, pairs: list[tuple[str, str, str]], settings: TuningSettings):
    """Train the top of `model` on `pairs` from cached activations; the learnt map is folded
    into the model's weights. Returns (map, steps): the map embeds from `acts` directly."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.manual_seed(settings.seed)
    block = model[0].auto_model.encoder.layer[-1].output
    loss_fn = MultipleNegativesRankingLoss(model, scale=settings.scale)
    dropout = torch.nn.Dropout(settings.dropout)
    width = block.dense.out_features
    adapter = torch.nn.Linear(width, width, bias=False)
    torch.nn.init.zeros_(adapter.weight)  # starts as the base model exactly
    params = [adapter.weight, *block.LayerNorm.parameters()]
    rng = random.Random(settings.seed)
    plan = [_batches(pairs, settings.batch_size, rng) for _ in range(settings.epochs)]
    total = sum(len(epoch) for epoch in plan)
    warmup = max(1, int(total * settings.warmup_share))
    optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    steps = 0
    for epoch in plan:
        for batch in epoch:
            anchors = _embed(acts, [pairs[i][1] for i in batch], adapter, block.LayerNorm, dropout)
            positives = _embed(acts, [pairs[i][2] for i in batch], adapter, block.LayerNorm, dropout)
            loss = loss_fn.compute_loss_from_embeddings([anchors, positives], None)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            steps += 1
    with torch.no_grad():  # fold the map into the projection: (I + A)(W x + b)
        fold = torch.eye(width) + adapter.weight
        block.dense.weight.copy_(fold @ block.dense.weight)
        block.dense.bias.copy_(fold @ block.dense.bias)
    for param in model.parameters():
        param.grad = None
    adapter.weight.requires_grad_(False)
    return adapter, steps


def fine_tune(base_path: Path, pairs: list[tuple[str, str, str]], out_dir: Path, settings: TuningSettings):
    """Train a copy of the model in `base_path` on `pairs` and save it to `out_dir`.
    Returns (record, vectors): vectors maps each training text to its tuned embedding."""
    import torch
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    model = SentenceTransformer(str(base_path), device="cpu", local_files_only=True)
    # One thread: the same sums in the same order on every machine (so the same model), and on
    # a shared 2-core machine it was 5x faster than two threads fighting other work.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _tune_and_save(model, base_path, pairs, out_dir, settings, started)
    finally:
        torch.set_num_threads(threads)


def _tune_and_save(model, base_path: Path, pairs, out_dir: Path, settings: TuningSettings, started: float):
    import torch

    result: dict = {"steps": 0}
    vectors: dict[str, np.ndarray] = {}
    if settings.epochs > 0 and pairs and _pools_by_mean(base_path):
        texts = sorted({t for _, a, b in pairs for t in (a, b)})
        acts = _Activations(model, texts)
        result["activation_seconds"] = round(time.perf_counter() - started, 1)
        adapter, result["steps"] = train_top(model, acts, pairs, settings)
        # The tuned model's vectors for every training text, from the same cache: the index
        # embeds exactly these texts, so the build need not run the model over them again.
        block = model[0].auto_model.encoder.layer[-1].output
        with torch.no_grad():
            for start in range(0, len(texts), 256):
                chunk = texts[start : start + 256]
                rows = _embed(acts, chunk, adapter, block.LayerNorm, torch.nn.Identity()).numpy()
                vectors.update(zip(chunk, rows.astype(np.float32)))
    model.eval()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save(str(out_dir))
    result["train_seconds"] = round(time.perf_counter() - started, 1)
    return result, vectors


def _pools_by_mean(path: Path) -> bool:
    """The cached-activation loop assumes mean pooling (all-MiniLM-L6-v2's); another model
    folder is copied untuned rather than tuned wrongly."""
    try:
        config = json.loads((path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    return bool(config.get("pooling_mode_mean_tokens")) and not any(
        config.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_lasttoken")
    )


def prepare_model(
    passages: tuple[Passage, ...] | list[Passage],
    base_path: Path,
    base_model_id: str,
    index_dir: Path,
    *,
    content_hash: str,
    settings: TuningSettings | None = None,
    transform=lambda text: text,
) -> tuple[Path, dict, dict]:
    """Make `index_dir/model/` the model to embed with: tuned on the content's pairs, or
    reused when the base model, pairs and settings are unchanged. Returns (folder, record,
    vectors): vectors are the tuned embeddings of the training texts (empty when reused)."""
    settings = settings or TuningSettings.from_env()
    out_dir = index_dir / MODEL_DIR
    pairs = training_pairs(passages, settings, transform)
    fingerprint = _fingerprint(base_model_id, pairs, settings)
    record_path = out_dir / TUNING_FILE
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        record = {}
    if record.get("fingerprint") == fingerprint and (out_dir / "modules.json").exists():
        return out_dir, {**record, "reused": True}, {}
    index_dir.mkdir(parents=True, exist_ok=True)
    work = index_dir / (MODEL_DIR + ".partial")
    result, vectors = fine_tune(base_path, pairs, work, settings)
    record = {
        "fingerprint": fingerprint,
        "base_model_id": base_model_id,
        "content_hash": content_hash,
        "pairs": len(pairs),
        "settings": asdict(settings),
        **result,
    }
    (work / TUNING_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    # Swapped in whole: a build cut short never leaves a half-written model folder behind.
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work.rename(out_dir)
    return out_dir, {**record, "reused": False}, vectors
