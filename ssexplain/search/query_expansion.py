"""Turn a patient's wording into the documents' wording before searching.

Two steps, both driven by curated content rather than lists in code: misspelt words are
mended against the words the passages use ("sidrosis" → "siderosis"), and everyday phrases
from the glossary's `lay` and `synonyms` add the medical term ("spinal tap" → "lumbar
puncture").
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ssexplain.content.loader import GlossaryTerm

WORD = re.compile(r"[a-z][a-z0-9']*")
# Spelling repair: a word is mended to the closest passage word scoring at least this
# (rapidfuzz's ratio, the same measure as difflib's 0.84 it replaces, in C), and at most
# this many unknown words of one message are looked up, so a long message of made-up words
# costs no more than a short one (each look-up scans the whole vocabulary).
MEND_CUTOFF = 84
MAX_MENDED_WORDS = 12
# Every passage is about this one condition, so its name says nothing about which passage
# fits a question; left in, it dominates the embedding and pulls every "… of superficial
# siderosis?" question towards whichever passage names the condition most. The full name
# is one unit: "superficial siderosis of the central nervous system" is "this condition",
# not "this condition of the central nervous system" (which the nervous-system passages won).
CONDITION_NAME = re.compile(
    r"\b(?:superficial\s+)?sidero?sis\b(?:\s+of\s+the\s+(?:central\s+nervous\s+system|cns|nervous\s+system"
    r"|brain(?:\s+and\s+(?:the\s+)?spinal\s+cord)?))?|\bSS\b|\bsuperficial sid\w*",
    re.IGNORECASE,
)


def without_condition_name(text: str) -> str:
    return " ".join(CONDITION_NAME.sub("this condition", text).split())


@dataclass(frozen=True)
class Expansion:
    text: str  # the question with spelling mended and medical terms appended
    mended: str  # the question with spelling mended only
    terms: tuple[str, ...]  # glossary terms recognised


WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _has_phrase(text: str, phrase: str) -> bool:
    """Whether the lowered phrase stands in the (lowered) text with no letter or digit of a
    longer word against it ("ear" is not in "hearing"). The same test as searching for
    (?<![a-z0-9])phrase(?![a-z0-9]), without a regular expression to compile for each of
    the glossary's ~3,400 phrases (about 0.4 ms each, the first time one is needed)."""
    needle = phrase.lower()
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        if (start == 0 or text[start - 1] not in WORD_CHARACTERS) and (
            end == len(text) or text[end] not in WORD_CHARACTERS
        ):
            return True
        start = text.find(needle, start + 1)
    return False


class QueryExpander:
    def __init__(
        self, glossary: tuple[GlossaryTerm, ...], vocabulary: frozenset[str], *, english: frozenset[str] = frozenset()
    ) -> None:
        """`vocabulary` is the passages' words (what to mend towards); `english` is words
        known to be real (never "mended": "expensive" must not become "extensive")."""
        # Reverse order: on a tie the later word wins, as it did with difflib (same mends).
        self._vocabulary = sorted((w for w in vocabulary if len(w) >= 4), reverse=True)
        self._known = frozenset(vocabulary) | english
        # Phrases filed under their first word, so a question is only tested against the
        # phrases that could start in it (in glossary order, which decides term order).
        self._phrases: dict[str, list[tuple[int, str, str]]] = {}
        order = 0
        for term in glossary:
            for phrase in (term.term, *term.synonyms, *term.lay):
                words = WORD.findall(phrase.lower())
                if len(phrase) >= 2 and words:
                    self._phrases.setdefault(words[0], []).append((order, phrase, term.term))
                    order += 1
        self._known |= {w for t in glossary for p in (t.term, *t.synonyms, *t.lay) for w in WORD.findall(p.lower())}

    def _needs_mending(self, word: str) -> bool:
        return len(word) >= 5 and word not in self._known

    @functools.lru_cache(maxsize=4096)
    def _mend_word(self, word: str) -> str:
        if not self._needs_mending(word):
            return word
        close = process.extractOne(word, self._near_in_length(len(word)), scorer=fuzz.ratio, score_cutoff=MEND_CUTOFF)
        return close[0] if close else word

    @functools.lru_cache(maxsize=64)
    def _near_in_length(self, length: int) -> tuple[str, ...]:
        """The vocabulary words long or short enough to reach the cut-off (in the same order):
        the ratio is at most 2·min/(sum) of the two lengths, so the rest are never scanned."""
        return tuple(w for w in self._vocabulary if 200 * min(len(w), length) >= MEND_CUTOFF * (len(w) + length))

    def correct_spelling(self, text: str) -> str:
        """The text in lower case with its first MAX_MENDED_WORDS unknown words mended.

        The cap counts distinct unknown words in order of appearance, so the same message is
        always mended the same way, whatever the cache holds.
        """
        lowered = text.lower()
        unknown: dict[str, None] = {}
        for word in WORD.findall(lowered):
            if self._needs_mending(word):
                unknown.setdefault(word)
                if len(unknown) >= MAX_MENDED_WORDS:
                    break
        if not unknown:
            return lowered
        return WORD.sub(lambda match: self._mend_word(match.group(0)) if match.group(0) in unknown else match.group(0),
                        lowered)

    @functools.lru_cache(maxsize=256)  # triage prepares the question, then the search prepares it again
    def expand(self, text: str) -> Expansion:
        mended = self.correct_spelling(text)
        candidates = sorted(c for word in set(WORD.findall(mended)) for c in self._phrases.get(word, ()))
        terms: list[str] = []
        for _, phrase, term in candidates:
            if term not in terms and _has_phrase(mended, phrase):
                terms.append(term)
        extra = [t for t in terms if not _has_phrase(mended, t)]
        return Expansion(text=" ".join([mended, *extra]), mended=mended, terms=tuple(terms))
