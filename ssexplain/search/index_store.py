"""Build the search index from `content/`, and load it only when it still matches.

The index holds one vector per passage text and one per example question: matching a
patient's question to stored questions is the strongest signal for FAQ-style search.
A manifest records the content hash and model id, so a stale index is refused with a
message that names the command to run.
"""
from __future__ import annotations

import json
import shutil
import time

import numpy as np
from dataclasses import dataclass
from pathlib import Path

from ssexplain.content.loader import Content, Passage, content_hash, load_content
from ssexplain.search.embedding import Encoder, TorchEncoder, load_encoder, model_id, resolve_model_path
from ssexplain.errors import IndexNotReady
from ssexplain.search.example_index import MANIFEST_KEY as SAFETY_EXAMPLES, build_example_vectors
from ssexplain.search.onnx_export import check_export, check_sample, export_onnx, quantize_int8
from ssexplain.search.query_expansion import without_condition_name

INDEX_FILE = "passages.faiss"
MODEL_DIR = "model"
META_FILE = "meta.json"
MANIFEST_FILE = "manifest.json"
REBUILD = "run `python -m ssexplain build-index` (or `make run`)"


@dataclass(frozen=True)
class IndexedVector:
    passage_id: str
    kind: str  # "text" or "question"


@dataclass(frozen=True)
class LoadedIndex:
    faiss_index: object
    vectors: tuple[IndexedVector, ...]
    manifest: dict


def passage_texts(passage: Passage) -> list[tuple[str, str]]:
    """The (kind, text) pairs embedded for one passage."""
    texts = [("text", f"{passage.plain} {passage.quote}")] + [("question", q) for q in passage.questions]
    return [(kind, without_condition_name(text)) for kind, text in texts]


def model_folder(index_dir: Path) -> Path:
    """The sentence-transformers folder the index was built with (and serves with)."""
    return index_dir / MODEL_DIR


def _prepare_model(content: Content, content_dir: Path, index_dir: Path, base_path: Path) -> tuple[TorchEncoder, dict]:
    """Fine-tune the base model into `index/model/` (reused when the base model, the
    example questions and the settings are unchanged; see finetune.py) and load it."""
    from ssexplain.search.finetune import prepare_model

    base_id = model_id(base_path)
    folder, record, vectors = prepare_model(
        content.passages, base_path, base_id, index_dir, content_hash=content_hash(content_dir),
        transform=without_condition_name,
    )
    # `vectors`: the tuned embeddings of the texts it trained on (the index's own texts), so
    # build_index need not embed them again; popped before the record goes in the manifest.
    return TorchEncoder(folder), {"base_model_id": base_id, "tuned": record["steps"] > 0, "tuning": record, "vectors": vectors}


def build_index(content_dir: Path, index_dir: Path, *, model_path: str = "", encoder: Encoder | None = None) -> dict:
    """Embed every passage and example question into `index_dir`; return the manifest.

    The model is copied into `index/model/` (the folder the server loads) and exported to
    ONNX there, checked against sentence-transformers on a sample of the embedded texts.
    `encoder` replaces all of that with a ready encoder (tests use a small fake).
    """
    import faiss

    started = time.perf_counter()
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / MANIFEST_FILE).unlink(missing_ok=True)  # the index reads as missing until done
    content = load_content(content_dir)
    model_record: dict = {}
    if encoder is None:
        encoder, model_record = _prepare_model(content, content_dir, index_dir, resolve_model_path(model_path))
    pairs = [(p.id, kind, text) for p in content.passages for kind, text in passage_texts(p)]
    texts = [text for _, _, text in pairs]
    known = model_record.pop("vectors", None) or {}
    matrix = np.stack([known[t] for t in texts]) if all(t in known for t in texts) and known else encoder.encode(texts)
    if model_record:
        export_onnx(encoder)
        sample = check_sample(texts)
        model_record["onnx"] = check_export(encoder, sample)
        model_record["onnx_int8"] = quantize_int8(encoder.path, sample)
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(matrix)

    faiss.write_index(index, str(index_dir / INDEX_FILE))
    meta = {"vectors": [[pid, kind] for pid, kind, _ in pairs]}
    (index_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    safety_examples = build_example_vectors(content_dir, index_dir, encoder)  # triage and scope (SAFETY.md)
    manifest = {
        "content_hash": content_hash(content_dir),
        "base_model_id": model_record.get("base_model_id", encoder.id),
        "model_id": encoder.id,
        "dimension": encoder.dimension,
        "passages": len(content.passages),
        "vectors": len(pairs),
        "model": model_record,
        SAFETY_EXAMPLES: safety_examples,
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    # Written last: a build cut short leaves no manifest, so the index reads as missing.
    (index_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexNotReady(f"search index is missing ({path.name} not found in {path.parent}): {REBUILD}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexNotReady(f"search index is corrupt ({path} is unreadable): {REBUILD}") from None
    if not isinstance(data, dict):
        raise IndexNotReady(f"search index is corrupt ({path} is not a JSON object): {REBUILD}")
    return data


def check_manifest(content_dir: Path, index_dir: Path, *, expected_model_id: str | None) -> dict:
    """Refuse an index that is missing or no longer matches the content or the model."""
    manifest = _read_json(index_dir / MANIFEST_FILE)
    if manifest.get("content_hash") != content_hash(content_dir):
        raise IndexNotReady(f"search index is stale (content/ changed since it was built): {REBUILD}")
    if expected_model_id is not None and manifest.get("base_model_id") != expected_model_id:
        raise IndexNotReady(f"search index was built with another model ({manifest.get('base_model_id')}): {REBUILD}")
    return manifest


def load_index(
    content: Content, content_dir: Path, index_dir: Path, *, expected_model_id: str | None, encoder_id: str
) -> LoadedIndex:
    """Load the FAISS index and its metadata, checking each against the other and the
    encoder against the model the vectors were made with."""
    import faiss

    manifest = check_manifest(content_dir, index_dir, expected_model_id=expected_model_id)
    if manifest.get("model_id") != encoder_id:
        raise IndexNotReady(f"search index was embedded with another model ({manifest.get('model_id')}): {REBUILD}")
    meta = _read_json(index_dir / META_FILE)
    try:
        index = faiss.read_index(str(index_dir / INDEX_FILE))
    except RuntimeError:
        raise IndexNotReady(f"search index is corrupt ({INDEX_FILE} is unreadable): {REBUILD}") from None
    raw = meta.get("vectors")
    known = {p.id for p in content.passages}
    if (
        not isinstance(raw, list)
        or index.ntotal != len(raw)
        or index.d != manifest.get("dimension")
        or any(not isinstance(v, list) or len(v) != 2 or v[0] not in known for v in raw)
    ):
        raise IndexNotReady(f"search index is corrupt (vectors and metadata disagree): {REBUILD}")
    vectors = tuple(IndexedVector(passage_id=v[0], kind=v[1]) for v in raw)
    return LoadedIndex(faiss_index=index, vectors=vectors, manifest=manifest)


def expected_model_id(configured: str = "") -> str | None:
    """The id the index's base model must carry, computed without loading the model.

    None on a serving-only host (`pip install .`, no `[build]`) that has neither
    SSEXPLAIN_MODEL nor the packaged model: the index's own model is then the only one there.
    """
    try:
        return model_id(resolve_model_path(configured))
    except ImportError:
        return None
