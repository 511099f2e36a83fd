"""Decide, before any search, whether a message is an emergency, a personal treatment
decision for the person's own doctor, or something this explainer must not try to answer.

Every rule is a row in a table below so a clinician can read and extend it. Urgent rules
win over everything. A past event told as background ("years ago I had a thunderclap
headache") is a question, not an emergency, unless the message also says it is happening now.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Triage(str, Enum):
    URGENT = "urgent"
    ASK_DOCTOR = "ask_doctor"
    NO_ANSWER = "no_answer"
    NONE = "none"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    also: re.Pattern[str] | None = None  # a second pattern that must match as well
    past_can_excuse: bool = True  # a clearly past event is not an emergency
    unless: re.Pattern[str] | None = None  # a pattern that, if present, cancels the rule


@dataclass(frozen=True)
class Decision:
    triage: Triage
    rule: str = ""


def _p(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# Words that make a message about someone now, not a general question.
PERSONAL = _p(
    r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|we|our|he|she|he's|she's|his|her|husband|wife|partner|"
    r"dad|mum|mom|father|mother|son|daughter|brother|sister|friend|child|baby)\b"
)
NOW = _p(
    r"\b(now|right now|just|today|tonight|this (morning|afternoon|evening)|since (last night|yesterday|this)|"
    r"an? (hour|minute)s? ago|\d+\s*(min|mins|minutes|hours?|hrs?)\b( ago)?|minutes ago|"
    r"keep|keeps|isn't|is not|won't|can't|cannot|currently|at the moment|still)\b"
)
PAST = _p(
    r"\b(years? ago|months? ago|in the past|back in|used to|once had|had an? .{0,40} (years|long) ago|"
    r"history of|when i was|last year|decades? ago|could (that|this|it) (have|be)|years back)\b"
)

URGENT_RULES: tuple[Rule, ...] = (
    Rule("sudden severe headache", _p(
        r"thunderclap|worst headache|worst .{0,12}headache|headache .{0,40}\bsudden|sudden(ly)? .{0,30}headache|"
        r"head .{0,20}(exploded|explode)")),
    Rule("stroke signs", _p(
        r"face (is )?(drooping|droops|dropped|fallen)|drooping (face|mouth|on)|can'?t (lift|raise|move) (my |his |her )?"
        r"(left |right )?(arm|leg)|(one|left|right) side of (my|his|her|the) (body|face) .{0,30}(numb|weak|dead|paralys)|"
        r"(words|speech) .{0,25}(wrong|garbled|slurred|jumbled|muddled)|slurr(ed|ing) (my |his |her )?(words|speech)|"
        r"suddenly can'?t (speak|talk)|weak(ness)? on (one|the left|the right) side")),
    Rule("fever with stiff neck", _p(r"(fever|temperature|feverish).{0,80}stiff neck|stiff neck.{0,80}(fever|temperature)")),
    Rule("collapse", _p(
        r"\b(fainted|collapsed|passed out|blacked out|unconscious|unresponsive|not waking|won'?t wake|isn'?t waking|"
        r"can'?t wake)")),
    Rule("sudden loss of vision", _p(
        r"(vision|sight|eye).{0,40}(suddenly|all of a sudden).{0,20}(went|gone|go|black|dark|lost|blind)|"
        r"suddenly.{0,20}(can'?t see|lost (my |his |her )?(vision|sight)|went blind|blind)|"
        r"(vision|sight) .{0,25}(went|gone|going) (black|dark)")),
    Rule("seizure that will not stop", _p(
        r"(seizure|fit|convuls\w*|fitting).{0,40}(won'?t stop|not stopping|isn'?t stopping|keeps? going|"
        r"more than (5|five) minutes|still going|back to back)")),
    Rule("thoughts of suicide or self-harm", _p(
        r"suicid\w*|kill(ing)? (myself|himself|herself)|end(ing)? (my|it all|his|her) (life|all)|ending it all|"
        r"self[- ]?harm|hurt(ing)? myself|don'?t want to (live|be alive|go on)|better off dead|"
        r"no (point|reason) (in )?(living|going on)"), past_can_excuse=False),
    Rule("fever or sore throat on deferiprone", _p(
        r"(fever|temperature|chills|shivering|sore throat|throat is sore|infection|flu)"),
        also=_p(r"deferiprone|ferriprox|chelat\w*")),
    Rule("bladder control loss with numb legs", _p(
        r"(lost|losing|can'?t control|no control (of|over)|wet myself|incontinen\w*).{0,40}(bladder|pee|urine|wee)|"
        r"(bladder|pee|urine).{0,40}(lost|losing|can'?t control|control)"),
        also=_p(r"(numb|weak|dead|no feeling).{0,30}(legs?|saddle|bottom|groin)|(legs?|saddle|groin).{0,20}(numb|weak)")),
)

# Personal medication or treatment decisions: only their own doctor can make these.
ASK_DOCTOR_RULES: tuple[Rule, ...] = (
    Rule("dose", _p(
        r"how (many|much) (mg|milligrams?|tablets?|pills?)|\b(what|which|right|correct|my) (dose|dosage)\b|"
        r"\bdose should|\bmg\b.{0,40}(take|should)|double (up|dose|my dose)|missed (a |my |the )?(dose|tablet|pill)|"
        r"(take|taking) (extra|more|less|fewer)")),
    Rule("stopping or starting a medicine", _p(
        r"should i (stop|start|keep|carry on|quit|come off|switch)|can i (stop|quit|come off|switch)|"
        r"(stop|quit|come off) (taking )?(my|the) (medicine|medication|tablets|pills|deferiprone|ferriprox|aspirin|"
        r"warfarin|blood thinners?)")),
    Rule("pregnancy", _p(r"\bpregnan\w*|breast ?feed\w*|trying for a baby|conceive|fertility")),
    Rule("alcohol with a medicine", _p(r"\b(alcohol|drink|beer|wine)\b"), also=_p(
        r"deferiprone|ferriprox|trientine|medicine|medication|tablets|pills|drug")),
    Rule("choosing a treatment", _p(
        r"which (treatment|option|operation|drug|medicine) should i|what (treatment|drug|medicine) should i|"
        r"should (i|we|he|she) (have|get|choose|go for|try|take|accept|refuse|agree to|start|stop) (the |a |an |my )?"
        r"(surgery|operation|treatment|deferiprone|ferriprox|drug|medicine|tablets|implant|cochlear|blood patch|patch|"
        r"chelation|trientine|procedure)|is it safe for me to|"
        r"(my|our) (own )?(decision|choice)")),
)

# Requests the explainer will not follow, and topics the sources never cover.
NO_ANSWER_RULES: tuple[Rule, ...] = (
    Rule("instructions", _p(
        r"ignore (all |any |your |the |previous |prior |above )+(instructions|rules|prompts?)|system prompt|"
        r"developer mode|jailbreak|you are now|pretend (to be|you are)|act as|disregard (your|the|all)|"
        r"reveal your|your (instructions|rules|prompt)")),
    Rule("chit-chat", _p(
        r"\b(joke|jokes|riddle|poem|limerick|sing)\b|how('s| is| are) (your day|you|things)|^(hi|hello|hey)\b\W*(there)?\W*$|"
        r"^(thanks|thank you|cheers)\b|who (are|made) you|are you (a bot|human|real)")),
    Rule("other kinds of siderosis", _p(
        r"pulmonary siderosis|welder'?s lung|lung siderosis|siderosis of the (lung|eye)|siderosis bulbi|"
        r"ocular siderosis|transfusional (iron|siderosis)|iron overload")),
    # Another condition asked about on its own: the sources explain only siderosis.
    Rule("another condition", _p(
        r"multiple sclerosis|\bparkinson|\balzheimer|motor neuron|\bALS\b|thalass\w*mia|ha?emochromatosis|"
        r"\bdiabet\w*|\bcancer\b|\bcovid|\blupus\b|rheumatoid|\basthma\b|m[eé]ni[eè]re|\bmigraine"),
        unless=_p(r"sidero?sis|\bi?SS\b|iron (on|in) (my|the|his|her) (brain|spine)")),
    Rule("legal and money", _p(
        r"\b(sue|suing|lawyer|solicitor|attorney|compensation|negligence|lawsuit|legal action|insurance|insurer|"
        r"disability (benefits?|allowance|payments?|claim)|(apply|claim|claiming) for benefits|pension)\b")),
    # A place name is capitalised, so only the first half ignores case.
    Rule("finding a named doctor", re.compile(
        r"(?i:\b(neurologist|doctor|specialist|surgeon|clinic|hospital)s?\b.{0,30}\b(in|near) )"
        r"(?!The\b|My\b|A\b)[A-Z][a-z]+")),
    Rule("diet and supplements", _p(
        r"\bfoods?\b|\bdiet\b|what (should|can) i eat|\bsupplements?\b|\bvitamins?\b|\bherbal\b|home remed")),
)

NONSENSE = re.compile(r"[a-z]{2,}", re.IGNORECASE)


def _matches(rule: Rule, text: str) -> bool:
    return (
        bool(rule.pattern.search(text))
        and (rule.also is None or bool(rule.also.search(text)))
        and (rule.unless is None or not rule.unless.search(text))
    )


def is_urgent(text: str) -> Decision | None:
    # "Can deferiprone cause a sore throat?" is a question; "I'm on it and my throat is
    # sore" or "…sore throat today" is about someone now.
    if not PERSONAL.search(text) and not NOW.search(text):
        return None
    told_as_past = bool(PAST.search(text)) and not NOW.search(text)
    for rule in URGENT_RULES:
        if _matches(rule, text) and not (told_as_past and rule.past_can_excuse):
            return Decision(Triage.URGENT, rule.name)
    return None


def triage(question: str) -> Decision:
    """The first matching decision: urgent, then no_answer requests, then ask_doctor."""
    text = " ".join(question.replace("’", "'").split())
    urgent = is_urgent(text)
    if urgent:
        return urgent
    if not NONSENSE.search(text):
        return Decision(Triage.NO_ANSWER, "no words")
    for rule in NO_ANSWER_RULES:
        if _matches(rule, text):
            return Decision(Triage.NO_ANSWER, rule.name)
    if PERSONAL.search(text):
        for rule in ASK_DOCTOR_RULES:
            if _matches(rule, text):
                return Decision(Triage.ASK_DOCTOR, rule.name)
    return Decision(Triage.NONE)
