"""Find the passages that answer a question: dense search fused with keyword search.

Dense search compares the question with each passage's text and its example questions
(a passage scores a mix of its best question match and its text match). Keyword search
(BM25) catches exact medical words. The two rankings are fused by reciprocal rank; the dense
score is kept as the confidence used to decide whether the sources answer the question at all.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssexplain.content.loader import Passage
from ssexplain.search.embedding import Encoder
from ssexplain.search.index_store import LoadedIndex
from ssexplain.search.keyword_search import KeywordIndex
from ssexplain.search.query_expansion import QueryExpander, without_condition_name

RRF_K = 60
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.5
CANDIDATES = 30
# A passage's dense score mixes its best-matching example question with its own text:
# questions match how people ask, the text keeps the score honest about the content.
QUESTION_SHARE = 0.7


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused rank score scaled to 0..1 (1 = ranked first by every signal)
    similarity: float  # dense score: mix of best question and text cosine similarity


@dataclass(frozen=True)
class Query:
    """One search request: the text to embed and the text to match keywords against."""

    dense_text: str
    keyword_text: str


class Retriever:
    def __init__(
        self,
        *,
        passages: tuple[Passage, ...],
        index: LoadedIndex,
        encoder: Encoder,
        expander: QueryExpander,
        keywords: KeywordIndex,
    ) -> None:
        self._passages = {p.id: p for p in passages}
        self._passage_ids = [p.id for p in passages]
        position = {pid: n for n, pid in enumerate(self._passage_ids)}
        # Index rows grouped by passage (questions and texts apart), so a passage's best
        # match is one `maximum.reduceat` over its group instead of a Python loop.
        owner = np.array([position[v.passage_id] for v in index.vectors], dtype=np.int64)
        is_question = np.array([v.kind == "question" for v in index.vectors], dtype=bool)
        self._question_rows, self._question_starts = _grouped(owner, is_question)
        self._text_rows, self._text_starts = _grouped(owner, ~is_question)
        self._index = index
        self._encoder = encoder
        self._expander = expander
        self._keywords = keywords

    def prepare(self, question: str) -> Query:
        """Keyword search gets the glossary's medical terms added ("spinal tap" finds "lumbar
        puncture"); the embedding already knows everyday words, and appended terms only blur
        it, so it gets the question with its spelling mended (see docs/RETRIEVAL.md)."""
        expansion = self._expander.expand(question)
        return Query(dense_text=without_condition_name(expansion.mended), keyword_text=expansion.text)

    def dense_similarities(self, texts: list[str]) -> list[dict[str, float]]:
        """For each text, each passage's mix of best question match and text match.

        The index is small (a few thousand vectors), so an exact search over all of it
        costs well under a millisecond and no candidate can be missed.
        """
        vectors = self._encoder.encode(texts)
        scores, rows = self._index.faiss_index.search(vectors, len(self._index.vectors))
        results = []
        for score_row, id_row in zip(scores, rows):
            by_row = np.empty(len(id_row), dtype=np.float32)
            by_row[id_row] = score_row  # undo FAISS's best-first order
            question = np.maximum.reduceat(by_row[self._question_rows], self._question_starts)
            text = np.maximum.reduceat(by_row[self._text_rows], self._text_starts)
            mixed = QUESTION_SHARE * question + (1 - QUESTION_SHARE) * text
            results.append(dict(zip(self._passage_ids, mixed.tolist())))
        return results

    def search(self, queries: list[Query], *, limit: int = 5) -> list[Hit]:
        """Fuse the rankings of every query (e.g. the question alone and with its context)."""
        dense = self.dense_similarities([q.dense_text for q in queries])
        fused: dict[str, float] = {}
        similarity: dict[str, float] = {}
        for query, best in zip(queries, dense):
            ranked = sorted(best.items(), key=lambda item: -item[1])[:CANDIDATES]
            for rank, (pid, score) in enumerate(ranked):
                fused[pid] = fused.get(pid, 0.0) + DENSE_WEIGHT / (RRF_K + rank)
                similarity[pid] = max(similarity.get(pid, -1.0), score)
            for rank, (pid, _) in enumerate(self._keywords.rank(query.keyword_text, limit=CANDIDATES)):
                fused[pid] = fused.get(pid, 0.0) + KEYWORD_WEIGHT / (RRF_K + rank)
        order = sorted(fused, key=lambda pid: -fused[pid])[:limit]
        best_possible = len(queries) * (DENSE_WEIGHT + KEYWORD_WEIGHT) / RRF_K
        return [
            Hit(
                passage=self._passages[pid],
                score=fused[pid] / best_possible,
                similarity=max(similarity.get(pid, 0.0), 0.0),
            )
            for pid in order
        ]


def _grouped(owner: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept rows ordered by passage, and where each passage's run starts.

    Every passage has a text vector and at least one question (the content loader insists),
    so each passage owns exactly one run and the runs come in passage order.
    """
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(owner[rows], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(owner[rows]) != 0])
    return rows, starts


def top_similarity(hits: list[Hit]) -> float:
    return max((h.similarity for h in hits), default=0.0)
