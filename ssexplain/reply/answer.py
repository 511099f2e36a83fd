"""Turn search hits and a triage decision into the reply a person reads.

The reply's medical content is only ever the curated passages: the answer text is their
plain-language explanations, and every one is cited with its verbatim quote. The fixed
sentences here say what kind of reply it is (urgent, ask your doctor, not covered); they
make no medical statement of their own.
"""
from __future__ import annotations

from dataclasses import dataclass

from ssexplain.content.loader import Content, Source
from ssexplain.search.retrieval import Hit

DISCLAIMER = (
    "This is general information from medical papers, not medical advice. It cannot diagnose "
    "you or tell you what to do. Always talk to your own doctor about your health. In an "
    "emergency, call your local emergency number."
)
URGENT_MESSAGE = (
    "This could be an emergency. Call your local emergency number now (for example 999 in the "
    "UK, 911 in the US or 112 in Europe), or go to the nearest emergency department. Do not wait "
    "for an answer online."
)
URGENT_MESSAGES = {
    "thoughts of suicide or self-harm": (
        "You matter, and you do not have to face this alone. If you might act on these thoughts, "
        "call your local emergency number now (for example 999 in the UK, 911 in the US or 112 in "
        "Europe). You can also call a crisis line, such as Samaritans on 116 123 in the UK or 988 "
        "in the US, at any time, day or night."
    ),
    "fever or sore throat on deferiprone": (
        "Fever, chills or a sore throat while you take deferiprone need a doctor today. Contact "
        "your doctor or urgent care now, or call your local emergency number if you feel very "
        "unwell. Do not wait for an answer online."
    ),
}
ASK_DOCTOR_TEXT = (
    "This is a decision about your own treatment, so it needs your own doctor or pharmacist. "
    "They know your health and your medicines. The general information below may help you "
    "talk it through with them."
)
ASK_DOCTOR_NOTHING = (
    "This is a decision about your own treatment, so it needs your own doctor or pharmacist. "
    "They know your health and your medicines."
)
NO_ANSWER_TEXT = (
    "Sorry, the sources behind this explainer don't cover that. It can only answer questions "
    "about superficial siderosis from three medical papers. Please ask your own doctor, or try "
    "one of the questions below."
)
ANSWER_LEAD = "Here is what the medical sources say."

MAX_CITATIONS = 3
CITATION_MARGIN = 0.2  # cite a passage only if it is nearly as close as the best one
MAX_FOLLOWUPS = 3


@dataclass(frozen=True)
class Citation:
    id: str
    quote: str
    plain: str
    section: str
    source: Source
    score: float

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "quote": self.quote,
            "plain": self.plain,
            "section": self.section,
            "source": {"id": self.source.id, "title": self.source.title, "citation": self.source.citation},
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Reply:
    status: str
    answer: str
    citations: tuple[Citation, ...] = ()
    followups: tuple[str, ...] = ()
    urgent_message: str = ""
    disclaimer: str = DISCLAIMER
    top_score: float = 0.0  # for logs and calibration, never shown

    def to_dict(self) -> dict:
        body = {
            "status": self.status,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "disclaimer": self.disclaimer,
            "followups": list(self.followups),
        }
        if self.status == "urgent":
            body["urgent"] = {"message": self.urgent_message}
        return body

    def to_text(self) -> str:
        lines = []
        if self.urgent_message:
            lines += [f"URGENT: {self.urgent_message}", ""]
        lines.append(self.answer)
        for n, c in enumerate(self.citations, start=1):
            lines += ["", f"[{n}] “{c.quote}”", f"    — {c.source.title}, {c.section}"]
        if self.followups:
            lines += ["", "You could also ask:"] + [f"  - {q}" for q in self.followups]
        lines += ["", self.disclaimer]
        return "\n".join(lines)


def cite(hit: Hit, content: Content) -> Citation:
    p = hit.passage
    return Citation(
        id=p.id, quote=p.quote, plain=p.plain, section=p.section, source=content.sources[p.source], score=hit.score
    )


def citable(hits: list[Hit], *, threshold: float) -> list[Hit]:
    """The hits worth showing: above the threshold and close to the best one."""
    if not hits:
        return []
    best = max(h.similarity for h in hits)
    return [h for h in hits if h.similarity >= max(threshold, best - CITATION_MARGIN)][:MAX_CITATIONS]


def followups_from(hits: list[Hit], *, exclude: set[str], asked: list[str]) -> tuple[str, ...]:
    """Example questions of related passages not already shown: each one has an answer."""
    seen = {q.strip().lower() for q in asked}
    out: list[str] = []
    for hit in hits:
        if hit.passage.id in exclude:
            continue
        question = hit.passage.questions[0]
        if question.lower() not in seen:
            out.append(question[0].upper() + question[1:])
            seen.add(question.lower())
        if len(out) == MAX_FOLLOWUPS:
            break
    return tuple(out)


def answered(hits: list[Hit], content: Content, *, threshold: float, asked: list[str]) -> Reply:
    shown = citable(hits, threshold=threshold)
    citations = tuple(cite(h, content) for h in shown)
    answer = " ".join([ANSWER_LEAD, *(c.plain for c in citations[:2])])
    return Reply(
        status="answered",
        answer=answer,
        citations=citations,
        followups=followups_from(hits, exclude={c.id for c in citations}, asked=asked),
        top_score=shown[0].similarity if shown else 0.0,
    )


def ask_doctor(hits: list[Hit], content: Content, *, threshold: float) -> Reply:
    shown = citable(hits, threshold=threshold)
    return Reply(
        status="ask_doctor",
        answer=ASK_DOCTOR_TEXT if shown else ASK_DOCTOR_NOTHING,
        citations=tuple(cite(h, content) for h in shown),
        top_score=max((h.similarity for h in hits), default=0.0),
    )


def no_answer(starters: tuple[str, ...], *, top_score: float = 0.0) -> Reply:
    return Reply(status="no_answer", answer=NO_ANSWER_TEXT, followups=starters, top_score=top_score)


def urgent(rule: str) -> Reply:
    message = URGENT_MESSAGES.get(rule, URGENT_MESSAGE)
    return Reply(status="urgent", answer=message, urgent_message=message)


def starter_questions(content: Content, topics: tuple[str, ...]) -> tuple[str, ...]:
    """One example question per core topic, taken from the content itself.

    The review's key points summarise each topic, so their questions make the best
    starting points; any passage of the topic is the fallback.
    """
    out = []
    ordered = sorted(content.passages, key=lambda p: not p.id.startswith("key-point-"))
    for topic in topics:
        passage = next((p for p in ordered if topic in p.topics), None)
        if passage:
            q = passage.questions[0]
            out.append(q[0].upper() + q[1:])
    return tuple(out)
