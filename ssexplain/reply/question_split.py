"""Find the questions in a long message.

Real carers and patients write a story, then ask one or two things. Searching the whole
story at once finds whatever the story talks about most, not what it asks, so a long
message is cut into sentences and each sentence is judged by its form:

- it asks: it ends in "?", or it asks indirectly ("I was wondering whether…", "can you tell
  me…", "I'd like to know…", "any idea why…"), wherever it stands in the message;
- it may ask: it starts like a question ("what…", "can…", "is…") without a "?"; such
  sentences count only when nothing in the message asks plainly (a forum post typed with
  no punctuation at all);
- it announces ("I have two questions.", "Two things I'd like to know:"): the questions are
  the ones from there on, so a worried "Will I lose my job?" halfway through the story is
  not answered in place of the two questions the writer then asks. What follows a colon in
  an announcing sentence ("My two questions: who can help…?") is the question itself;
- it is filler ("Can anyone help?", "Thanks"): only kept when nothing else is asked.

A question is searched without the words that only number it ("Firstly,", "And second,",
"My other question is"), and keeps the story sentences before it (not the announcements or
filler), so "Can that be fixed?" can be read in the light of the story (conversation.py).
A very short question ("Why?") is joined to the sentence before it.

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
    r"\b(?:i|we|i'm|i am|we're|we are)\s+(?:\w+\s+)?(?:wonder|wondering|wondered)\b|"
    r"\b(?:i|we)(?:'d|\s+would|\s+really|\s+just)*\s+(?:like|love|want|need|wanted|needed)\s+to\s+"
    r"(?:know|find out|ask)\s+(?:if|whether|why|what|how|when|where|which|who|about)\b|"
    r"\b(?:i|we)\s+(?:want|need|wanted|needed)\s+to\s+know\b|"
    r"\b(?:can|could|would)\s+(?:you|someone|somebody|anyone|anybody)\s+(?:please\s+)?"
    r"(?:tell|explain|say)\b(?:\s+(?:me|us))?\s*(?:if|whether|why|what|how|when|where|which|who|about)?|"
    r"\bplease\s+(?:tell|explain)\b|"
    r"\bany\s+idea(?:s)?\s+(?:if|whether|why|what|how|when|where|which|who)\b|"
    r"\b(?:does|do)\s+(?:anyone|anybody)\s+know\s+(?:if|whether|why|what|how|when|where|which|who)\b|"
    r"\b(?:i'?m|i am|we'?re|we are)\s+(?:\w+\s+)?(?:curious|unsure|not sure|confused)\s+"
    r"(?:about\s+)?(?:if|whether|why|what|how|when|where|which|who)\b",
    re.IGNORECASE,
)
# "I have two questions.", "Two things I'd like to know:", "My questions are:".
COUNT = r"(?:two|three|2|3|a\s+couple\s+of|couple\s+of|a\s+few|few|several)"
ANNOUNCES_QUESTIONS = re.compile(
    rf"\b{COUNT}\s+(?:\w+\s+)?(?:questions?|queries)\b|"
    r"\b(?:my|our)\s+(?:\w+\s+)?questions?\s+(?:is|are|then)\b|^\W*(?:\w+\s+){0,2}questions?\W*$",
    re.IGNORECASE,
)
# "two things" announces only beside asking words, or alone ("So two things."), not in
# "one of the few things that doesn't hurt".
ANNOUNCES_THINGS = re.compile(rf"\b{COUNT}\s+(?:\w+\s+)?(?:things|points)\b", re.IGNORECASE)
ASKING_WORDS = re.compile(
    r"\b(?:know|ask|asking|understand|answers?|answered|clear|help|wonder\w*|grateful|find out|explain\w*)\b",
    re.IGNORECASE,
)
ASKED_BY_OTHERS = re.compile(r"\b(?:asked|answered)\s+(?:\w+\s+){0,2}(?:questions?|things)\b", re.IGNORECASE)
SHORT_ANNOUNCEMENT = 6  # words
# The words that only number a question: "Firstly,", "And second,", "My other question is".
NUMBERING = re.compile(
    r"^\W*(?:(?:and|but|so|also|ok|okay)\s*,?\s+)?"
    r"(?:(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|lastly|next|also|one|two|three|\d|[ab]|q\d|"
    r"question\s+(?:one|two|three|\d))\s*[,:.)\-\u2013\u2014]+|"
    r"(?:(?:my|the|our)\s+)?(?:first|second|third|last|final|next|other|main|big|real)\s+"
    r"(?:question|thing|one|worry|concern)(?:\s+(?:is|was))?\s*[,:\-\u2013\u2014]*)\s*",
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
    before: tuple[str, ...] = ()  # the earlier sentences of the story, oldest first


@dataclass(frozen=True)
class Found:
    questions: tuple[Asked, ...]
    more: int = 0  # questions found beyond MAX_PARTS, left unanswered
    split: bool = False  # False: the message is answered whole, as one question


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip() and WORD.search(s)]


def asks(sentence: str) -> bool:
    """The sentence plainly asks something: a "?" at its end, or an indirect question."""
    return sentence.rstrip().endswith("?") or bool(ASKS_INDIRECTLY.search(sentence))


def may_ask(sentence: str) -> bool:
    """The sentence starts like a question (counted only when nothing asks plainly)."""
    return bool(ASKS.search(sentence))


def announces(sentence: str) -> bool:
    """ "I have two questions.", "So two things.", "Two things I'd like to know": the
    questions follow."""
    if ASKED_BY_OTHERS.search(sentence):
        return False  # "the neurologist asked a few questions": part of the story
    if ANNOUNCES_QUESTIONS.search(sentence):
        return True
    return bool(ANNOUNCES_THINGS.search(sentence)) and (
        bool(ASKING_WORDS.search(sentence)) or len(WORD.findall(sentence)) <= SHORT_ANNOUNCEMENT
    )


def _announced(sentence: str) -> tuple[bool, str]:
    """(True, what follows the colon or "") for a sentence that announces questions."""
    head, colon, tail = sentence.partition(":")
    if colon and WORD.search(tail) and announces(head):
        return True, tail.strip()
    return announces(sentence) and not sentence.rstrip().endswith("?"), ""


# "First, …", "Question one: …", "My first question is …": the writer starts counting here.
FIRST = re.compile(
    r"^\W*(?:first(?:ly)?\b|1[.)]|q1\b|question\s+(?:one|1)\b|(?:(?:my|the|our)\s+)?first\s+(?:question|thing|one)\b)",
    re.IGNORECASE,
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def unnumbered(question: str) -> str:
    """The question without the words that only number it ("Secondly, is it …" -> "Is it …")."""
    bare = NUMBERING.sub("", question, count=1).strip()
    if len(WORD.findall(bare)) < MIN_QUESTION_WORDS or bare == question:
        return question
    return _capital(bare)


def _with_lead_in(story: list[str], sentence: str) -> str:
    """A very short question ("Why?") joined to the sentence before it."""
    if story and len(WORD.findall(sentence)) < MIN_QUESTION_WORDS:
        return f"{story[-1]} {sentence}"
    return sentence


def find_questions(text: str) -> Found:
    """The questions a message asks, in order (at most MAX_PARTS), or the message whole."""
    parts = sentences(text)
    if len(parts) <= 1:
        return Found((Asked(text),))
    # Each sentence as it reads: (text to search, kind), kind one of ask / may / filler / story.
    read: list[tuple[str, str]] = []
    start = 0  # questions are looked for from the last announcement on
    for n, sentence in enumerate(parts):
        announcing, after = _announced(sentence)
        if announcing:
            start = len(read)
            if after:
                read.append((_capital(unnumbered(after)), "ask"))  # what the announcement announced
            else:
                read.append((sentence, "announce"))
            continue
        if FILLER.match(sentence):
            kind = "filler"
        elif asks(sentence):
            kind = "ask"
        elif may_ask(sentence):
            kind = "may"
        else:
            kind = "story"
        if kind in ("ask", "may") and FIRST.match(sentence):
            start = len(read)
        read.append((unnumbered(sentence) if kind in ("ask", "may") else sentence, kind))
    chosen = _pick(read, start)
    if not chosen:
        # Only "Can anyone help?": what they want help with is the sentence before it.
        filler = [n for n, (_, kind) in enumerate(read) if kind == "filler"]
        chosen = [max(filler[0] - 1, 0)] if filler else [len(read) - 1]
    if len(chosen) == 1 and len(text) <= SHORT_MESSAGE:
        return Found((Asked(text),))
    asked = []
    for n in chosen[:MAX_PARTS]:
        story = [s for s, kind in read[:n] if kind not in ("announce", "filler")]
        asked.append(Asked(_with_lead_in(story, read[n][0]), before=tuple(story)))
    return Found(tuple(asked), more=max(0, len(chosen) - MAX_PARTS), split=True)


def _pick(read: list[tuple[str, str]], start: int) -> list[int]:
    """The sentences that are the questions: those that ask plainly (after the last
    announcement, when one is followed by a question), else those that start like a question."""
    for kinds in (("ask",), ("ask", "may")):
        after = [n for n in range(start, len(read)) if read[n][1] in kinds]
        if after:
            return after
        anywhere = [n for n, (_, kind) in enumerate(read) if kind in kinds]
        if anywhere:
            return anywhere
    return []
