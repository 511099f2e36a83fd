"""Find the questions in a long message.

Real carers and patients write a story, then ask one or two things. Searching the whole
story at once finds whatever the story talks about most, not what it asks, so a long
message is cut into sentences and the questions are picked out: sentences that end in "?",
else sentences that start like a question ("what…", "can…", "should…", "is…"), else the
last sentence. Each question keeps the sentences before it, so "Can that be fixed?" can be
read in the light of the story (see conversation.py).

Short messages (one sentence, or a few hundred characters asking one thing) are left whole:
that is how they were answered before, and it works.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PARTS = 3
# Below this length a message asking one thing is searched whole.
SHORT_MESSAGE = 300
# A question this short ("Why?", "Is it?") means little without the sentence before it.
MIN_QUESTION_WORDS = 3

# Ends of sentences: ., ! or ? (with closing quotes or brackets) before a space, or a line break.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n+\s*")
ASKS = re.compile(
    r"^\W*(?:and\s+|but\s+|so\s+|also\s+|or\s+)?(?:what|what's|whats|why|how|when|where|which|who|whose|"
    r"can|could|should|shall|would|will|is|are|was|were|do|does|did|has|have|had|may|might|must|"
    r"am|isn't|aren't|doesn't|don't|won't|can't|any)\b",
    re.IGNORECASE,
)
ASKS_INDIRECTLY = re.compile(
    r"\b(?:i|we)\s+(?:wonder|was wondering|were wondering|would like to know|want to know|need to know)\b|"
    r"\bplease\s+(?:tell|explain)\b|\bi'?d like to know\b",
    re.IGNORECASE,
)
# Questions to the forum, not to the sources: only kept when nothing else is asked.
FILLER = re.compile(
    r"^\W*(?:(?:can|could|will)\s+(?:anyone|anybody|someone|somebody|you)\s+(?:please\s+)?help(?:\s+(?:me|us))?|"
    r"any\s+(?:advice|thoughts|ideas|help|tips|suggestions)(?:\s+\w+){0,4}|"
    r"(?:does|do)\s+(?:anyone|anybody)\s+(?:know|have\s+(?:any\s+)?(?:advice|ideas|tips))|"
    r"what\s+do\s+you\s+(?:all\s+)?think|thanks?(?:\s+you)?(?:\s+\w+){0,3}|"
    r"has\s+anyone\s+else(?:\s+\w+){0,6}|am\s+i\s+(?:right|wrong)|right|ok|okay)\W*$",
    re.IGNORECASE,
)
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Asked:
    """One question found in a message, with the text before it in the message."""

    question: str
    before: tuple[str, ...] = ()  # the earlier sentences of the message, oldest first


@dataclass(frozen=True)
class Found:
    questions: tuple[Asked, ...]
    more: int = 0  # questions found beyond MAX_PARTS, left unanswered
    split: bool = False  # False: the message is answered whole, as one question


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip() and WORD.search(s)]


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(ASKS.search(sentence)) or bool(ASKS_INDIRECTLY.search(sentence))


def _with_lead_in(parts: list[str], n: int) -> str:
    """A very short question ("Why?") joined to the sentence before it."""
    sentence = parts[n]
    if n > 0 and len(WORD.findall(sentence)) < MIN_QUESTION_WORDS:
        return f"{parts[n - 1]} {sentence}"
    return sentence


def find_questions(text: str) -> Found:
    """The questions a message asks, in order (at most MAX_PARTS), or the message whole."""
    parts = sentences(text)
    if len(parts) <= 1:
        return Found((Asked(text),))
    marked = [n for n, s in enumerate(parts) if s.endswith("?")]
    if not marked:
        marked = [n for n, s in enumerate(parts) if _asks(s)]
    real = [n for n in marked if not FILLER.match(parts[n])]
    if not real:
        # Only "Can anyone help?": what they want help with is the sentence before it.
        real = [max(marked[0] - 1, 0)] if marked else [len(parts) - 1]
    if len(real) == 1 and len(text) <= SHORT_MESSAGE:
        return Found((Asked(text),))
    asked = tuple(
        Asked(_with_lead_in(parts, n), before=tuple(parts[:n])) for n in real[:MAX_PARTS]
    )
    return Found(asked, more=max(0, len(real) - MAX_PARTS), split=True)
