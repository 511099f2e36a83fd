"""Decide, before any search, whether a message describes an emergency happening now, is a
personal decision for the person's own doctor, or is something the sources do not cover.

Urgent triage reads the whole message: every sentence, pairs of sentences, and short runs
of words inside long sentences, so an emergency told in passing at the end of a long story
is still seen. A piece is urgent when a category's word pattern matches it, or when its
embedding is nearer to one of the category's example messages than the calibrated
threshold and nearer to that example than to every non-urgent counter-example (past
events, general questions, "what should I do if...", the passages' own questions) by a
margin. Past events, general questions and what-if questions are never urgent on their own.

How a message is cut into pieces is in message_pieces.py, and whether a piece tells of
something happening now in happening_now.py. The categories, their messages, patterns and
examples live in content/triage.yaml; the decline themes in content/scope.yaml (see
scope.py). docs/SAFETY.md gives the figures.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from ssexplain.content.loader import Content
from ssexplain.content.triage_rules import Category, TriageRules, load_scope, load_triage
from ssexplain.reply.happening_now import (
    ASKED_DENIED, FOUND_NORMAL, NEGATED, NOW, RECURS, RIGHT_NOW, WHAT_IF, answered_no, asked_ahead,
    has_onset, hypothetical_before, masked, not_now, sentence_of,
)
from ssexplain.reply.message_pieces import embedded_pieces, normalise, pieces, sentences
from ssexplain.reply.pattern_screen import Screen, ScreenedPattern
from ssexplain.reply.scope import ScopeChecker, ScopeDecision, covered_words
from ssexplain.search.example_index import ExampleVectors, load_example_vectors, question_vectors
from ssexplain.search.index_store import LoadedIndex


class Triage(str, Enum):
    URGENT = "urgent"
    ASK_DOCTOR = "ask_doctor"
    NO_ANSWER = "no_answer"
    NONE = "none"


@dataclass(frozen=True)
class UrgentNotice:
    """What the urgent reply says, and which category and tier it is."""

    message: str
    tier: str
    category: str

    def to_dict(self) -> dict:
        return {"message": self.message, "tier": self.tier, "category": self.category}


@dataclass(frozen=True)
class Decision:
    triage: Triage
    rule: str = ""  # the category or theme id (or a short reason), for tests and the eval
    urgent: UrgentNotice | None = None
    scope: ScopeDecision | None = None
    # A "what should I do if..." question about an emergency: its warning signs, shown as
    # information beside the answer, without the alarm.
    warning: str = ""
    via: str = ""  # "pattern" or "similarity"


# ---------------------------------------------------------------- urgent triage

@dataclass(frozen=True)
class UrgentHit:
    category: Category
    via: str
    score: float  # 1.0 for a pattern, else the similarity
    negative: float = 0.0  # a similarity hit's nearest counter-example


class UrgentTriage:
    """Patterns and nearest-neighbour similarity over the pieces of a message."""

    def __init__(self, rules: TriageRules, examples: ExampleVectors, negatives: np.ndarray) -> None:
        self.rules = rules
        urgent_rows = examples.rows("urgent")
        self._urgent = examples.matrix[urgent_rows]
        self._urgent_labels = np.array([examples.labels[r] for r in urgent_rows])
        not_urgent = examples.matrix[examples.rows("not_urgent")]
        self._negatives = np.ascontiguousarray(np.vstack([not_urgent, negatives]), dtype=np.float32)
        self._categories = [c for c in rules.categories]
        self._patterns = {c.id: _with_onset(c) for c in self._categories}
        # Rows grouped by category, so one reduceat gives every category's best similarity.
        order = np.concatenate([np.flatnonzero(self._urgent_labels == c.id) for c in self._categories])
        self._urgent = np.ascontiguousarray(self._urgent[order], dtype=np.float32)
        counts = [int((self._urgent_labels == c.id).sum()) for c in self._categories]
        if min(counts, default=0) < 1:
            raise ValueError("every triage category needs embedded examples (rebuild the index)")
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)

    # -- patterns

    def pattern_hits(self, message: str, piece: str) -> tuple[list[UrgentHit], str]:
        """The categories whose patterns match this piece now, and a what-if warning if any."""
        if not_now(piece, message):
            return [], ""
        text = masked(piece)
        screen = Screen(text)
        hits: list[UrgentHit] = []
        warning = ""
        onset: bool | None = None  # worked out only when an onset pattern matches
        for category in self._categories:
            if category.also is not None and not category.also.search(message):
                continue
            for pattern, needs_onset in self._patterns[category.id]:
                match = pattern.search(screen)
                if not match:
                    continue
                if needs_onset:
                    onset = has_onset(text) if onset is None else onset
                    if not onset:
                        continue  # "his speech is slurred": the slow form SS itself causes
                if hypothetical_before(text, match.start()):
                    warning = warning or category.message
                    continue
                hits.append(UrgentHit(category, "pattern", 1.0))
                break
        return hits, warning

    # -- similarity

    def similarity_scores(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per piece: the best similarity to each category's examples, and to any counter-example."""
        to_urgent = vectors @ self._urgent.T
        per_category = np.maximum.reduceat(to_urgent, self._starts, axis=1)
        to_negative = (vectors @ self._negatives.T).max(axis=1)
        return per_category, to_negative

    def similarity_candidates(self, message: str, piece: str, per_category: np.ndarray, negative: float) -> list[UrgentHit]:
        """The categories this piece may alarm by similarity, whatever the threshold: the
        guards (not now, asking ahead, denied, needs an onset) applied, nothing else. The
        threshold and margin are applied by `similarity_hits`; calibration reads these."""
        if not_now(piece, message) or (WHAT_IF.search(piece) and not NOW.search(piece)):
            return []
        opening = WHAT_IF.search(piece)
        if opening and opening.start() <= 3 and not RIGHT_NOW.search(piece):
            return []  # "what should I do if he suddenly can't see?" asks ahead
        denied = NEGATED.search(piece) or ASKED_DENIED.search(piece) or FOUND_NORMAL.search(piece)
        if denied and not NOW.search(masked(piece)):
            return []  # "no fever", "saddle area? no", "neck moves fine": nothing left that is now
        onset = has_onset(masked(piece))  # "no sudden change" says no onset
        found = []
        for n, category in enumerate(self._categories):
            if category.also is not None and not category.also.search(message):
                continue
            if category.needs_onset and not onset:
                continue  # "he has slight hearing loss in one ear": the slow form SS itself causes
            found.append(UrgentHit(category, "similarity", float(per_category[n]), negative))
        return found

    def similarity_hits(self, message: str, piece: str, per_category: np.ndarray, negative: float) -> list[UrgentHit]:
        threshold, margin = self.rules.similarity.threshold, self.rules.similarity.margin
        return [
            h for h in self.similarity_candidates(message, piece, per_category, negative)
            if h.score >= threshold and h.score - h.negative >= margin
        ]

    def patterns(self, message: str, texts: list[str]) -> tuple[list[UrgentHit], str]:
        """Pattern hits over every piece the patterns read, and the first what-if warning."""
        hits: list[UrgentHit] = []
        warning = ""
        whole_sentences = sentences(message)
        for n, piece in enumerate(texts):
            if n and not_now(sentence_of(piece, whole_sentences), message):
                continue  # a run of words inside a sentence told as past or as a question
            if n and asked_ahead(piece, whole_sentences):
                continue  # a run of words cut from after "if my husband's face ever drooped..."
            if answered_no(piece, whole_sentences):
                continue  # "numbness in the saddle area? no."
            found, warned = self.pattern_hits(message, piece)
            inside = [s for s in whole_sentences if s in piece]
            if len(inside) > 1:
                found = [h for h in found if not self._told_apart(h.category, inside, whole_sentences)]
            hits += found
            warning = warning or warned
        return hits, warning

    @staticmethod
    def _told_apart(category: Category, inside: list[str], found: list[str]) -> bool:
        """A hit on a piece of several sentences (the whole message, a pair) whose sign lies
        only in sentences that are, on their own words, not happening now (a past marker of
        their own, long-standing, a general or information question, what a leaflet says):
        the piece reads as "now" only because another sentence says now about something else
        ("I had a seizure in 2018 ... I'm fine at the moment"). A sentence that is past only
        because the story around it is told in the past keeps the hit, and so does a piece
        whose other sentences say it is happening again ("it's happening again now")."""
        signs = [s for s in inside if any(p.search(masked(s)) for p in category.patterns + category.onset_patterns)]
        signs_asked = [s for s in signs if answered_no(s, found)]
        if signs and len(signs_asked) == len(signs):
            return True  # every sign was asked and answered no
        if not signs or not all(not_now(s, "") for s in signs):
            return False
        return not RECURS.search(" ".join(s for s in inside if s not in signs))

    def similarities(self, message: str, texts: list[str], vectors: np.ndarray, *, calibrating: bool = False) -> list[UrgentHit]:
        """Similarity hits over the embedded pieces; with `calibrating`, every candidate the
        guards let through, whatever its score (calibration.py chooses the threshold on them)."""
        per_category, negative = self.similarity_scores(vectors)
        whole_sentences = sentences(message)
        read = self.similarity_candidates if calibrating else self.similarity_hits
        hits: list[UrgentHit] = []
        for n, piece in enumerate(texts):
            if n and (not_now(sentence_of(piece, whole_sentences), message) or asked_ahead(piece, whole_sentences)
                      or answered_no(piece, whole_sentences)):
                continue
            hits += read(message, piece, per_category[n], float(negative[n]))
        return hits

    @staticmethod
    def best(hits: list[UrgentHit]) -> UrgentHit | None:
        """The most serious hit: emergency before urgent-today, pattern before similarity."""
        if not hits:
            return None
        return min(hits, key=lambda h: (h.category.tier != "emergency", h.via != "pattern", -h.score))

    def decide(self, message: str, texts: list[str], vectors: np.ndarray) -> tuple[UrgentHit | None, str]:
        """The most serious hit over all pieces (patterns over `pieces`, similarity over the
        embedded `texts`), and the first what-if warning seen."""
        hits, warning = self.patterns(message, pieces(message))
        hits += self.similarities(message, texts, vectors)
        return self.best(hits), warning


# ---------------------------------------------------------------- the whole decision

class Triager:
    """Urgent triage, then decline themes and personal decisions, for one message."""

    def __init__(
        self,
        *,
        urgent: UrgentTriage,
        scope: ScopeChecker,
        encode: Callable[[list[str]], np.ndarray],
        prepare: Callable[[str], str],
        known_words: frozenset[str] = frozenset(),
    ) -> None:
        self.urgent = urgent
        self.scope = scope
        self._encode = encode
        self._prepare = prepare
        self._known = known_words

    def readable(self, piece: str) -> bool:
        """At least a third of the piece's words are real words (or no word list is known).

        A run of made-up words means nothing to the embedding, and letters at random cost
        about one token per two characters: such pieces are read by the patterns only, so
        a message of noise costs what the whole message's one embedding costs (issue 13).
        """
        words = re.findall(r"[a-z]+(?:'[a-z]+)?", piece.lower())
        return not self._known or 3 * sum(w in self._known for w in words) >= len(words)

    def embedded_texts(self, whole: str) -> list[str]:
        """The pieces of a (normalised) message that are embedded: the whole message first,
        then every readable piece."""
        texts = embedded_pieces(whole)
        return texts[:1] + [t for t in texts[1:] if self.readable(t)]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Each piece embedded as the retriever embeds a question (so the first is reused).
        The whole message goes in its own batch, so the short pieces are not padded to its
        length."""
        prepared = [self._prepare(t) for t in texts]
        if len(prepared) < 2:
            return self._encode(prepared)
        return np.vstack([self._encode(prepared[:1]), self._encode(prepared[1:])])

    def decide(self, message: str) -> Decision:
        whole = normalise(message)
        hits, warning = self.urgent.patterns(whole, pieces(whole))
        hit = self.urgent.best(hits)
        if hit is not None and hit.category.tier == "emergency":
            # Nothing can outrank an emergency pattern: no embedding at all.
            return _urgent(hit)
        if self.scope.is_noise(whole):  # made-up words: nothing to embed, nothing to search
            if hit is not None:
                return _urgent(hit)
            noise = self.scope.check(whole, None)
            if noise is not None:
                return Decision(Triage.NO_ANSWER, noise.theme.id, scope=noise, warning=warning, via=noise.via)
        texts = self.embedded_texts(whole)
        vectors = self.vectors(texts)
        hit = self.urgent.best(hits + self.urgent.similarities(whole, texts, vectors))
        if hit is not None:
            return _urgent(hit)
        scope = self.scope.check(whole, vectors[0])
        if scope is None:
            return Decision(Triage.NONE, warning=warning)
        kind = Triage.ASK_DOCTOR if scope.theme.action == "ask_doctor" else Triage.NO_ANSWER
        return Decision(kind, scope.theme.id, scope=scope, warning=warning, via=scope.via)


def _with_onset(category: Category) -> list[tuple[ScreenedPattern, bool]]:
    """The category's patterns, each with whether it needs a word of onset in the piece."""
    return [(ScreenedPattern(p), False) for p in category.patterns] + [
        (ScreenedPattern(p), True) for p in category.onset_patterns
    ]


def _urgent(hit: UrgentHit) -> Decision:
    c = hit.category
    return Decision(Triage.URGENT, c.id, urgent=UrgentNotice(c.message, c.tier, c.id), via=hit.via)


def load_triager(
    content_dir: Path,
    index_dir: Path,
    *,
    content: Content,
    index: LoadedIndex,
    encode: Callable[[list[str]], np.ndarray],
    prepare: Callable[[str], str],
    known_words: frozenset[str],
) -> Triager:
    """Rules from content/, example vectors from the index, the passages' questions as
    counter-examples; `encode` and `prepare` are the retriever's, so vectors match."""
    examples = load_example_vectors(index_dir, manifest=index.manifest)
    questions = question_vectors(index)
    return Triager(
        urgent=UrgentTriage(load_triage(content_dir), examples, questions),
        scope=ScopeChecker(
            load_scope(content_dir), examples, questions, covered=covered_words(content), known_words=known_words
        ),
        encode=encode,
        prepare=prepare,
        known_words=known_words,
    )
