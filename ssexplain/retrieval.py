"""Find the passages that answer a question: dense search fused with keyword search.

Dense search compares the question with each passage's text and its example questions
(a passage scores its best match). Keyword search (BM25) catches exact medical words.
The two rankings are fused by reciprocal rank; the best dense similarity is kept as the
confidence used to decide whether the sources answer the question at all.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssexplain.content import Passage
from ssexplain.embedding import Encoder
from ssexplain.index_store import LoadedIndex
from ssexplain.keyword_search import KeywordIndex
from ssexplain.query_expansion import QueryExpander

RRF_K = 60
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.5
CANDIDATES = 30


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused rank score, only meaningful for ordering
    similarity: float  # best cosine similarity of the question to this passage (0..1)


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
        self._index = index
        self._encoder = encoder
        self._expander = expander
        self._keywords = keywords

    def prepare(self, question: str) -> Query:
        expansion = self._expander.expand(question)
        return Query(dense_text=expansion.text, keyword_text=expansion.text)

    def dense_similarities(self, texts: list[str], *, candidates: int = CANDIDATES * 4) -> list[dict[str, float]]:
        """For each text, the best similarity per passage among the nearest vectors."""
        vectors = self._encoder.encode(texts)
        scores, rows = self._index.faiss_index.search(vectors, min(candidates, len(self._index.vectors)))
        results = []
        for score_row, id_row in zip(scores, rows):
            best: dict[str, float] = {}
            for score, row in zip(score_row, id_row):
                if row < 0:
                    continue
                pid = self._index.vectors[row].passage_id
                best[pid] = max(best.get(pid, -1.0), float(score))
            results.append(best)
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
        return [
            Hit(passage=self._passages[pid], score=fused[pid], similarity=max(similarity.get(pid, 0.0), 0.0))
            for pid in order
        ]


def top_similarity(hits: list[Hit]) -> float:
    return max((h.similarity for h in hits), default=0.0)


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)
