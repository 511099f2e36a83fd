"""Keyword (BM25) search over passages: catches exact medical words the embedding blurs."""
from __future__ import annotations

import re

import numpy as np
from rank_bm25 import BM25Okapi

from ssexplain.content.loader import Passage

STOPWORDS = frozenset(
    """a about after all also am an and any are as at be been but by can could did do does doing
    for from get got had has have having he her his how i if in into is it its just me more most
    my no not of on or our out over she should so some such than that the their them then there
    these they this those to too up very was we were what when where which while who why will
    with would you your yours im ive id dont cant whats thats""".split()
)
WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """A deliberately tiny stemmer: plurals and -ing/-ed only, so medical words stay intact."""
    for suffix, keep, shortest in (("ies", "y", 3), ("ing", "", 4), ("ed", "", 4), ("es", "", 4), ("s", "", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(text.lower().replace("’", "'").replace("'", "")) if w not in STOPWORDS]


def searchable_text(passage: Passage) -> str:
    return " ".join([passage.section, passage.quote, passage.plain, *passage.questions])


def postings(bm25: BM25Okapi) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each word's BM25 contribution to every passage holding it, worked out once.

    The same figures as `BM25Okapi.get_scores`, which recomputes them over every passage
    for every word of every question in pure Python (1-2 ms a question)."""
    doc_len = np.array(bm25.doc_len, dtype=np.float64)
    norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
    found: dict[str, tuple[list[int], list[float]]] = {}
    for row, freqs in enumerate(bm25.doc_freqs):
        for word, tf in freqs.items():
            rows, scores = found.setdefault(word, ([], []))
            rows.append(row)
            scores.append(bm25.idf.get(word, 0.0) * tf * (bm25.k1 + 1) / (tf + norm[row]))
    return {w: (np.array(r, dtype=np.intp), np.array(s, dtype=np.float64)) for w, (r, s) in found.items()}


class KeywordIndex:
    def __init__(self, passages: tuple[Passage, ...]) -> None:
        self._ids = [p.id for p in passages]
        self._postings = postings(BM25Okapi([tokenize(searchable_text(p)) for p in passages]))
        self.vocabulary = frozenset(t for p in passages for t in WORD.findall(searchable_text(p).lower()))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for these words (a repeated word counts again)."""
        total = np.zeros(len(self._ids))
        for token in tokens:
            if token in self._postings:
                rows, scores = self._postings[token]
                total[rows] += scores
        return total

    def rank(self, query: str, *, limit: int) -> list[tuple[str, float]]:
        """Passage ids with a positive BM25 score, best first."""
        tokens = tokenize(query)
        if not tokens:
            return []
        scores = self.scores(tokens)
        order = np.argsort(-scores, kind="stable")[:limit]  # ties keep passage order
        return [(self._ids[i], float(scores[i])) for i in order.tolist() if scores[i] > 0]
