"""Honest declines: is the SUBJECT of a question something the sources cover?

A question about acupuncture for hearing loss has words the sources know (hearing) around a
subject they never mention (acupuncture). Each decline theme of content/scope.yaml has word
patterns, some of which name the subject; a named subject that the sources' own words
contain is not declined (so "zinc" on deferiprone is answered). Beyond the patterns, the
question's embedding is compared with the theme examples and with every in-scope question
(the passages' own questions and the look-alikes in scope.yaml): a theme wins only when it
is nearer than the threshold and nearer than any in-scope question by the margin.

A subject is covered only as a whole: every word of it is in the sources and, for a phrase,
its words stand together there ("stem cells" is not covered although "stem" and "cells" each
are). A pattern may match several times; the longest subject the sources miss is the one
named ("red meat" rather than "eating"). General sentence frames ("does X help", "has anyone
tried X", "is X safe") name any X the sources never mention (the `not-in-sources` theme);
a word spelled close to one the sources use is read as that word, so a typo is never named.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from ssexplain.content.loader import Content
from ssexplain.content.triage_rules import ScopeRules, Theme
from ssexplain.reply.pattern_screen import Screen, ScreenedPattern
from ssexplain.search.example_index import ExampleVectors
from ssexplain.search.keyword_search import stem

WORD = re.compile(r"[a-z]+")
TEST_THEME = "test-input"
FRAMES_THEME = "not-in-sources"  # general sentence frames: only an unknown word is named
# In a long message the decline patterns read what is asked: the sentences that are questions
# and the last sentence. A story may mention a bill, a support group or a scan report on the
# way to a question the sources answer.
STORY_CHARS = 200
SENTENCE = re.compile(r"[^.!?:;\n]+[.!?:;]*")
ASKING = re.compile(
    r"\?\s*$|^\W*(what|how|why|when|where|who|which|can|could|is|are|am|do|does|did|will|would|should|"
    r"may|might|has|have|any|anyone|please|tell me)\b",
    re.IGNORECASE,
)
SUFFIXES = ("able", "ible", "ness", "ment", "ing", "ed", "es", "s", "ly")
MASH_MAX_WORDS = 4
TYPO_CUTOFF = 0.88  # difflib ratio at which an unknown word is read as a word the sources use
TYPO_MIN_LETTERS = 6  # shorter words are too alike by chance ("herbs" and "hers")
# Words that never make a subject on their own: pronouns, quantifiers and fillers a sentence
# frame can catch ("does anything help", "is that really safe").
FILLER = frozenset(
    "you your yours she him her hers his our ours their theirs me mine myself "
    "it its this that these those they them there anything something nothing everything anyone "
    "someone anybody somebody everyone which what who whom whose one ones any some all really "
    "actually ever still also just even maybe perhaps possibly definitely".split()
)


@dataclass(frozen=True)
class ScopeDecision:
    theme: Theme
    about: str  # what the reply names as missing ("acupuncture", "prices and costs")
    via: str  # "pattern", "similarity" or "no words"


def covered_texts(content: Content) -> list[str]:
    """Every passage (quote and plain text) and glossary entry."""
    texts = [f"{p.quote} {p.plain}" for p in content.passages]
    return texts + [" ".join([t.term, t.definition, *t.synonyms, *t.lay]) for t in content.glossary]


def stemmed(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in WORD.findall(text.lower()))


class Covered(frozenset):
    """The stemmed words of the sources, which also knows which phrases stand together."""

    phrases: str = ""

    @classmethod
    def of(cls, texts: list[str]) -> "Covered":
        runs = [stemmed(t) for t in texts]
        covered = cls(w for run in runs for w in run)
        covered.phrases = "".join(f" {' '.join(run)} |" for run in runs)
        return covered

    def has_phrase(self, words: tuple[str, ...]) -> bool:
        return len(words) < 2 or f" {' '.join(words)} " in self.phrases


def covered_words(content: Content) -> Covered:
    """Stemmed words of every passage (quote and plain text) and glossary entry."""
    return Covered.of(covered_texts(content))


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
        # Each theme's patterns and `unless`, screened by the words a match must contain.
        self._screened = {
            t.id: ([ScreenedPattern(p) for p in t.patterns], [ScreenedPattern(u) for u in t.unless]) for t in self._themes
        }
        self._theme_vectors = examples.matrix[theme_rows]
        labels = np.array([examples.labels[r] for r in theme_rows])
        # Rows grouped by theme, so one reduceat gives every theme's best similarity.
        groups = [np.flatnonzero(labels == t.id) for t in self._themes]
        if min((len(g) for g in groups), default=0) < 1:
            raise ValueError("every decline theme needs embedded examples (rebuild the index)")
        self._theme_order = np.concatenate(groups)
        self._theme_starts = np.concatenate([[0], np.cumsum([len(g) for g in groups])[:-1]]).astype(np.intp)
        self._in_scope = np.ascontiguousarray(
            np.vstack([examples.matrix[examples.rows("in_scope")], in_scope]), dtype=np.float32
        )
        self._covered = covered
        self._english = known_words
        self._known = known_words | covered
        self._test = next((t for t in self._themes if t.id == TEST_THEME), None)

    def _known_word(self, word: str) -> bool:
        """In the sources, a filler, or spelled close to a word the sources use."""
        if len(word) < 3 or word in FILLER or stem(word) in self._covered:
            return True
        if word in self._english:
            return False  # a real word the sources never use ("flying"), not a typo of "lying"
        return len(word) >= TYPO_MIN_LETTERS and bool(difflib.get_close_matches(word, self._covered, n=1, cutoff=TYPO_CUTOFF))

    def subject_covered(self, subject: str, *, as_phrase: bool = True) -> bool:
        """True when the sources have this subject: every word, and (as_phrase) the words
        together. The sentence frames ask only for the first word of what they catch: two
        words after "what about" are not always one subject ("formulary access")."""
        words = WORD.findall(subject.lower())
        if not as_phrase:
            first = next((w for w in words if w not in FILLER), "")
            return self._known_word(first)
        if not all(self._known_word(w) for w in words):
            return False
        content = tuple(stem(w) for w in words if w not in FILLER)
        phrases = getattr(self._covered, "has_phrase", None)
        return phrases is None or phrases(content)

    def missing(self, subject: str) -> str:
        """The subject as the reply names it: without the filler words at its ends."""
        words = subject.lower().split()
        while words and words[0] in FILLER:
            words.pop(0)
        while words and words[-1] in FILLER:
            words.pop()
        return " ".join(words)

    def _word_of_sources(self, word: str) -> bool:
        """A word the sources (or the model) know, also with a common ending ("fixable")."""
        if word in self._known or stem(word) in self._covered:
            return True
        return any(
            word.endswith(end) and len(word) - len(end) >= 3 and stem(word[: -len(end)]) in self._covered
            for end in SUFFIXES
        )

    def asked(self, text: str) -> str:
        """What a long message asks: its question sentences and its last sentence."""
        if len(text) <= STORY_CHARS:
            return text
        parts = [p.strip() for p in SENTENCE.findall(text) if p.strip()]
        if len(parts) < 3:
            return text
        return " ".join([p for p in parts[:-1] if ASKING.search(p)] + [parts[-1]])

    def is_mash(self, text: str) -> bool:
        """Keyboard mash or one-word test input: no word anyone would know, however spelled."""
        words = WORD.findall(text.lower())
        if not any(len(w) >= 2 for w in words):
            return True
        if len(words) > MASH_MAX_WORDS:
            return self.is_noise(text)
        for word in words:
            if len(word) < 3 or self._word_of_sources(word):
                return False
            if difflib.get_close_matches(word, self._covered, n=1, cutoff=0.8):
                return False
        return True

    def is_noise(self, text: str) -> bool:
        """A message longer than a few words in which fewer than a third of the words are
        words anyone knows: typed at random, or pasted by mistake. There is nothing in it to
        embed or search (a 500-character one cost 17 ordinary questions; issue 13)."""
        words = WORD.findall(text.lower())
        return len(words) > MASH_MAX_WORDS and 3 * sum(self._word_of_sources(w) for w in words) < len(words)

    def _pattern_subject(self, screened: ScreenedPattern, screen: Screen, *, as_phrase: bool) -> str | None:
        """None when the pattern does not apply; "" when it names no subject; else the
        longest subject it matched that the sources do not cover."""
        missing = []
        for match in screened.finditer(screen):
            if "subject" not in screened.pattern.groupindex or match.group("subject") is None:
                return ""
            subject = self.missing(match.group("subject").strip())
            if subject and not self.subject_covered(subject, as_phrase=as_phrase):
                missing.append(subject)
        return max(missing, key=len) if missing else None

    def by_pattern(self, text: str) -> ScopeDecision | None:
        screen = Screen(text)
        for theme in self._themes:
            patterns, unless = self._screened[theme.id]
            if any(u.search(screen) for u in unless):
                continue
            for pattern in patterns:
                if not screen.may_match(pattern.needles):
                    continue  # cannot match: no subject, nothing to decline
                subject = self._pattern_subject(pattern, screen, as_phrase=theme.id != FRAMES_THEME)
                if subject is not None:
                    return ScopeDecision(theme, subject or theme.about, "pattern")
        return None

    def scores(self, vector: np.ndarray, text: str | None = None) -> tuple[np.ndarray, float]:
        """The best similarity to each theme's examples, and to any in-scope question.
        Given the text, a theme whose `unless` matches it scores -1: it cannot win."""
        to_themes = self._theme_vectors @ vector
        per_theme = np.maximum.reduceat(to_themes[self._theme_order], self._theme_starts)
        if text is not None:
            screen = Screen(text)
            for n, theme in enumerate(self._themes):
                if any(u.search(screen) for u in self._screened[theme.id][1]):
                    per_theme[n] = -1.0
        return per_theme, float((self._in_scope @ vector).max())

    def by_similarity(self, vector: np.ndarray, text: str | None = None) -> ScopeDecision | None:
        per_theme, in_scope = self.scores(vector, text)
        best = int(per_theme.argmax())
        score = float(per_theme[best])
        threshold, margin = self.rules.similarity.threshold, self.rules.similarity.margin
        if score >= threshold and score - in_scope >= margin:
            theme = self._themes[best]
            if theme is self._test and text is not None and not self.is_mash(text):
                return None  # test input is told by its lack of words, never by likeness
            return ScopeDecision(theme, theme.about, "similarity")
        return None

    def check(self, text: str, vector: np.ndarray | None) -> ScopeDecision | None:
        """The decline theme for a message, if any; without its vector (noise is not
        embedded) only words decide."""
        if self._test is not None and self.is_mash(text):
            return ScopeDecision(self._test, self._test.about, "no words")
        found = self.by_pattern(self.asked(text))
        if found is None and vector is not None:
            found = self.by_similarity(vector, text)
        return found
