"""Honest declines: is the SUBJECT of a question something the sources cover?

A question about acupuncture for hearing loss has words the sources know (hearing) around a
subject they never mention (acupuncture). Each decline theme of content/scope.yaml has word
patterns, some of which name the subject; a named subject that the sources' own words
contain is not declined (so "zinc" on deferiprone is answered). Beyond the patterns, the
question's embedding is compared with the theme examples and with every in-scope question
(the passages' own questions and the look-alikes in scope.yaml): a theme wins only when it
is nearer than the threshold and nearer than any in-scope question by the margin.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from ssexplain.content.loader import Content
from ssexplain.content.triage_rules import ScopeRules, Theme
from ssexplain.search.example_index import ExampleVectors
from ssexplain.search.keyword_search import stem

WORD = re.compile(r"[a-z]+")
TEST_THEME = "test-input"
MASH_MAX_WORDS = 4


@dataclass(frozen=True)
class ScopeDecision:
    theme: Theme
    about: str  # what the reply names as missing ("acupuncture", "prices and costs")
    via: str  # "pattern", "similarity" or "no words"


def covered_words(content: Content) -> frozenset[str]:
    """Stemmed words of every passage (quote and plain text) and glossary entry."""
    texts = [f"{p.quote} {p.plain}" for p in content.passages]
    texts += [" ".join([t.term, t.definition, *t.synonyms, *t.lay]) for t in content.glossary]
    return frozenset(stem(w) for text in texts for w in WORD.findall(text.lower()))


class ScopeChecker:
    def __init__(
        self,
        rules: ScopeRules,
        examples: ExampleVectors,
        in_scope: np.ndarray,
        *,
        covered: frozenset[str],
        known_words: frozenset[str],
    ) -> None:
        self.rules = rules
        theme_rows = examples.rows("theme")
        self._themes = list(rules.themes)
        self._theme_vectors = examples.matrix[theme_rows]
        labels = np.array([examples.labels[r] for r in theme_rows])
        self._masks = [labels == t.id for t in self._themes]
        self._in_scope = np.ascontiguousarray(
            np.vstack([examples.matrix[examples.rows("in_scope")], in_scope]), dtype=np.float32
        )
        self._covered = covered
        self._known = known_words | covered
        self._test = next((t for t in self._themes if t.id == TEST_THEME), None)

    def subject_covered(self, subject: str) -> bool:
        words = [w for w in WORD.findall(subject.lower()) if len(w) >= 3]
        return bool(words) and all(stem(w) in self._covered for w in words)

    def is_mash(self, text: str) -> bool:
        """Keyboard mash or one-word test input: no word anyone would know, however spelled."""
        words = WORD.findall(text.lower())
        if not any(len(w) >= 2 for w in words):
            return True
        if len(words) > MASH_MAX_WORDS:
            return False
        for word in words:
            if len(word) < 3 or word in self._known or stem(word) in self._covered:
                return False
            if difflib.get_close_matches(word, self._covered, n=1, cutoff=0.8):
                return False
        return True

    def by_pattern(self, text: str) -> ScopeDecision | None:
        for theme in self._themes:
            if any(u.search(text) for u in theme.unless):
                continue
            for pattern in theme.patterns:
                match = pattern.search(text)
                if not match:
                    continue
                subject = (match.groupdict().get("subject") or "").strip()
                if subject and self.subject_covered(subject):
                    continue
                return ScopeDecision(theme, subject.lower() or theme.about, "pattern")
        return None

    def scores(self, vector: np.ndarray) -> tuple[np.ndarray, float]:
        """The best similarity to each theme's examples, and to any in-scope question."""
        to_themes = self._theme_vectors @ vector
        per_theme = np.array([to_themes[m].max() for m in self._masks])
        return per_theme, float((self._in_scope @ vector).max())

    def by_similarity(self, vector: np.ndarray) -> ScopeDecision | None:
        per_theme, in_scope = self.scores(vector)
        best = int(per_theme.argmax())
        score = float(per_theme[best])
        threshold, margin = self.rules.similarity.threshold, self.rules.similarity.margin
        if score >= threshold and score - in_scope >= margin:
            theme = self._themes[best]
            return ScopeDecision(theme, theme.about, "similarity")
        return None

    def check(self, text: str, vector: np.ndarray) -> ScopeDecision | None:
        if self._test is not None and self.is_mash(text):
            return ScopeDecision(self._test, self._test.about, "no words")
        return self.by_pattern(text) or self.by_similarity(vector)
