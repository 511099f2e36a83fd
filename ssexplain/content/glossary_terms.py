"""Find glossary terms in an answer and mark them up so a tap, click or key shows their meaning.

The markup is a native `<details>`/`<summary>` pair: it opens without JavaScript, is
reachable by Tab, toggles with Enter or Space and stays put until closed again. Only the
first mention of each term is marked, so a sentence does not turn into a row of buttons.

The chat page's JavaScript marks answers the same way from `TermMarker.to_json()`; keep
`static/answer-card.js` (markTerms) in step with `TermMarker.find`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import bleach
from markupsafe import Markup, escape

from ssexplain.content.loader import GlossaryTerm

# A synonym this close to the term is a spelling of it (hemosiderin, tumor, nerve root).
SPELLING_SIMILARITY = 0.85
MAX_ABBREVIATION = 6

ALLOWED_TAGS = frozenset({"details", "summary", "span", "strong", "a"})
ALLOWED_ATTRIBUTES = {"details": ["class"], "summary": ["class"], "span": ["class"], "a": ["href", "class"]}


@dataclass(frozen=True)
class Form:
    """One way a term is written in the text."""

    text: str
    term: GlossaryTerm
    case_sensitive: bool


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    term: GlossaryTerm


def slug(term: str) -> str:
    """The glossary page anchor for a term: `term-` and its words joined by hyphens."""
    return "term-" + "-".join(re.findall(r"[a-z0-9]+", term.lower()))


def is_abbreviation(text: str) -> bool:
    return " " not in text and len(text) <= MAX_ABBREVIATION and sum(c.isupper() for c in text) >= 2


def written_forms(term: GlossaryTerm) -> list[Form]:
    """The term, its other spellings and its abbreviations; never loose synonyms.

    Synonyms such as "how common" or "inherited" are search aids, not the term: marking
    them would explain a word the answer did not mean as the term.
    """
    texts = [term.term] + [
        s for s in term.synonyms
        if is_abbreviation(s) or SequenceMatcher(None, s.lower(), term.term.lower()).ratio() >= SPELLING_SIMILARITY
    ]
    # An inner capital (CSF, iSS) marks an abbreviation that must match exactly.
    return [Form(text=t, term=term, case_sensitive=any(c.isupper() for c in t[1:])) for t in texts]


def form_pattern(form: Form) -> re.Pattern[str]:
    """Whole words only, so "iron" is not found inside "environment"."""
    return re.compile(
        r"(?<![\w-])" + re.escape(form.text) + r"(?![\w-])",
        0 if form.case_sensitive else re.IGNORECASE,
    )


class TermMarker:
    """Marks glossary terms in plain text; built once per loaded content."""

    def __init__(self, glossary: tuple[GlossaryTerm, ...], *, glossary_url: str = "/glossary") -> None:
        forms = [form for term in glossary for form in written_forms(term)]
        # Longest first, so "cortical superficial siderosis" wins over "superficial siderosis".
        forms.sort(key=lambda f: len(f.text), reverse=True)
        self._forms = [(form, form_pattern(form)) for form in forms]
        self.glossary_url = glossary_url

    def find(self, text: str) -> list[Mark]:
        """The first mention of each term, not overlapping a longer one, in text order."""
        marks: list[Mark] = []
        marked: set[str] = set()
        for form, pattern in self._forms:
            if form.term.term in marked:
                continue
            for match in pattern.finditer(text):
                if not any(match.start() < m.end and m.start < match.end() for m in marks):
                    marks.append(Mark(match.start(), match.end(), form.term))
                    marked.add(form.term.term)
                    break
        return sorted(marks, key=lambda m: m.start)

    def mark(self, text: str) -> Markup:
        """Escaped text with each found term wrapped in a `<details class="term">`."""
        pieces: list[str] = []
        position = 0
        for mark in self.find(text):
            pieces.append(str(escape(text[position:mark.start])))
            pieces.append(self._term_html(text[mark.start:mark.end], mark.term))
            position = mark.end
        pieces.append(str(escape(text[position:])))
        # Every piece is escaped already; bleach is the second lock on the door.
        return Markup(bleach.clean("".join(pieces), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, strip=True))

    def _term_html(self, shown: str, term: GlossaryTerm) -> str:
        return (
            f'<details class="term"><summary class="term-word">{escape(shown)}</summary>'
            f'<span class="term-def"><strong>{escape(term.term)}:</strong> {escape(term.definition)} '
            f'<a href="{escape(self.glossary_url)}#{slug(term.term)}">More in the glossary</a></span></details>'
        )

    def to_json(self) -> list[dict]:
        """The same forms for the page's JavaScript, longest first, as `find` uses them."""
        return [
            {"text": form.text, "term": form.term.term, "definition": form.term.definition,
             "caseSensitive": form.case_sensitive, "anchor": slug(form.term.term)}
            for form, _ in self._forms
        ]
