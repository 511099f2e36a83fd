"""Decide, before any search, whether a message describes an emergency happening now, is a
personal decision for the person's own doctor, or is something the sources do not cover.

Urgent triage reads the whole message: every sentence, pairs of sentences, and short runs
of words inside long sentences, so an emergency told in passing at the end of a long story
is still seen. A piece is urgent when a category's word pattern matches it, or when its
embedding is nearer to one of the category's example messages than the calibrated
threshold and nearer to that example than to every non-urgent counter-example (past
events, general questions, "what should I do if...", the passages' own questions) by a
margin. Past events, general questions and what-if questions are never urgent on their own.

The categories, their messages, patterns and examples live in content/triage.yaml; the
decline themes in content/scope.yaml (see scope.py). docs/SAFETY.md gives the figures.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from ssexplain.content.loader import Content
from ssexplain.content.triage_rules import Category, TriageRules, load_scope, load_triage
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


# ---------------------------------------------------------------- reading the message

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*|\s+(?=(?:but|anyway|oh and|and now|btw)\b)", re.IGNORECASE)
CHUNK_WORDS = 12
CHUNK_STEP = 6
LONG_SENTENCE = 16  # words; longer sentences are also read in overlapping runs of words


def normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split())


def sentences(text: str) -> list[str]:
    return [s.strip(" ,") for s in SENTENCE_END.split(text) if s and s.strip(" ,")]


# Embedding is the cost of triage, so what is embedded is bounded whatever the length of
# the message (docs/SAFETY.md, "Cost"): the whole message (which the retriever reuses), its
# sentences, and windows of words only inside long sentences; each at most EMBED_CHARS
# characters (about 64 tokens), and at most MAX_EMBEDDED in all. Patterns, which cost
# next to nothing, still read every sentence, pair of sentences and short run of words.
MAX_EMBEDDED = 24
EMBED_CHARS = 300
EMBED_WORDS = 40  # window of words inside a long sentence, for embedding
EMBED_STEP = 20


def pieces(text: str) -> list[str]:
    """What the patterns read: the whole message first, then its sentences, sentence pairs
    and short runs of words inside long sentences (no limit: regular expressions are cheap)."""
    text = normalise(text)
    found = sentences(text)
    out = [text]
    out += found
    out += [f"{a} {b}" for a, b in zip(found, found[1:])]
    for sentence in found:
        words = sentence.split()
        if len(words) > LONG_SENTENCE:
            out += [" ".join(words[i:i + CHUNK_WORDS]) for i in range(0, len(words) - CHUNK_STEP, CHUNK_STEP)]
    return list(dict.fromkeys(p for p in out if p))


def _clip(text: str) -> str:
    if len(text) <= EMBED_CHARS:
        return text
    return text[:EMBED_CHARS].rsplit(" ", 1)[0]


def _windows(sentence: str, size: int, step: int) -> list[str]:
    words = sentence.split()
    if len(words) <= size and len(sentence) <= EMBED_CHARS:
        return [sentence]
    return [_clip(" ".join(words[i:i + size])) for i in range(0, max(len(words) - size + step, 1), step)]


def embedded_pieces(text: str) -> list[str]:
    """What is embedded: the whole message first (as typed, so the retriever reuses its
    vector), then, when they number at most MAX_EMBEDDED, every piece the patterns read
    (each clipped to EMBED_CHARS); otherwise every sentence, long ones as overlapping
    windows of EMBED_WORDS, never more than MAX_EMBEDDED in all. When there are more, neighbouring
    short sentences are packed together and windows are widened, so the end of a long
    message is still read."""
    text = normalise(text)
    fine = [text] + list(dict.fromkeys(_clip(p) for p in pieces(text)[1:] if _clip(p) != text))
    if len(fine) <= MAX_EMBEDDED:  # short enough: every piece the patterns read
        return fine
    found = sentences(text)
    size, step = EMBED_WORDS, EMBED_STEP
    while True:
        out = [w for sentence in found for w in _windows(sentence, size, step)]
        if len(out) < MAX_EMBEDDED or size >= 60:
            break
        size, step = size + 10, step + 10
    if len(out) >= MAX_EMBEDDED:  # many sentences: pack neighbours into runs of EMBED_CHARS
        packed: list[str] = []
        for piece in out:
            if packed and len(packed[-1]) + 1 + len(piece) <= EMBED_CHARS:
                packed[-1] = f"{packed[-1]} {piece}"
            else:
                packed.append(piece)
        out = packed
    out = [p for p in dict.fromkeys(out) if p and p != text]
    if len(out) > MAX_EMBEDDED - 1:  # still too many: an even spread, always with the last
        keep = np.linspace(0, len(out) - 1, MAX_EMBEDDED - 1).round().astype(int)
        out = [out[k] for k in dict.fromkeys(keep.tolist())]
    return [text] + out


def _p(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# A sudden change from normal: "she was fine an hour ago", "it was fine when I went to bed".
ONSET = (
    r"\b(was|were) (fine|ok|okay|normal|well|alright|all right|perfectly fine)( (until|till|when (i|he|she|we) went|"
    r"at (breakfast|lunch|dinner|tea)|this (morning|afternoon)|yesterday|last night|earlier|an hour ago|"
    r"(\d+|a few|an?|two|three) (minutes?|mins?|hours?|hrs?) ago))\b"
)
# Happening now: these override a mention of the past in the same sentence.
NOW = _p(
    r"\b(right now|just now|rn|at the moment|currently|still|again|tonight|"
    r"(\d+|a few|few|ten|fifteen|twenty|thirty|forty|an?) (minutes?|mins?|hours?|hrs?) ago|"
    r"keeps? (on )?(?!asking|saying|telling|wondering|reading|checking|mentioning|reminding|taking|using)\w+ing|keeps? happening|won'?t|isn'?t|is not|can'?t|cannot|cant|wont|isnt|"
    r"(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ )?\w+ing|"
    r"just (\w+ed|had|got|went|fell|hit|took|lost|came|started|woke|swallowed))\b"
    r"|\bnow\b(?<!better now)(?<!fine now)(?<!ok now)(?<!okay now)(?<!well now)(?<!good now)|" + ONSET
)
# Strong signs it is going on now: these alone override a past marker.
STRONG_NOW = _p(
    r"\b((over|in|for|during) the (last|past) (few |couple of |\d+ |two |three )?(hours?|minutes?|mins?|hrs?)|right now|just now|rn|at the moment|currently|again|tonight|"
    r"still (going|happening|there|bleeding|fitting|shaking|not|can'?t|won'?t|unconscious|out|confused|numb|weak)|"
    r"(\d+|a few|few|ten|fifteen|twenty|thirty|forty|an?) (minutes?|mins?|hours?|hrs?) ago|"
    r"won'?t|wont|(isn'?t|isnt|is not) (\w+ing|right|himself|herself|conscious|awake|with it)|can'?t|cant|cannot|keeps? (on )?(?!asking|saying|telling|wondering|reading|checking|mentioning|reminding|taking|using)\w+ing|keeps? happening|"
    r"just (\w+ed|had|got|went|fell|hit|took|lost|came|started|woke|swallowed))\b|"
    r"\bnow (he|she|i|my|his|her|it)('?s|'?m| is| are| am)? (\w+ing|not|can'?t|won'?t)\b|"
    + ONSET + r"|\b(presenting|presents|presented) with\b|\bc/o\b"
)
# "never thought about it again", "not had one again": "again" here is no sign of now.
NEVER_AGAIN = _p(r"\b(never|not|n't|no|stop|prevent|avoid)\b[^.!?]{0,60}?\bagain\b")
RIGHT_NOW = _p(r"\b(right now|just now|at the moment|currently|happening now|(minutes?|mins?) ago|rn)\b")
# Recent, but not on its own proof of "now" against a story told in the past.
RECENT = _p(
    r"\b(today|this (morning|afternoon|evening)|overnight|since (yesterday|last night|this|an hour|\d+|the day before|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|lunch\w*|breakfast|dinner|tea ?time|bedtime|"
    r"we got (home|back)|(he|she|i|we) (got|came) (home|back)|the (op|operation|procedure|surgery|lumbar puncture|lp|spinal tap)))\b"
)
PAST = _p(
    r"\b((\d+|an?|a few|few|several|many|two|three|four|five|six|seven|eight|nine|ten|couple of|a couple of) "
    r"(years?|months?|weeks?|decades?) (ago|back)|"
    r"last (year|month|week|weekend|winter|summer|spring|autumn|christmas|easter|january|february|march|april|may|"
    r"june|july|august|september|october|november|december)|back (in|at) (19|20|the|my|those|school|college|uni|january|"
    r"february|march|april|june|july|august|september|october|november|december|spring|summer|autumn|winter)|back then|in (19|20)\d\d|in (january|february|march|april|"
    r"june|july|august|september|october|november|december)|when (i|he|she|we) (was|were) (a |young|little|\d+|eight|"
    r"small|first)|as a (child|kid|baby|teen\w*|boy|girl)|used to|in the past|history of|previously(?! (well|independent|fit|healthy|active|normal|fine))|a while (back|ago)|"
    r"long ago|years back|(years|months|ages|decades) ago|since childhood|only once|just once|once (when|before|in|as)|one time|none since|nothing since|it passed|gone now|went away|"
    r"(it|that) was fine(?! (until|till|when|this|yesterday|last night|earlier|an hour|\d+|a few|at))|cleared up|much better now|better now|fine now|all fine|i'?m ok now|turned out|"
    r"was treated|were treated|got treated|sent (him|her|me|us) home|kept (him|her|me) in|discharged|"
    r"when (i was|he was|she was) (first )?diagnosed|at the time|afterwards|came round|harmless|"
    r"(been )?(fine|well|ok|okay|normal|(his|her|my|their) (usual|normal|old) self) (ever )?since(?! (this|an hour|\d+ ?(minutes?|mins?|hours?)))|"
    r"(said|says|told (us|me|him|her)) (that )?(it was|it'?s|it is|he was|she was|he'?s|she'?s|he is|she is|everything (was|is)) "
    r"(fine|ok|okay|nothing|just|normal|all right|alright))\b"
)
PAST_VERB = _p(
    r"\b(had|was|were|went|got|did|fell|hit|took|came|felt|lost|woke|saw|said|told|gave|kept|sent|ran|rang|began|"
    r"(?!(?:need|bleed|speed|feed|seed|breed|proceed|succeed|exceed|shed|bed|red)\b)\w{3,}ed)\b"
)
# The symptom is inside a hypothetical or a general question, not happening.
WHAT_IF = _p(
    r"\bwhat (should|do|would|can|must|will) (i|we|you|one|they|people) do (if|when|in case)\b|\bwhat if\b|\bin case\b|"
    r"\bif (i|he|she|we|they|my \w+|someone|somebody|a person|you|it|this|that|ever)\b|\bwhen should (i|we|you)\b|"
    r"\bhow (do|would|will|can|could) (i|we|you|people) (know|tell|recogni[sz]e|spot)\b|\bwarning signs?\b|"
    r"\bwhat are the (signs|symptoms)\b|\b(watch|look) out for\b|\b(should i|do i) (go|call)\b.{0,40}\bif\b|"
    r"\b(worr\w+|scared|afraid|frightened|fear|nervous)\b.{0,40}\b(might|could|will|would|going to|one day|ever|in (the )?future)\b|"
    r"\bwhen to (call|worry|go|ring)\b|\bi (imagine|picture)\b"
)
# A question asking for information about a symptom, not telling of one.
INFO = _p(
    r"\b(what|wat|wot) (is|are|counts as|does .{0,40} mean|signs|symptoms)\b|\b(signs|symptoms) (of|vs|versus|that|mean)\b|"
    r"\bhow (fast|quickly|soon)\b|\bvs\b|\bdifference between\b|\bshould make me\b|\bmean (i|we) should\b|"
    r"\b(ring|call) for an ambulance\b|\b(allergy|side effects?|warning) signs\b|"
    r"\b(higher|high|increased|greater|more|lower) (risk|rates?|chance) of\b|"
    r"\b(you|one|people|patients) (have to|has to|should|must|need to|are (told|supposed) to) (report|call|ring|tell|watch|look|go)\b"
)
# What a leaflet, website or article says: information, unless something is happening now.
REPORTED = _p(
    r"\b(leaflet|website|booklet|article|magazine|forum|sheet|card|list|post)\b.{0,20}\b(says?|said|lists?|listed|mentions?|"
    r"mentioned|warns?|warned|explains?|talks about)\b"
)
# Figures of speech and jokes: "my head is exploding with all the info", "lol".
FIGURATIVE = _p(
    r"\b(lol|haha\w*|lmao|jk|joking|not literally|figuratively|metaphor\w*|so to speak)\b|"
    r"\b(of|with) (all )?(the )?(info|information|paperwork|forms|letters|appointments|admin|news|questions|stuff)\b|"
    r"\bnearly (had|gave me) a (stroke|heart attack)\b|\b(is|are) killing me\b|\bso tired\b"
)
TOLD_IN_PAST = _p(r"\b(took|taken|swallowed|drank|ate|cut|jumped|overdosed)\b")
GENERAL_START = _p(r"^\W*(can|could|does|do|is|are|will|would|what|how|why|which|when|where|should|has|have|may|might)\b")
PERSONAL = _p(
    r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us|he|she|he's|she's|hes|shes|his|her|him|they're|their|them|"
    r"husband|hubby|wife|partner|dad|mum|mom|father|mother|son|daughter|brother|sister|friend|child|baby|grandad|grandma|"
    r"grandmother|grandfather|nan|gran|patient|toddler|kid)\b"
)
# "no fever", "without a stiff neck", "hasn't got a rash", "no thoughts of hurting myself":
# masked before patterns are read. "no feeling", "no control" and the like are symptoms, so kept.
NEGATED = _p(
    r"\b(no|without|(i )?don'?t think (he'?s|she'?s|they'?re|i'?m|he is|she is|they are|i am)( been)?|not got|haven'?t got|hasn'?t got|don'?t have|doesn'?t have|do not have|does not have|"
    r"haven'?t had|hasn'?t had|never had|never( actually| really| ever)?|denies|no sign of|no signs of|free of|not any|not)\s+(any\s+|a\s+|an\s+|real\s+)?"
    r"(?!feeling|control|sensation|response|reaction|movement|pulse|one\b|way\b|reason|point|idea|longer|breathing|"
    r"responding|waking|moving|answering|making|stopping|able|there|here|alive|going|return|recovery|improvement|"
    r"(me|him|her|us|them|you)\b)"  # "better off without me" is not a denial
    r"[\w-]+((\s*,\s*|\s+(or|and|nor)\s+)(no\s+|any\s+)?(?!feeling|control)[\w-]+)*"
    r"(\s+(of|to|about)\s+(\w+\s+){0,2}(myself|himself|herself|my life|it all|anything|suicide))?"
)


NOT_LITERALLY = _p(r"\b(not literally|figuratively|metaphorically|so to speak)\b")


def is_figurative(piece: str, message: str = "") -> bool:
    return bool(FIGURATIVE.search(piece) or (message and NOT_LITERALLY.search(message)))


# Everyday and clinical wordings read as the words the patterns know: a temperature given
# as a figure is a fever; a neck that cannot bend is a stiff neck.
FEVER_FIGURE = _p(r"\b(temp\w*|running|fever( of)?|spiking|spiked|at|of|is|was|pyrexi\w*|febrile)\s+(a\s+)?(3[89]|4[0-2])([.,]\d)?\s*(°\s*)?(c|degrees|deg)?\b")
STIFF_NECK = _p(r"\b(can'?t|cannot|can not|unable to|won'?t|hurts? to) (bend|move|turn|flex) (his|her|my|their|the) neck\b|\bchin (to|on) (his|her|my|their) chest\b|"
                   r"\bneck (stiffness|rigidity)\b|\bnuchal rigidity\b|\bmeningism\b")
# Clinical words for a fever, read as the everyday one.
FEVER_WORD = _p(r"\b(pyrexi\w*|febrile)\b")


def masked(sentence: str) -> str:
    text = FEVER_FIGURE.sub(" a fever ", sentence)
    text = FEVER_WORD.sub(" a fever ", STIFF_NECK.sub(" a stiff neck ", text))
    return NEGATED.sub(" ", text)


def is_general(piece: str) -> bool:
    """A general question ("can siderosis cause seizures?"), about nobody in particular."""
    return bool(GENERAL_START.search(piece)) and not PERSONAL.search(piece)


# A story about getting ready for something ("I'm starting deferiprone next week ... what
# signs should I watch for"): its symptoms are what might come, not what is happening.
PLANNING = _p(
    r"\b(next (week|month|year|appointment|visit)|(starting|start|begin\w*) .{0,40}\b(next|soon|tomorrow)|"
    r"(going|about|due) to (start|begin)|before (i|we|he|she) (start|begin)|(get|getting) (organised|organized|ready|prepared)|"
    r"trying to (decide|make a decision|understand|plan)|(want|like) to (understand|know|be prepared|be ready|plan))\b"
)
LONG_STORY = 4  # sentences: in a story this long, told as past or as planning, a symptom needs a sign of now
HAPPENING = _p(r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im|keeps?|been) (\w+ ){0,3}\w+ing\b")


@lru_cache(maxsize=64)
def _long_story(message: str) -> bool:
    """A long message told as past or as planning (once per message)."""
    return len(sentences(message)) >= LONG_STORY and bool(PAST.search(message) or PLANNING.search(message))


def _no_sign_of_now(piece: str, message: str) -> bool:
    """In a long story told as past or planning, a piece with no sign that it is happening now."""
    if not _long_story(message):
        return False
    return not (NOW.search(piece) or RECENT.search(piece) or HAPPENING.search(piece) or TOLD_IN_PAST.search(piece))


# Told in the present: "and my mouth is drooping", "she's got hives", "I have head pain when I stand".
PRESENT = _p(
    r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ ){0,2}\w+ing\b|"
    r"\b(i'?ve|he'?s|she'?s|they'?ve|we'?ve|ive|hes|shes) got\b|\b(has|have) got\b|"
    r"\b(i|he|she|we|they) (have|has|feel|feels|can'?t|cannot|keeps?)\b"
)


@lru_cache(maxsize=64)
def _sentence_set(message: str) -> frozenset[str]:
    return frozenset(sentences(message))


def _starts_sentence(piece: str, message: str) -> bool:
    return piece == message or any(piece.startswith(s[:40]) for s in _sentence_set(message))


@lru_cache(maxsize=64)
def _story_in_past(message: str) -> bool:
    return bool(PAST.search(message))  # once per message, not once per piece


def is_past(piece: str, message: str = "") -> bool:
    """Told as over: a past marker here (or in the message, with a past-tense verb here),
    and nothing here saying it is happening now."""
    if STRONG_NOW.search(NEVER_AGAIN.sub(" ", PAST.sub(" ", piece))):
        return False
    if PAST.search(piece):
        return True
    # A story told in the past carries its sentences with it, except an overdose or the like,
    # which is always told in the past tense however recent it is.
    return (
        _story_in_past(message) and bool(PAST_VERB.search(piece))
        and not RECENT.search(piece) and not TOLD_IN_PAST.search(piece)
        and not (PRESENT.search(piece) and piece in _sentence_set(message))
    )


# Long-standing: "weak for years, little by little", "the same headache for ages".
CHRONIC = _p(
    r"\b(for|over) (the )?(last |past )?(many |several |a few |some |about |around |nearly |almost |over )?"
    r"(\d+|two|three|four|five|six|seven|eight|nine|ten|many|several|couple of) (years|yrs)\b|"
    r"\bfor (years|decades|a long time|a very long time)\b|\bsince (a )?long time\b|\bsince years\b|"
    r"\b(little by little|bit by bit|gradually|slowly)\b|\b(the )?same as (always|ever|usual|before)\b"
)
# Signs of a new change, which a long-standing story does not rule out.
CHANGE = _p(
    r"\b(sudden\w*|all of a sudden|out of (nowhere|the blue)|new|just|today|tonight|this (morning|afternoon|evening)|now)\b|"
    r"\b(is|are|am|i'?m|he'?s|she'?s|they'?re|hes|shes|im) (\w+ ){0,3}(?!(morning|evening|during|ceiling|anything|something|nothing|everything)\b)\w+ing\b"
    # going on as told: "he is on the floor shaking" (not "is there anything")
)


def is_chronic(piece: str) -> bool:
    """Told as long-standing, with no sign of a change now."""
    return bool(CHRONIC.search(piece)) and not (CHANGE.search(piece) or STRONG_NOW.search(piece) or RECENT.search(piece))


@lru_cache(maxsize=256)
def not_now(piece: str, message: str) -> bool:
    """Past, long-standing, general, asking for information, or figurative: never urgent,
    whatever it mentions. Remembered: every run of words in a long sentence asks it again
    of that whole sentence."""
    if is_past(piece, message) or is_figurative(piece, message) or is_chronic(piece):
        return True
    if is_general(piece) and (not message or _starts_sentence(piece, message)):
        return True
    if REPORTED.search(piece) and not NOW.search(piece):
        return True
    return bool(INFO.search(piece)) and not STRONG_NOW.search(piece)


def hypothetical_before(piece: str, position: int) -> bool:
    """True when a what-if phrase comes before `position` in the piece."""
    match = WHAT_IF.search(piece)
    return bool(match) and match.start() <= position


def _sentence_of(piece: str, found: list[str]) -> str:
    """The sentence a run of words was cut from (the piece itself for whole sentences)."""
    return next((s for s in found if piece in s and piece != s), piece)


def _asked_ahead(piece: str, found: list[str]) -> bool:
    """A run of words cut from a sentence whose what-if phrase comes before it."""
    sentence = _sentence_of(piece, found)
    if sentence == piece:
        return False
    opening = WHAT_IF.search(sentence)
    return bool(opening) and opening.start() <= sentence.find(piece) and not RIGHT_NOW.search(sentence)


# ---------------------------------------------------------------- urgent triage

@dataclass(frozen=True)
class UrgentHit:
    category: Category
    via: str
    score: float  # 1.0 for a pattern, else the similarity


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
        hits: list[UrgentHit] = []
        warning = ""
        for category in self._categories:
            if category.also is not None and not category.also.search(message):
                continue
            for pattern in category.patterns:
                match = pattern.search(text)
                if not match:
                    continue
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

    def similarity_hits(self, message: str, piece: str, per_category: np.ndarray, negative: float) -> list[UrgentHit]:
        if not_now(piece, message) or (WHAT_IF.search(piece) and not NOW.search(piece)):
            return []
        opening = WHAT_IF.search(piece)
        if opening and opening.start() <= 3 and not RIGHT_NOW.search(piece):
            return []  # "what should I do if he suddenly can't see?" asks ahead
        if NEGATED.search(piece) and not NOW.search(masked(piece)):
            return []
        threshold, margin = self.rules.similarity.threshold, self.rules.similarity.margin
        hits = []
        for n, category in enumerate(self._categories):
            score = float(per_category[n])
            if score < threshold or score - negative < margin:
                continue
            if category.also is not None and not category.also.search(message):
                continue
            hits.append(UrgentHit(category, "similarity", score))
        return hits

    def patterns(self, message: str, texts: list[str]) -> tuple[list[UrgentHit], str]:
        """Pattern hits over every piece the patterns read, and the first what-if warning."""
        hits: list[UrgentHit] = []
        warning = ""
        whole_sentences = sentences(message)
        for n, piece in enumerate(texts):
            if n and not_now(_sentence_of(piece, whole_sentences), message):
                continue  # a run of words inside a sentence told as past or as a question
            if n and _asked_ahead(piece, whole_sentences):
                continue  # a run of words cut from after "if my husband's face ever drooped..."
            found, warned = self.pattern_hits(message, piece)
            hits += found
            warning = warning or warned
        return hits, warning

    def similarities(self, message: str, texts: list[str], vectors: np.ndarray) -> list[UrgentHit]:
        per_category, negative = self.similarity_scores(vectors)
        whole_sentences = sentences(message)
        hits: list[UrgentHit] = []
        for n, piece in enumerate(texts):
            if n and (not_now(_sentence_of(piece, whole_sentences), message) or _asked_ahead(piece, whole_sentences)):
                continue
            hits += self.similarity_hits(message, piece, per_category[n], float(negative[n]))
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
            c = hit.category
            return Decision(Triage.URGENT, c.id, urgent=UrgentNotice(c.message, c.tier, c.id), via=hit.via)
        if self.scope.is_noise(whole):  # made-up words: nothing to embed, nothing to search
            if hit is not None:
                c = hit.category
                return Decision(Triage.URGENT, c.id, urgent=UrgentNotice(c.message, c.tier, c.id), via=hit.via)
            noise = self.scope.check(whole, None)
            if noise is not None:
                return Decision(Triage.NO_ANSWER, noise.theme.id, scope=noise, warning=warning, via=noise.via)
        texts = embedded_pieces(whole)
        texts = texts[:1] + [t for t in texts[1:] if self.readable(t)]
        vectors = self.vectors(texts)
        hit = self.urgent.best(hits + self.urgent.similarities(whole, texts, vectors))
        if hit is not None:
            c = hit.category
            return Decision(Triage.URGENT, c.id, urgent=UrgentNotice(c.message, c.tier, c.id), via=hit.via)
        scope = self.scope.check(whole, vectors[0])
        if scope is None:
            return Decision(Triage.NONE, warning=warning)
        kind = Triage.ASK_DOCTOR if scope.theme.action == "ask_doctor" else Triage.NO_ANSWER
        return Decision(kind, scope.theme.id, scope=scope, warning=warning, via=scope.via)


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
