"""Understand a follow-up ("can that be fixed?") in the light of what came before.

A question that leans on what came before — it opens with "and", "what about", points
back with "it", "that", "those" before it names anything itself, or is only a fragment
("reversible?", "how quickly?") — is read against what the previous reply was about, not
just the earlier question's words:

- the medical terms the earlier question used ("why am I going deaf?" is about hearing
  loss; terms come from the glossary, with the person's own words as well as the doctors'),
- else the subject the previous reply itself was read as (a follow-up of a follow-up),
- else the topic of the passages the previous reply cited ("tests and scans").

The follow-up is then searched as "hearing loss: can that be fixed?", together with the
earlier question and the follow-up joined. The engine also searches the question alone
and keeps whichever reading the sources answer better, so a follow-up that turns out to
stand on its own still finds its own answer. When the context reading wins, the reply says
what it took the question to mean ("About hearing loss: can that be fixed?").

A full question that names what it asks about ("What are the usual symptoms?", "What is a
blood patch?") is a topic switch: it is searched alone.

The same reading works inside one long message: a question in a story leans on the
sentences before it (see question_split.py).

This module holds the rules only; the engine does the searching. The permalink rule lives
here too, so the server is the one place that decides which earlier questions a link keeps.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ssexplain.content.loader import TOPICS, GlossaryTerm

MAX_HISTORY = 10
CONTEXT_TURNS = 2  # earlier turns a reply may depend on (and a permalink keeps)
MAX_SUBJECT_TERMS = 2
FRAGMENT_WORDS = 3  # "how common?", "where from?"; "What are the usual symptoms?" is a question
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
NEEDLE_START = 3  # letters a glossary phrase is filed under (TermFinder)

CONTINUES = re.compile(r"^\W*(and|but|so|also|what about|how about|then|or|what if)\b", re.IGNORECASE)
POINTS_BACK = re.compile(
    r"\b(it|its|it's|that|this|those|these|they|them|their|theirs|he|him|his|she|her|there)\b", re.IGNORECASE
)
# "Is there a treatment?" asks whether one exists; it does not point back at anything.
EXISTENTIAL_THERE = re.compile(
    r"\b(is|are|was|were|will|would|could|can|might|has|have)\s+there\b|\bthere\s+(is|are|was|were|'s)\b",
    re.IGNORECASE,
)
# "that" joining two parts of a sentence ("is it true that …", "I read that …").
JOINING_THAT = re.compile(
    r"\b(true|sure|think|thinks|mean|means|say|says|said|know|heard|read|possible|likely|chance|so)\s+that\b",
    re.IGNORECASE,
)
# "Is it true that …", "is it normal for …": an "it" that stands for what follows.
IMPERSONAL_IT = re.compile(
    r"\b(?:is|was|will|would|could|isn't)\s+it\s+(?:true|possible|likely|normal|common|usual|safe|ok|okay|worth|wise)"
    r"\s+(?:that|for|to)\b|\bit(?:'s|\s+is)\s+(?:true|possible|likely|normal|common|usual)\s+(?:that|for|to)\b",
    re.IGNORECASE,
)
# "this condition" and "this disease" are the condition itself, which every passage is about.
THIS_CONDITION = re.compile(r"\b(this|the|my|his|her|their)\s+(condition|disease|illness|diagnosis)\b", re.IGNORECASE)
NAMES_CONDITION = re.compile(r"\bsuperficial\s+sid\w*|\bsidero?sis\b|\bi?SS\b", re.IGNORECASE)
CONDITION_TERMS = frozenset({"superficial siderosis", "siderosis", "infratentorial superficial siderosis"})
CONDITION_LABEL = "superficial siderosis"
GENERAL_TOPICS = frozenset({"what-is", "types"})  # about the condition as a whole


def _pointer(question: str) -> re.Match[str] | None:
    """The first word that points back at something earlier, if any. What is blanked out
    keeps its length, so the match's position is its position in the question."""
    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    text = THIS_CONDITION.sub(blank, question)
    text = EXISTENTIAL_THERE.sub(blank, text)
    text = IMPERSONAL_IT.sub(blank, text)
    text = JOINING_THAT.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text)
    return POINTS_BACK.search(text)


# The pointer words a subject can stand in for as they are: "can that be fixed?" is "can
# hearing loss be fixed?" ("its", "he", "there" would need rewording, so they are left).
STANDS_FOR = frozenset({"it", "that", "this", "those", "these", "they", "them"})


def _spelled_out(question: str, subject: Subject) -> str | None:
    """The question with its first pointer word replaced by the subject, or None."""
    pointer = _pointer(question)
    if pointer is None or pointer.group(0).lower() not in STANDS_FOR:
        return None
    return question[: pointer.start()] + subject.search + question[pointer.end():]


def is_fragment(question: str) -> bool:
    """"fixable?", "how quickly?", "Contraindications?": too short to be a question alone
    ("is siderosis inherited" names what it asks about, so it is not)."""
    return len(WORD.findall(question)) <= FRAGMENT_WORDS and not NAMES_CONDITION.search(question)


# Weaker signs that a question may lean on the turn before. None of them decides alone: the
# engine reads such a question in context only when that reading is answered clearly better.
LOOSE_MARGIN = 0.1  # how much better (dense similarity) such a reading must be answered
SHORT_WORDS = 8  # "what did the findings show?", "will I need an operation then"
ASKS_FOR_MORE = re.compile(r"\b(what|who|anything|anyone|where|how|which)\s+else\b|\bwhy\s+not\b|\bany\s+others?\b",
                           re.IGNORECASE)
# "the results", "the tests": a definite thing the question never named itself.
THE_THING = re.compile(
    r"\bthe\s+(results?|tests?|scans?|op|operation|procedure|repair|treatment|tablets|drug|medicine|findings?|"
    r"numbers|levels?|readings?)\b(?!\s+(for|of|on|in)\b)",
    re.IGNORECASE,
)


def may_lean_on_history(question: str) -> bool:
    """True for a question that may mean something only after the turn before: "what did the
    findings show?", "what else should I watch for?", "will I need an operation" (short). Weaker
    than `leans_on_history`: the engine checks such a reading against the question alone."""
    if leans_on_history(question):
        return True
    if ASKS_FOR_MORE.search(question) or THE_THING.search(question):
        return True
    return len(WORD.findall(question)) <= SHORT_WORDS


def names_a_new_subject(question: str, own: "Subject | None") -> bool:
    """"memory loss usual?" is short, but it names what it asks about and points back at
    nothing: it leans no more than a full question does ("and memory problems?" still leans)."""
    if own is None or own.label == CONDITION_LABEL:
        return False
    return not CONTINUES.search(question) and _pointer(question) is None


def leans_on_history(question: str) -> bool:
    """True for "and what causes it?", "does it work for people with SS?", "reversible?";
    False for "What is SS and how is it treated?" (the condition is named before "it") and
    "What are the usual symptoms?" (nothing points back)."""
    if CONTINUES.search(question) or is_fragment(question):
        return True
    pointer = _pointer(question)
    if pointer is None:
        return False
    named = NAMES_CONDITION.search(question)
    return named is None or pointer.start() < named.start()


# ---------------------------------------------------------------- what a turn was about


@dataclass(frozen=True)
class Subject:
    """What a question or reply was about, in the person's words and in the documents'."""

    label: str  # shown: "hearing loss", "a blood patch"
    search: str  # searched: "sensorineural hearing loss"
    from_topic: bool = False  # only the topic of the passages cited ("tests and scans"): a weak guess


@functools.lru_cache(maxsize=None)  # at most one entry per glossary phrase
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


class TermFinder:
    """Glossary terms named in a text, in the order they appear; built once per content."""

    def __init__(self, glossary: tuple[GlossaryTerm, ...]) -> None:
        self._forms: list[tuple[str, int, GlossaryTerm, str, str]] = []
        for term in glossary:
            for kind, phrases in (("term", (term.term,)), ("synonym", term.synonyms), ("lay", term.lay)):
                for phrase in phrases:
                    if len(phrase) < 2:
                        continue
                    flags = 0 if phrase.isupper() and len(phrase) <= 5 else re.IGNORECASE
                    pattern = r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])"
                    needle = phrase.lower() if flags else phrase
                    self._forms.append((pattern, flags, term, kind, needle))
        # Longest phrase first, so "cochlear implant" wins over "implant".
        self._forms.sort(key=lambda f: -len(f[0]))
        # The forms filed under the first three letters of their needle, so a text is only
        # tested against the forms that could be in it (a needle in the text starts with
        # one of its runs of three letters); shorter needles are always tested.
        self._by_start: dict[str, list[int]] = {}
        self._short: list[int] = []
        for n, form in enumerate(self._forms):
            needle = form[4]
            if len(needle) < NEEDLE_START:
                self._short.append(n)
            else:
                self._by_start.setdefault(needle[:NEEDLE_START], []).append(n)
        # The terms the glossary itself ties to each passage, by their plainest name.
        self._linked: dict[str, list[Subject]] = {}
        for term in glossary:
            for pid in term.passages:
                self._linked.setdefault(pid, []).append(Subject(_label(term, "lay", term.term), term.term))

    def linked(self, passage_id: str) -> list[Subject]:
        """The glossary terms whose entries point to this passage."""
        return list(self._linked.get(passage_id, ()))

    def find(self, text: str) -> list[Subject]:
        found: list[tuple[int, int, GlossaryTerm, str, str]] = []
        lowered = text.lower()
        starts = {s[i:i + NEEDLE_START] for s in (text, lowered) for i in range(len(s) - NEEDLE_START + 1)}
        maybe = sorted({*self._short, *(n for start in starts for n in self._by_start.get(start, ()))})
        for pattern, flags, term, kind, needle in (self._forms[n] for n in maybe):
            # A plain substring test first: most of the ~1,700 phrases are not in the text,
            # and this skips their regular expressions (9 ms a question otherwise), which are
            # compiled only when first needed (compiling them all took 0.4 s at start-up).
            if needle not in (lowered if flags else text):
                continue
            if any(f[2].term == term.term for f in found):
                continue
            for match in _compiled(pattern, flags).finditer(text):
                if not any(match.start() < f[1] and f[0] < match.end() for f in found):
                    found.append((match.start(), match.end(), term, kind, match.group(0)))
                    break
        found.sort(key=lambda f: f[0])
        return [Subject(label=_label(term, kind, shown), search=term.term) for _, _, term, kind, shown in found]


def _label(term: GlossaryTerm, kind: str, shown: str) -> str:
    """The person's own word when it is a proper name for the thing; for an everyday
    phrase ("going deaf") the plainest name the glossary gives ("hearing loss")."""
    if kind != "lay":
        return shown
    plain = [s for s in term.synonyms if not s.isupper() and len(s.split()) <= 3]
    return plain[0] if plain else term.term


def subject_of(text: str, finder: TermFinder) -> Subject | None:
    """The medical things a text names (at most two), the condition itself only if alone."""
    found = finder.find(text)
    named = [s for s in found if s.search.lower() not in CONDITION_TERMS]
    if not named:
        if found or NAMES_CONDITION.search(text):
            return Subject(CONDITION_LABEL, CONDITION_LABEL)
        return None
    named = named[:MAX_SUBJECT_TERMS]
    return Subject(" and ".join(s.label for s in named), " ".join(s.search for s in named))


@dataclass(frozen=True)
class About:
    """What an earlier turn was about: its subject, and the topics of the passages it cited."""

    subject: Subject | None
    topics: tuple[str, ...] = ()


def _named(found: list[Subject], *, keep: set[str] | None = None) -> Subject | None:
    """The first (at most two) terms found, other than the condition; with `keep`, only
    those among these terms."""
    named = [s for s in found if s.search.lower() not in CONDITION_TERMS and (keep is None or s.search in keep)]
    if not named:
        return None
    named = named[:MAX_SUBJECT_TERMS]
    return Subject(" and ".join(s.label for s in named), " ".join(s.search for s in named))


def about_reply(question: str, *, understood: Subject | None, cited_topics: list[tuple[str, ...]],
                finder: TermFinder, cited_texts: tuple[str, ...] | list[str] = (),
                cited_ids: tuple[str, ...] | list[str] = ()) -> About | None:
    """What a previous turn was about, or None if there is nothing to lean on: a reply that
    cited nothing is still about what its question named ("wat is the outlook" with no answer
    is about the outlook), never about the condition as a whole."""
    own = subject_of(question, finder)
    if not cited_topics:
        return About(subject=own) if own is not None and own.label != CONDITION_LABEL else None
    # The terms the reply's passages name, or that the glossary ties to them.
    named_there = {s.search for text in cited_texts for s in finder.find(text)}
    named_there |= {s.search for pid in cited_ids for s in finder.linked(pid)}
    if named_there and own is not None and own.label != CONDITION_LABEL:
        # "why does everything sound muddled?" answered with hearing passages was not about
        # thinking: keep only the terms the reply's own passages name too.
        own = _named(finder.find(question), keep=named_there)
    topics = _main_topics(cited_topics)
    general = not topics or topics[0] in GENERAL_TOPICS
    if named_there and understood is not None and understood.label != CONDITION_LABEL:
        if not any(term in understood.search for term in named_there):
            understood = None  # the previous reply was read as something its passages never name
    if cited_ids and (own is None or own.label == CONDITION_LABEL) and understood is None and not general:
        # The earlier question named nothing ("where does the bleeding start?"): the terms the
        # glossary ties to the reply's best passage say what it was about. (A reply about the
        # condition as a whole was about the condition.)
        own = _named(finder.linked(cited_ids[0])) or own
    if own is not None and own.label == CONDITION_LABEL and understood is not None:
        own = None  # "is it common in SS?" after a blood patch answer is still about the patch
    if own is not None and understood is not None and own.search not in understood.search:
        # "what are its side effects?" after deferiprone: side effects, of deferiprone.
        if own.label != CONDITION_LABEL and understood.label != CONDITION_LABEL:
            own = Subject(f"{own.label} and {understood.label}", f"{own.search} {understood.search}")
    if understood is None and topics and not general and (own is None or own.label == CONDITION_LABEL):
        # "Is it the SS?" after a bladder story: the passages it was answered with say what it was about.
        title = TOPICS[topics[0]]
        own = Subject(title[0].lower() + title[1:], title, from_topic=True)
    if own is None and understood is None:
        own = Subject(CONDITION_LABEL, CONDITION_LABEL, from_topic=True)
    return About(subject=own or understood, topics=topics)


def _main_topics(cited_topics: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The topics the cited passages share most, the best-cited passage's first on a tie."""
    counts: dict[str, float] = {}
    for rank, topics in enumerate(cited_topics):
        for n, topic in enumerate(topics):
            counts[topic] = counts.get(topic, 0.0) + 1.0 + (0.5 if rank == 0 else 0.0) - 0.1 * n
    return tuple(sorted(counts, key=lambda t: -counts[t]))


# ---------------------------------------------------------------- reading a question


@dataclass(frozen=True)
class Reading:
    """One way to read the question: the texts to search, and what it was taken to mean."""

    queries: tuple[str, ...]
    subject: Subject | None = None
    leaned_on: tuple[str, ...] = ()  # the earlier questions this reading depends on
    firm: bool = True  # the question plainly leans ("can that be fixed?"), not only may lean

    def understood_as(self, question: str) -> str:
        if self.subject is None:
            return ""
        return f"About {self.subject.label}: {question}"


def _without_opening(question: str) -> str:
    return CONTINUES.sub("", question, count=1).strip(" ,") or question


def in_context(question: str, *, before: str, about: About | None, leaned_on: tuple[str, ...] = (),
               loosely: bool = False) -> Reading | None:
    """The question read against what came before (`before` is the earlier question or the
    story's earlier sentences; `about` what the previous reply was about, if there was one).
    None when the question does not lean on anything or there is nothing to lean on.
    `loosely` also reads a question that only may lean (see `may_lean_on_history`); the
    reading then says it is not firm."""
    firm = leans_on_history(question)
    if not before.strip() or not (firm or (loosely and may_lean_on_history(question))):
        return None
    subject = about.subject if about else None
    if subject is None:
        return None
    if not firm and (subject.from_topic or subject.label == CONDITION_LABEL):
        return None  # a guess, or the condition every passage is about: nothing to lean on loosely
    core = _without_opening(question)
    # The question with its pointer spelled out ("can sensorineural hearing loss be fixed?")
    # and the question alone are searched beside the two context readings, the rankings
    # fused: a follow-up that turns out to stand on its own still finds its own answer.
    spelled = _spelled_out(core, subject)
    return Reading(
        queries=(*((spelled,) if spelled else ()), f"{subject.search}: {core}", f"{before} {question}", question),
        subject=subject,
        leaned_on=leaned_on,
        firm=firm,
    )


# ---------------------------------------------------------------- ranking a follow-up's passages

# What kind of answer a question asks for, from its own words, as the topics of the passages
# that give that kind of answer: "can that be fixed?" wants a treatment, "how do they find
# it?" a test, "will it get worse?" the outlook, "where from?" a cause.
ASKS_FOR: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), topics)
    for pattern, topics in (
        (r"\b(fix\w*|treat\w*|cur(e|ed|es|able)|help(s|ed|ful)?|work(s|ed|ing)?|op|operations?|surgery|repair\w*|"
         r"therap\w*|do about|manag\w*)\b", ("treatment", "living-with")),
        (r"\b(find|finds|found|detect\w*|tests?|testing|measur\w*|scans?|diagnos\w*|look for|check\w*|tell)\b",
         ("diagnosis",)),
        (r"\b(worse|later|progress\w*|future|permanent\w*|revers\w*|better|improv\w*|spread\w*|outlook|"
         r"long[- ]term|recover\w*|last|stay)\b", ("outlook",)),
        (r"\b(caus\w*|come(s)? from|where from|genes?|genetic|inherit\w*|trigger\w*|start\w*)\b", ("causes",)),
    )
)
RERANK_DEPTH = 20  # candidates a follow-up's ranking is drawn from
# Share of a passage's fused score added when it gives the kind of answer asked for. (Moving up
# the passages that share the previous reply's main topic as well was tried: no better.)
ASKS_FOR_BOOST = 0.1


def asks_for(question: str) -> tuple[str, ...]:
    """The topics whose passages give the kind of answer the question asks for (may be none)."""
    return tuple(t for pattern, topics in ASKS_FOR if pattern.search(question) for t in topics)


def rerank(hits: list, question: str) -> list:
    """A follow-up's hits (read in context, so they are on the right subject), best first once
    the passages that give the kind of answer asked for are moved up. Each hit keeps its
    scores; only the order changes."""
    wanted = set(asks_for(question))
    if not wanted:
        return list(hits)
    return sorted(hits, key=lambda h: -h.score * (1 + ASKS_FOR_BOOST * bool(wanted & set(h.passage.topics))))


def permalink_history(reply_leaned_on: tuple[str, ...]) -> list[str]:
    """The earlier questions a link must carry to show the same answer again."""
    return list(reply_leaned_on[-CONTEXT_TURNS:])
