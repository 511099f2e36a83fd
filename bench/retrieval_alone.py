"""Retrieval alone on the banks' single questions: what fine-tuning settings are chosen by.

    .venv/bin/python bench/retrieval_alone.py --index index              # a built index
    .venv/bin/python bench/retrieval_alone.py --tune epochs=2 lr=1e-4    # train, then measure

`Retriever.search` on each single question (kind in_scope, one `expect_passages` list, no
history) of tests/banks/retrieval_a.jsonl and retrieval_b.jsonl: question preparation, dense
and keyword search and fusion, but no triage, no declines and no conversation logic, so a
change to the model is measured on the same questions every time (the whole engine's figures
move with the safety rules too). Figures are hit@1 / hit@3 / MRR (first 10 hits) by passage id.

`--tune` fine-tunes the base model with those TuningSettings fields changed (names as in
`finetune.TuningSettings`, `lr` for learning_rate) and searches an index made in memory from
the tuned vectors, without the ONNX export or the safety examples: a few minutes a setting on
the shared machine. (The `top=` and `hard_negatives=` rows of docs/RETRIEVAL.md were run with
the finetune.py of commit 324abb6, which has those settings; the tree now has the old one.)
Folds 0-2 only unless `--folds` says otherwise: the held-out folds 3-4 are measured once, for
the setting chosen (docs/RETRIEVAL.md, "Issue 11").
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ssexplain.content.loader import Content, load_content  # noqa: E402
from ssexplain.evaluation.questions import EvalQuestion, load_questions, passage_rank  # noqa: E402
from ssexplain.search.embedding import Encoder, TorchEncoder, model_id, resolve_model_path  # noqa: E402
from ssexplain.search.index_store import (  # noqa: E402
    IndexedVector, LoadedIndex, load_index, model_folder, passage_texts,
)
from ssexplain.search.keyword_search import KeywordIndex  # noqa: E402
from ssexplain.search.query_expansion import QueryExpander, without_condition_name  # noqa: E402
from ssexplain.search.retrieval import Retriever  # noqa: E402

BANKS = (ROOT / "tests" / "banks" / "retrieval_a.jsonl", ROOT / "tests" / "banks" / "retrieval_b.jsonl")
DEPTH = 10


@dataclass(frozen=True)
class Figures:
    n: int
    hit1: float
    hit3: float
    mrr: float

    def __str__(self) -> str:
        return f"n={self.n} hit@1 {self.hit1:.3f} hit@3 {self.hit3:.3f} MRR {self.mrr:.3f}"


def single_questions(folds: tuple[int, ...], paths: tuple[Path, ...] = BANKS) -> list[EvalQuestion]:
    """The banks' single in-scope questions in `folds` (long `multi` messages are left out)."""
    items = [q for path in paths for q in load_questions(path)]
    return [q for q in items if q.kind == "in_scope" and q.expect_passages and not q.history and q.fold in folds]


def retriever_for(content: Content, index: LoadedIndex, encoder: Encoder) -> Retriever:
    """A Retriever wired as Engine.load wires it, minus triage."""
    keywords = KeywordIndex(content.passages)
    return Retriever(
        passages=content.passages, index=index, encoder=encoder,
        expander=QueryExpander(content.glossary, keywords.vocabulary, english=encoder.known_words()),
        keywords=keywords,
    )


def measure(retriever: Retriever, items: list[EvalQuestion]) -> Figures:
    """hit@1, hit@3 and MRR of the first `DEPTH` hits, by passage id."""
    ranks = []
    for item in items:
        hits = retriever.search([retriever.prepare(item.question)], limit=DEPTH)
        ranks.append(passage_rank([h.passage for h in hits], item.expect_passages, depth=DEPTH))
    n = len(ranks)
    return Figures(
        n=n,
        hit1=sum(r == 1 for r in ranks if r) / n,
        hit3=sum(r <= 3 for r in ranks if r) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
    )


def built_index(content_dir: Path, index_dir: Path) -> Retriever:
    """The retriever over an index made by `build-index`, embedding with its torch model."""
    content = load_content(content_dir)
    encoder = TorchEncoder(model_folder(index_dir))
    index = load_index(content, content_dir, index_dir, expected_model_id=None, encoder_id=encoder.id)
    return retriever_for(content, index, encoder)


def tuned_in_memory(content_dir: Path, settings, work: Path) -> tuple[Retriever, dict]:
    """Fine-tune with `settings` into `work` and search an index of the tuned vectors;
    also returns the tuning record (steps, seconds)."""
    import faiss
    import numpy as np

    from ssexplain.search.finetune import prepare_model

    content = load_content(content_dir)
    base = resolve_model_path()
    folder, record, vectors = prepare_model(
        content.passages, base, model_id(base), work, content_hash="bench", settings=settings,
        transform=without_condition_name,
    )
    rows = [(p.id, kind, text) for p in content.passages for kind, text in passage_texts(p)]
    encoder = TorchEncoder(folder)
    matrix = np.stack([vectors[t] for _, _, t in rows]) if vectors else encoder.encode([t for _, _, t in rows])
    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    index = LoadedIndex(faiss_index=flat, vectors=tuple(IndexedVector(pid, kind) for pid, kind, _ in rows), manifest={})
    return retriever_for(content, index, encoder), record


def parse_settings(pairs: list[str]):
    """TuningSettings with `name=value` changes, typed as each field's default."""
    from ssexplain.search.finetune import TuningSettings

    settings = TuningSettings()
    types = {f.name: type(getattr(settings, f.name)) for f in fields(settings)}
    changes = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        name = {"lr": "learning_rate"}.get(name, name)
        kind = types[name]
        changes[name] = raw.lower() in ("1", "true", "yes") if kind is bool else kind(raw)
    return replace(settings, **changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="a built index folder")
    parser.add_argument("--tune", nargs="*", metavar="NAME=VALUE", help="fine-tune with these settings, in memory")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--folds", default="0,1,2", help="comma-separated folds (default: the tuning folds 0-2)")
    args = parser.parse_args(argv)
    folds = tuple(int(f) for f in args.folds.split(","))
    items = single_questions(folds)
    if args.tune is not None:
        settings = parse_settings(args.tune)
        with tempfile.TemporaryDirectory() as work:
            retriever, record = tuned_in_memory(args.content, settings, Path(work))
            timing = f"{record['steps']} steps, cache {record.get('activation_seconds')} s, all {record['train_seconds']} s"
            print(f"folds {args.folds}  {measure(retriever, items)}  [{' '.join(args.tune) or 'default'}; {timing}]")
    else:
        retriever = built_index(args.content, args.index or ROOT / "index")
        print(f"folds {args.folds}  {measure(retriever, items)}  [{args.index}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
