"""Turn ticked symptoms into a question list a person can take to their doctor.

Plain Python, no Flask: the web page, the PDF and the tests all call the same functions.
The medical words (labels, questions, "why ask this") come only from `content/checklist.yaml`,
and every question keeps the ids of the curated passages that ground it. A question with no
known passage is dropped, so a printed list never shows a question without its source.

The selection travels in the query string and nowhere else: nothing here stores or logs it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from ssexplain.content.loader import Content, Source

MAX_QUERY_BYTES = 8192  # a longer link is refused with a clear 400
MAX_VALUES = 200  # query values read; the rest of an oversized link is ignored
MAX_OWN_CHARS = 600  # the "my own questions" box (the form's maxlength says the same)
MAX_OWN_QUESTIONS = 10
TOP_COUNT = 3
DEFAULT_PRIORITY = 2

ITEM_PARAM = "item"
TOPIC_PARAM = "topic"
OWN_PARAM = "own"
SHARE_PARAM = "share"
SHARE_OWN = "own"

BACKGROUND_TITLE = "Your past and your care"
STARTER_NOTE = (
    "You did not tick anything, so this list starts with some general questions you could ask "
    "at any visit. Go back to tick what is true for you."
)
IGNORED_NOTE = "Some ticks in this link were not recognised, so they were left out."
OWN_CUT_NOTE = "Your own questions were too long to fit, so the end was cut off."

# Page copy: prompts and reminders, not medical statements.
DOCTOR_MAY_ASK = (
    "When did your symptoms start?",
    "How have they changed since then? Did they come on slowly or all at once?",
    "Have you had an operation or an injury to your head, neck or back, even many years ago?",
    "Which medicines do you take, including ones you buy yourself?",
)
BRING_WITH_YOU = (
    "A list of all your medicines and how much you take",
    "Letters, scan results and test results from earlier visits",
    "Someone to listen and take notes for you",
)
TOPICS_PAGE = "/topics"
PASSAGE_ANCHOR = "p-"  # the topics page gives each passage the element id p-<passage id>


@dataclass(frozen=True)
class Headings:
    """Section titles, shared by the web page and the PDF so both read the same."""

    title: str = "Your questions for the doctor"
    made_on: str = "Made on"
    ticked: str = "What you ticked"
    topics: str = "You also asked about"
    top: str = "Ask these first"
    own: str = "Your own questions"
    more: str = "More questions"
    doctor: str = "What your doctor may ask you"
    bring: str = "Bring with you"
    notes: str = "Notes"
    why: str = "Why ask this:"
    read: str = "Read more:"


HEADINGS = Headings()


# ---------------------------------------------------------------- the checklist

@dataclass(frozen=True)
class PassageRef:
    """A link target for one grounding passage: its id and a short source name to show."""

    id: str
    label: str

    @property
    def path(self) -> str:
        return passage_path(self.id)


@dataclass(frozen=True)
class Question:
    text: str
    why: str
    sources: tuple[PassageRef, ...]
    priority: int
    rank: int  # 0 for its item's most important question, 1 for the next ...


@dataclass(frozen=True)
class Item:
    """One tick box: a symptom or a background fact, with its questions."""

    id: str
    label: str
    term: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Topic:
    """A set of general questions (tests, cause, treatment ...) a person may add."""

    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Checklist:
    groups: tuple[Group, ...]
    background: tuple[Item, ...]
    topics: tuple[Topic, ...]

    def items(self) -> tuple[Item, ...]:
        """Every tick box in page order: symptoms first, then background."""
        return tuple(i for g in self.groups for i in g.items) + self.background

    def item_ids(self) -> set[str]:
        return {i.id for i in self.items()}

    def topic_ids(self) -> set[str]:
        return {t.id for t in self.topics}


def passage_path(passage_id: str) -> str:
    """Where a passage is shown to people: its own anchor on the topics page."""
    return f"{TOPICS_PAGE}#{PASSAGE_ANCHOR}{passage_id}"


def source_label(source: Source) -> str:
    """A short name for a source, such as "Kharytaniuk 2022", from its citation."""
    author = source.citation.split()[0].rstrip(",.") if source.citation else source.id
    year = re.search(r"\b(?:19|20)\d\d\b", source.id) or re.search(r"\b(?:19|20)\d\d\b", source.citation)
    return f"{author} {year.group(0)}" if year else author


_KEEP_UPPER = {"I", "ISS", "SS", "CSF", "MRI", "CT", "MR"}


def section_label(section: str) -> str:
    """A heading in sentence case: some papers set theirs in capitals, which is hard to read."""
    if not section.isupper():
        return section
    words = [w if w.strip("?:,()\"") in _KEEP_UPPER else w.lower() for w in section.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _clean(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _priority(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3 else DEFAULT_PRIORITY


def _refs(value: Any, content: Content) -> tuple[PassageRef, ...]:
    ids = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    refs: list[PassageRef] = []
    for pid in dict.fromkeys(ids):
        passage = content.passage(pid)
        if passage is None:
            continue
        label = f"{source_label(content.sources[passage.source])}, {section_label(passage.section).strip(chr(34))}"
        repeats = sum(1 for r in refs if r.label == label or r.label.startswith(f"{label} ("))
        refs.append(PassageRef(pid, f"{label} ({repeats + 1})" if repeats else label))
    return tuple(refs)


def _questions(value: Any, content: Content) -> tuple[Question, ...]:
    """The usable questions in file order; `rank` is each one's place by priority within the list."""
    found: list[tuple[str, str, tuple[PassageRef, ...], int]] = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        text, why = _clean(entry.get("text")), _clean(entry.get("why"))
        sources = _refs(entry.get("passages"), content)
        if text and why and sources:
            found.append((text, why, sources, _priority(entry.get("priority"))))
    by_priority = sorted(range(len(found)), key=lambda n: (found[n][3], n))
    return tuple(Question(*found[n], rank=by_priority.index(n)) for n in range(len(found)))


def _item(entry: Any, content: Content) -> Item | None:
    if not isinstance(entry, dict):
        return None
    item = Item(_clean(entry.get("id")), _clean(entry.get("label")), _clean(entry.get("term")),
                _questions(entry.get("questions"), content))
    return item if item.id and item.label and item.questions else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def parse_checklist(content: Content) -> Checklist:
    """Read `content.checklist` defensively: malformed or unknown entries are skipped."""
    raw = content.checklist if isinstance(content.checklist, dict) else {}
    seen: set[str] = set()

    def fresh(items: Iterable[Item | None]) -> tuple[Item, ...]:
        kept = []
        for item in items:
            if item is not None and item.id not in seen:
                seen.add(item.id)
                kept.append(item)
        return tuple(kept)

    groups = []
    for entry in _list(raw.get("groups")):
        if isinstance(entry, dict):
            items = fresh(_item(i, content) for i in _list(entry.get("items")))
            title = _clean(entry.get("title"))
            if items and title:
                groups.append(Group(_clean(entry.get("id")) or title, title, items))
    background = fresh(_item(i, content) for i in _list(raw.get("background")))
    topics = []
    for entry in _list(raw.get("general")):
        if isinstance(entry, dict):
            questions = _questions(entry.get("questions"), content)
            topic = Topic(_clean(entry.get("id")), _clean(entry.get("title")), questions)
            if topic.id and topic.title and topic.questions and topic.id not in {t.id for t in topics}:
                topics.append(topic)
    return Checklist(tuple(groups), background, tuple(topics))


# ---------------------------------------------------------------- the selection

@dataclass(frozen=True)
class Selection:
    """What a person ticked and typed, as read from a query string."""

    items: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    own: tuple[str, ...] = ()
    share_own: bool = False
    ignored: int = 0  # unknown ids dropped from the link
    own_cut: bool = False

    @property
    def ticked(self) -> bool:
        return bool(self.items or self.topics)

    def query(self, *, include_own: bool) -> str:
        """The query string that rebuilds this selection; own questions only if asked."""
        pairs = [(ITEM_PARAM, i) for i in self.items] + [(TOPIC_PARAM, t) for t in self.topics]
        if include_own and self.own:
            pairs.append((OWN_PARAM, "\n".join(self.own)))
            if self.share_own:
                pairs.append((SHARE_PARAM, SHARE_OWN))
        return urlencode(pairs)

    def share_query(self) -> str:
        """The query for the link a person shares: their own words only if they ticked the box."""
        return self.query(include_own=self.share_own)


_UNWANTED = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_own(text: str) -> tuple[tuple[str, ...], bool]:
    """Split the free-text box into questions: one a line, invisible characters removed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in _UNWANTED)
    cut = len(text) > MAX_OWN_CHARS
    lines = [" ".join(line.split()) for line in text[:MAX_OWN_CHARS].split("\n")]
    questions = [line for line in lines if line]
    cut = cut or len(questions) > MAX_OWN_QUESTIONS
    return tuple(questions[:MAX_OWN_QUESTIONS]), cut


def parse_selection(pairs: Iterable[tuple[str, str]], checklist: Checklist) -> Selection:
    """Read ticks from query pairs: unknown ids are ignored and counted, never an error."""
    wanted: dict[str, set[str]] = {ITEM_PARAM: set(), TOPIC_PARAM: set()}
    own: list[str] = []
    share = False
    ignored = 0
    known = {ITEM_PARAM: checklist.item_ids(), TOPIC_PARAM: checklist.topic_ids()}
    for n, (key, value) in enumerate(pairs):
        if n >= MAX_VALUES:
            break
        value = value if isinstance(value, str) else ""
        if key in wanted:
            if value.strip() in known[key]:
                wanted[key].add(value.strip())
            elif value.strip():
                ignored += 1
        elif key == OWN_PARAM:
            own.append(value)
        elif key == SHARE_PARAM:
            share = share or value == SHARE_OWN
    own_questions, cut = clean_own("\n".join(own))
    return Selection(
        items=tuple(i.id for i in checklist.items() if i.id in wanted[ITEM_PARAM]),
        topics=tuple(t.id for t in checklist.topics if t.id in wanted[TOPIC_PARAM]),
        own=own_questions,
        share_own=share,
        ignored=ignored,
        own_cut=cut,
    )


# ---------------------------------------------------------------- the question list

@dataclass(frozen=True)
class Section:
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuestionList:
    """Everything the page and the PDF show, in the order they show it."""

    made_on: date
    ticked: tuple[Item, ...]
    topics: tuple[Topic, ...]
    top: tuple[Question, ...]
    sections: tuple[Section, ...]
    own: tuple[str, ...]
    notes: tuple[str, ...] = ()
    doctor_may_ask: tuple[str, ...] = DOCTOR_MAY_ASK
    bring_with_you: tuple[str, ...] = BRING_WITH_YOU
    starter: bool = False

    def questions(self) -> tuple[Question, ...]:
        """Every question on the list, top ones first, each once."""
        return self.top + tuple(q for s in self.sections for q in s.questions)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _unique(sections: list[tuple[str, tuple[Question, ...]]]) -> list[tuple[str, tuple[Question, ...]]]:
    """Drop a question already listed under an earlier tick (several ticks share some)."""
    seen: set[str] = set()
    out = []
    for title, questions in sections:
        kept = []
        for q in questions:
            if _key(q.text) not in seen:
                seen.add(_key(q.text))
                kept.append(q)
        out.append((title, tuple(kept)))
    return out


def _candidate_sections(checklist: Checklist, selection: Selection) -> list[tuple[str, tuple[Question, ...]]]:
    chosen = set(selection.items)
    sections = [(g.title, tuple(q for i in g.items if i.id in chosen for q in i.questions)) for g in checklist.groups]
    sections.append((BACKGROUND_TITLE, tuple(q for i in checklist.background if i.id in chosen for q in i.questions)))
    sections += [(t.title, t.questions) for t in checklist.topics if t.id in selection.topics]
    return sections


def _starter_sections(checklist: Checklist) -> list[tuple[str, tuple[Question, ...]]]:
    return [(t.title, tuple(q for q in t.questions if q.priority == 1)) for t in checklist.topics]


def build_question_list(checklist: Checklist, selection: Selection, *, made_on: date) -> QuestionList:
    """Choose and order the questions: the three most important first, then the rest grouped.

    "Most important" is the lowest priority number; ties go to each tick's first question
    before its second, so the top three spread across what was ticked, then to page order.
    """
    starter = not selection.ticked
    sections = _unique(_starter_sections(checklist) if starter else _candidate_sections(checklist, selection))
    ordered = list(enumerate(q for _, qs in sections for q in qs))
    top = tuple(q for _, q in sorted(ordered, key=lambda nq: (nq[1].priority, nq[1].rank, nq[0]))[:TOP_COUNT])
    rest = tuple(Section(title, tuple(q for q in qs if q not in top)) for title, qs in sections)
    notes = []
    if starter:
        notes.append(STARTER_NOTE)
    if selection.ignored:
        notes.append(IGNORED_NOTE)
    if selection.own_cut:
        notes.append(OWN_CUT_NOTE)
    chosen = set(selection.items)
    return QuestionList(
        made_on=made_on,
        ticked=tuple(i for i in checklist.items() if i.id in chosen),
        topics=tuple(t for t in checklist.topics if t.id in selection.topics),
        top=top,
        sections=tuple(s for s in rest if s.questions),
        own=selection.own,
        notes=tuple(notes),
        starter=starter,
    )


def long_date(day: date) -> str:
    """A date nobody misreads, whatever their country: "21 November 2025"."""
    return f"{day.day} {day:%B %Y}"
