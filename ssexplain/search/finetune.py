"""Fine-tune the embedding model on the curated (example question -> passage text) pairs.

Run at index-build time, before anything is embedded. The loss is sentence-transformers'
MultipleNegativesRankingLoss: in a batch of pairs, every other passage is a negative for a
question, so the model learns to put each question nearest its own passage. Batches never
hold two pairs of the same passage (that passage would be its own negative).

What is trained is the top of the network (`TuningSettings.top`): a 384 x 384 map applied to
the last transformer layer's output projection and that layer's LayerNorm ("projection"),
the last layer's feed-forward block ("feed_forward"), or the whole last layer ("layer").
Everything below is frozen, so its output is computed once per text (one no-grad pass, like
embedding the index) and the loop runs over those cached activations: an epoch takes seconds
to a minute or two, where training the whole model took about 10 minutes an epoch on this
shared 2-core machine (docs/RETRIEVAL.md). The projection's map is folded into its weights
afterwards (W' = (I + A) W, b' = (I + A) b); the other tops train the model's own weights. So
the result is always an ordinary sentence-transformers folder that loads, exports to ONNX and
embeds like the base model; mean pooling and normalisation follow exactly as the model does
them. With `hard_negatives`, each question is also shown the wrong passage the base model puts
nearest it, as a third column of MultipleNegativesRankingLoss.

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
    # what is trained: "projection" (a 384 x 384 map on the last layer's output projection,
    # and its LayerNorm) or "layer" (every weight of the last transformer layer)
    top: str = "projection"
    # each question also against the wrong passage the base model puts nearest it
    hard_negatives: bool = False

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


def _batches(
    pairs: list[tuple[str, str, str]], batch_size: int, rng: random.Random, negatives: list[tuple[str, str]] | None = None
) -> list[list[int]]:
    """Shuffled batches in which no passage appears twice (it would be its own negative); with
    hard negatives, no pair's negative passage is another pair's own passage either."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    pending = order
    while pending:
        batch: list[int] = []
        seen: set[str] = set()  # the batch's own passages
        shown: set[str | None] = set()  # its hard negatives (two pairs may share one)
        rest: list[int] = []
        for i in pending:
            own, against = pairs[i][0], negatives[i][0] if negatives else None
            if len(batch) < batch_size and own not in seen and own not in shown and against not in seen:
                batch.append(i)
                seen.add(own)
                shown.add(against)
            else:
                rest.append(i)
        if len(batch) < 2:  # only one passage left: nothing to contrast it with
            break
        batches.append(batch)
        pending = rest
    return batches


def _token_rows(model, texts: list[str], grab, *, batch_size: int = 64) -> dict[str, tuple]:
    """Run the frozen network once over `texts` (no grad) and keep, per text, the unpadded
    token rows of each tensor that `grab` records: the part that never changes, computed once."""
    import torch

    seen: dict = {}
    hooks = grab(seen)
    rows: dict[str, tuple] = {}
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
                    rows[text] = tuple(seen[key][n, : lengths[n]].clone() for key in sorted(seen))
    finally:
        for hook in hooks:
            hook.remove()
    return rows


def _mean_unit(tokens, owner, count: int):
    """Mean over each text's token rows, then unit length: the model's pooling and Normalize."""
    import torch

    sums = torch.zeros(count, tokens.shape[1]).index_add_(0, owner, tokens)
    counts = torch.bincount(owner, minlength=count).clamp(min=1).unsqueeze(1)
    return torch.nn.functional.normalize(sums / counts, dim=1)


class _ProjectionTop:
    """Trains a 384 x 384 map on the last layer's output projection, and that layer's
    LayerNorm. The cache holds, per token, the projection's output (before dropout and the
    residual) and the residual it is added to; the map is folded into the weights at the end."""

    def __init__(self, model, texts: list[str], settings: TuningSettings) -> None:
        import torch

        self.block = model[0].auto_model.encoder.layer[-1].output

        def grab(seen: dict) -> list:
            def residual(module, args, kwargs):
                seen["1_residual"] = (list(args) + [kwargs.get("input_tensor")])[1]

            def projected(module, args, output):
                seen["0_projected"] = output

            return [
                self.block.register_forward_pre_hook(residual, with_kwargs=True),
                self.block.dense.register_forward_hook(projected),
            ]

        self.rows = _token_rows(model, texts, grab)
        width = self.block.dense.out_features
        self.adapter = torch.nn.Linear(width, width, bias=False)
        torch.nn.init.zeros_(self.adapter.weight)  # starts as the base model exactly
        self.dropout = torch.nn.Dropout(settings.dropout)

    def parameters(self) -> list:
        return [self.adapter.weight, *self.block.LayerNorm.parameters()]

    def embed(self, texts: list[str], *, training: bool):
        """(I + A) projection -> dropout -> LayerNorm(+ residual) -> mean -> unit length."""
        import torch

        projected = torch.cat([self.rows[t][0] for t in texts])
        residual = torch.cat([self.rows[t][1] for t in texts])
        owner = torch.cat([torch.full((len(self.rows[t][0]),), n, dtype=torch.long) for n, t in enumerate(texts)])
        dropped = self.dropout(projected + self.adapter(projected)) if training else projected + self.adapter(projected)
        return _mean_unit(self.block.LayerNorm(dropped + residual), owner, len(texts))

    def finish(self) -> None:
        """Fold the map into the projection, (I + A)(W x + b), so the saved model is plain."""
        import torch

        with torch.no_grad():
            fold = torch.eye(self.adapter.weight.shape[0]) + self.adapter.weight
            self.block.dense.weight.copy_(fold @ self.block.dense.weight)
            self.block.dense.bias.copy_(fold @ self.block.dense.bias)
        self.adapter.weight.requires_grad_(False)


class _LayerTop:
    """Trains every weight of the last transformer layer (attention and feed-forward, about
    1.8 M), fed the cached hidden states that enter it: the five layers below run once per
    text, so an epoch costs one layer's work, not six. The weights are the model's own, so
    saving needs no folding."""

    def __init__(self, model, texts: list[str], settings: TuningSettings) -> None:
        self.layer = model[0].auto_model.encoder.layer[-1]
        self.config = model[0].auto_model.config

        def grab(seen: dict) -> list:
            def entering(module, args, kwargs):
                seen["0_hidden"] = args[0] if args else kwargs["hidden_states"]

            return [self.layer.register_forward_pre_hook(entering, with_kwargs=True)]

        self.rows = _token_rows(model, texts, grab)

    def parameters(self) -> list:
        return list(self.layer.parameters())

    def embed(self, texts: list[str], *, training: bool):
        """Pad the cached rows, run the layer with the model's own mask, mean, unit length."""
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        rows = [self.rows[t][0] for t in texts]
        hidden = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)
        mask = torch.zeros(hidden.shape[:2], dtype=torch.long)
        for n, r in enumerate(rows):
            mask[n, : len(r)] = 1
        self.layer.train(training)
        out = self.layer(
            hidden, attention_mask=create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=mask)
        )
        tokens = (out[0] if isinstance(out, tuple) else out)[mask.bool()]
        owner = torch.arange(len(texts)).repeat_interleave(mask.sum(dim=1))
        return _mean_unit(tokens, owner, len(texts))

    def finish(self) -> None:
        self.layer.eval()


class _FeedForwardTop:
    """Trains the last layer's feed-forward block (384 -> 1536 -> 384 and its LayerNorm,
    about 1.2 M weights), fed the cached output of that layer's attention. It works token by
    token, so unlike the whole layer it needs no padding and no attention: about half the
    cost a step."""

    def __init__(self, model, texts: list[str], settings: TuningSettings) -> None:
        self.layer = model[0].auto_model.encoder.layer[-1]

        def grab(seen: dict) -> list:
            def entering(module, args):
                seen["0_attended"] = args[0]

            return [self.layer.intermediate.register_forward_pre_hook(entering)]

        self.rows = _token_rows(model, texts, grab)

    def parameters(self) -> list:
        return [*self.layer.intermediate.parameters(), *self.layer.output.parameters()]

    def embed(self, texts: list[str], *, training: bool):
        """intermediate -> output (dropout, LayerNorm(+ attention output)) -> mean -> unit length."""
        import torch

        attended = torch.cat([self.rows[t][0] for t in texts])
        owner = torch.cat([torch.full((len(self.rows[t][0]),), n, dtype=torch.long) for n, t in enumerate(texts)])
        self.layer.train(training)
        return _mean_unit(self.layer.output(self.layer.intermediate(attended), attended), owner, len(texts))

    def finish(self) -> None:
        self.layer.eval()


TOPS = {"projection": _ProjectionTop, "feed_forward": _FeedForwardTop, "layer": _LayerTop}


def hard_negatives(pairs: list[tuple[str, str, str]], vectors: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """For each pair, (passage id, text) of the wrong passage whose text `vectors` (the base
    model's) put nearest the question: the mistake the untuned model would make, which
    in-batch negatives (31 passages drawn at random from 252) rarely show it. A passage's
    text is the first positive paired with it (`training_pairs` lists those pairs first)."""
    texts: dict[str, str] = {}
    for pid, _, positive in pairs:
        texts.setdefault(pid, positive)
    ids = sorted(texts)
    matrix = np.stack([vectors[texts[pid]] for pid in ids])
    chosen = []
    for pid, anchor, _ in pairs:
        scores = matrix @ vectors[anchor]
        scores[ids.index(pid)] = -np.inf
        best = ids[int(np.argmax(scores))]
        chosen.append((best, texts[best]))
    return chosen


def train_top(model, top, pairs: list[tuple[str, str, str]], settings: TuningSettings, negatives=None) -> int:
    """MultipleNegativesRankingLoss over `pairs` (each with its hard negative, if given),
    training only `top`'s parameters; returns the number of steps taken."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.manual_seed(settings.seed)
    loss_fn = MultipleNegativesRankingLoss(model, scale=settings.scale)
    rng = random.Random(settings.seed)
    plan = [_batches(pairs, settings.batch_size, rng, negatives) for _ in range(settings.epochs)]
    total = sum(len(epoch) for epoch in plan)
    warmup = max(1, int(total * settings.warmup_share))
    optimizer = torch.optim.AdamW(top.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    steps = 0
    for epoch in plan:
        for batch in epoch:
            columns = [[pairs[i][1] for i in batch], [pairs[i][2] for i in batch]]
            if negatives:
                columns.append([negatives[i][1] for i in batch])
            loss = loss_fn.compute_loss_from_embeddings([top.embed(c, training=True) for c in columns], None)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            steps += 1
    top.finish()
    for param in top.parameters():
        param.grad = None
    return steps


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
    result: dict = {"steps": 0}
    vectors: dict[str, np.ndarray] = {}
    if settings.epochs > 0 and pairs and _pools_by_mean(base_path):
        texts = sorted({t for _, a, b in pairs for t in (a, b)})
        top = TOPS[settings.top](model, texts, settings)
        result["activation_seconds"] = round(time.perf_counter() - started, 1)
        negatives = hard_negatives(pairs, _vectors(top, texts)) if settings.hard_negatives else None
        result["steps"] = train_top(model, top, pairs, settings, negatives)
        # The tuned model's vectors for every training text, from the same cache: the index
        # embeds exactly these texts, so the build need not run the model over them again.
        vectors = _vectors(top, texts)
    model.eval()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save(str(out_dir))
    result["train_seconds"] = round(time.perf_counter() - started, 1)
    return result, vectors


def _vectors(top, texts: list[str]) -> dict[str, np.ndarray]:
    """`top`'s unit vectors for `texts`, as the model in its current state embeds them."""
    import torch

    vectors: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for start in range(0, len(texts), 256):
            chunk = texts[start : start + 256]
            vectors.update(zip(chunk, top.embed(chunk, training=False).numpy().astype(np.float32)))
    return vectors


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
