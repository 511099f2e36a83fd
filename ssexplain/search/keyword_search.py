"""Keyword (BM25) search over passages: catches exact medical words the embedding blurs."""
from __future__ import annotations

import re

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


class KeywordIndex:
    def __init__(self, passages: tuple[Passage, ...]) -> None:
        self._ids = [p.id for p in passages]
        self._bm25 = BM25Okapi([tokenize(searchable_text(p)) for p in passages])
        self.vocabulary = frozenset(t for p in passages for t in WORD.findall(searchable_text(p).lower()))

    def rank(self, query: str, *, limit: int) -> list[tuple[str, float]]:
        """Passage ids with a positive BM25 score, best first."""
        tokens = tokenize(query)
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:limit]
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]
