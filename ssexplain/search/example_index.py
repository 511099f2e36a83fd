"""Embed the example messages of `content/triage.yaml` and `content/scope.yaml` beside the
passage index, with the same encoder, so triage can compare a message with them.

One matrix holds every example; a JSON file says, row by row, which set it belongs to
("urgent" with its category, "not_urgent", "theme" with its theme, "in_scope"). The index
manifest records the count, so an index built before the examples existed reads as stale.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ssexplain.content.triage_rules import ScopeRules, TriageRules, load_scope, load_triage
from ssexplain.errors import IndexNotReady
from ssexplain.search.query_expansion import without_condition_name

VECTORS_FILE = "safety_examples.npy"
META_FILE = "safety_examples.json"
MANIFEST_KEY = "safety_examples"
REBUILD = "run `python -m ssexplain build-index` (or `make run`)"


@dataclass(frozen=True)
class ExampleVectors:
    """Unit vectors of the example messages, and for each row its set and label."""

    matrix: np.ndarray
    sets: tuple[str, ...]
    labels: tuple[str, ...]

    def rows(self, kind: str) -> np.ndarray:
        return np.flatnonzero(np.array(self.sets) == kind)


def example_rows(triage: TriageRules, scope: ScopeRules) -> list[tuple[str, str, str]]:
    """(set, label, text) for every example, in a fixed order."""
    rows = [("urgent", c.id, text) for c in triage.categories for text in c.examples]
    rows += [("not_urgent", "", text) for text in triage.not_urgent]
    rows += [("theme", t.id, text) for t in scope.themes for text in t.examples]
    rows += [("in_scope", "", text) for text in scope.in_scope]
    return rows


def embedding_text(text: str) -> str:
    """What is embedded for an example: as the retriever treats a question (docs/SAFETY.md)."""
    return without_condition_name(text)


def build_example_vectors(content_dir: Path, index_dir: Path, encoder) -> dict:
    """Embed every example into `index_dir`; return the manifest entry."""
    rows = example_rows(load_triage(content_dir), load_scope(content_dir))
    matrix = encoder.encode([embedding_text(text) for _, _, text in rows])
    np.save(index_dir / VECTORS_FILE, np.ascontiguousarray(matrix, dtype=np.float32))
    meta = {"rows": [[kind, label] for kind, label, _ in rows]}
    (index_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return {"vectors": len(rows), "file": VECTORS_FILE}


def load_example_vectors(index_dir: Path, *, manifest: dict) -> ExampleVectors:
    """The example vectors the index was built with, checked against its manifest."""
    record = manifest.get(MANIFEST_KEY)
    if not isinstance(record, dict):
        raise IndexNotReady(f"search index has no triage examples (built before they existed): {REBUILD}")
    try:
        matrix = np.load(index_dir / VECTORS_FILE, allow_pickle=False)
        meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexNotReady(f"search index is missing its triage examples: {REBUILD}") from None
    except (ValueError, OSError, UnicodeDecodeError):
        raise IndexNotReady(f"search index has unreadable triage examples: {REBUILD}") from None
    raw = meta.get("rows") if isinstance(meta, dict) else None
    if (
        not isinstance(raw, list)
        or matrix.ndim != 2
        or len(raw) != matrix.shape[0]
        or matrix.shape[0] != record.get("vectors")
        or matrix.shape[1] != manifest.get("dimension")
    ):
        raise IndexNotReady(f"search index is corrupt (triage examples and metadata disagree): {REBUILD}")
    return ExampleVectors(
        matrix=np.ascontiguousarray(matrix, dtype=np.float32),
        sets=tuple(str(r[0]) for r in raw),
        labels=tuple(str(r[1]) for r in raw),
    )


def question_vectors(index) -> np.ndarray:
    """The passages' example-question vectors from a loaded index: every one is a question
    the sources answer, so they serve triage and the scope check as counter-examples."""
    rows = [n for n, v in enumerate(index.vectors) if v.kind == "question"]
    matrix = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal)
    return np.ascontiguousarray(matrix[rows], dtype=np.float32)
