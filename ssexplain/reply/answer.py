"""Turn search hits and a triage decision into the reply a person reads.

The reply's medical content is only ever the curated passages: the answer text is their
plain-language explanations, and every one is cited with its verbatim quote. The fixed
sentences here say what kind of reply it is (urgent, ask your doctor, not covered); they
make no medical statement of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ssexplain.content.loader import Content, Source
from ssexplain.reply.conversation import Subject
from ssexplain.reply.scope import ScopeDecision
from ssexplain.reply.triage import UrgentNotice
from ssexplain.search.retrieval import Hit

DISCLAIMER = (
    "This is general information from medical papers, not medical advice. It cannot diagnose "
    "you or tell you what to do. Always talk to your own doctor about your health. In an "
    "emergency, call your local emergency number."
)
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
NOT_COVERED_TEXT = (
    "The sources behind this explainer don't say anything about {about}. They only cover "
    "superficial siderosis, from three medical papers. Please ask your own doctor, or try one "
    "of the questions below."
)
RELATED_NOTE = "Nearby passages are listed below as related reading. They do not answer this question."
WARNING_LEAD = "If this is happening now:"
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
    urgent: UrgentNotice | None = None  # set exactly when the status is "urgent"
    # Passages near a question the sources do not answer: reading, never evidence.
    related: tuple[Citation, ...] = ()
    disclaimer: str = DISCLAIMER
    top_score: float = 0.0  # for logs and calibration, never shown
    # Conversation state (conversation.py): what the question was taken to mean when it
    # leaned on what came before, the subject that reading used (a later follow-up inherits
    # it), and the earlier questions it depends on (a permalink must carry them).
    understood_as: str = ""
    subject: Subject | None = None
    leaned_on: tuple[str, ...] = ()
    # A long message with several questions: one part per question answered (question_split.py).
    parts: tuple["Part", ...] = ()
    unanswered: int = 0  # questions found beyond the ones answered

    def to_dict(self) -> dict:
        body = {
            "status": self.status,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "disclaimer": self.disclaimer,
            "followups": list(self.followups),
        }
        if self.urgent is not None:
            body["urgent"] = self.urgent.to_dict()
        body["related"] = [c.to_dict() for c in self.related]
        if self.understood_as:
            body["understood_as"] = self.understood_as
        if self.parts:
            body["parts"] = [part.to_dict() for part in self.parts]
        if self.unanswered:
            body["parts_note"] = MORE_QUESTIONS.format(shown=len(self.parts))
        return body

    def to_text(self) -> str:
        lines = []
        if self.urgent is not None:
            lines += [f"URGENT ({self.urgent.tier}, {self.urgent.category}): {self.urgent.message}", ""]
        if self.understood_as:
            lines += [f"({self.understood_as})", ""]
        lines.append(self.answer)
        for n, c in enumerate(self.citations, start=1):
            lines += ["", f"[{n}] “{c.quote}”", f"    — {c.source.title}, {c.section}"]
        if self.related:
            lines += ["", "Related reading (not an answer to this question):"]
            lines += [f"  - {c.plain} ({c.source.title}, {c.section})" for c in self.related]
        if self.followups:
            lines += ["", "You could also ask:"] + [f"  - {q}" for q in self.followups]
        lines += ["", self.disclaimer]
        return "\n".join(lines)


@dataclass(frozen=True)
class Part:
    """One question of a long message and its own reply (never urgent: the whole message is
    triaged first, and an urgent message gets the urgent reply alone)."""

    question: str
    reply: Reply

    def to_dict(self) -> dict:
        body = {
            "question": self.question,
            "status": self.reply.status,
            "answer": self.reply.answer,
            "citations": [c.to_dict() for c in self.reply.citations],
        }
        if self.reply.understood_as:
            body["understood_as"] = self.reply.understood_as
        return body


PART_NOT_COVERED = "The medical sources behind this explainer don't cover this question. Please ask your own doctor."
PARTS_LEAD = "Your message asks {n} things. Here is what the medical sources say about each one."
ONE_PART_LEAD = "You asked: “{question}”"
MORE_QUESTIONS = (
    "Your message asks more than {shown} things. This answers the first {shown}. "
    "Please ask the others on their own."
)


def part_answer(reply: Reply) -> str:
    """A part's own text: its passages' plain explanations, or what kind of reply it is."""
    if reply.status == "answered":
        return " ".join(c.plain for c in reply.citations[:2])
    if reply.status == "no_answer":
        return PART_NOT_COVERED
    return reply.answer


def combined(parts: list[Part], *, more: int = 0) -> Reply:
    """One reply for a message with several questions (or a story with one).

    The main question is the first one the sources answer (else the first one): its status,
    follow-ups and best passages come first, so a client that reads only `citations` still
    shows the best evidence first. Every other part's passages follow, each once.
    """
    main = next((p for p in parts if p.reply.status == "answered"), parts[0])
    shaped = [Part(p.question, replace(p.reply, answer=part_answer(p.reply))) for p in parts]
    if len(parts) == 1:
        lines = [ONE_PART_LEAD.format(question=parts[0].question.rstrip()), main.reply.answer]
    else:
        lines = [PARTS_LEAD.format(n=len(parts))]
        lines += [f"{n}. “{p.question.rstrip()}” {p.reply.answer}" for n, p in enumerate(shaped, start=1)]
    if more:
        lines.append(MORE_QUESTIONS.format(shown=len(parts)))
    citations: list[Citation] = list(main.reply.citations)
    for part in parts:
        citations += [c for c in part.reply.citations if c.id not in {x.id for x in citations}]
    leaned = max((p.reply.leaned_on for p in parts), key=len)
    return Reply(
        status=main.reply.status,
        answer=" ".join(lines),
        citations=tuple(citations),
        followups=tuple(q for q in main.reply.followups if q.lower() not in {p.question.lower() for p in parts}),
        top_score=main.reply.top_score,
        subject=main.reply.subject,
        leaned_on=leaned,
        parts=tuple(shaped),
        unanswered=more,
    )


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


def urgent(notice: UrgentNotice) -> Reply:
    """The category's own message (content/triage.yaml) and nothing else: no search, no citations."""
    return Reply(status="urgent", answer=notice.message, urgent=notice)


def declined(scope: ScopeDecision, starters: tuple[str, ...], *, related: tuple[Citation, ...] = ()) -> Reply:
    """A decline that says what is missing; chat themes get their own short, kind reply."""
    if scope.theme.reply:
        return Reply(status="no_answer", answer=scope.theme.reply, followups=starters)
    text = NOT_COVERED_TEXT.format(about=scope.about)
    if related:
        text = f"{text} {RELATED_NOTE}"
    return Reply(status="no_answer", answer=text, followups=starters, related=related)


def related_reading(hits: list[Hit], content: Content, *, threshold: float) -> tuple[Citation, ...]:
    """The passages nearest a declined question, when they are near enough to be of use."""
    return tuple(cite(h, content) for h in citable(hits, threshold=threshold))


def warned(reply: Reply, warning: str) -> Reply:
    """A "what should I do if..." question: the warning signs first, as information."""
    return replace(reply, answer=f"{WARNING_LEAD} {warning} {reply.answer}")


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
