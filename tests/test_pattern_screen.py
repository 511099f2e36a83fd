"""The screen that skips a triage or decline pattern by the words every match must contain:
it may skip a pattern only when the pattern would have found nothing, or an urgent message
could be missed and a decline given for nothing."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ssexplain.content.triage_rules import load_scope, load_triage
from ssexplain.reply.happening_now import masked
from ssexplain.reply.message_pieces import normalise, pieces
from ssexplain.reply.pattern_screen import Screen, ScreenedPattern, needles

BANKS = Path(__file__).resolve().parent / "banks"
CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b(acupunctur\w*|reiki|herbal (medicine|remedies))\b", {"acupunctur", "reiki", "medicine", "remedies"}),
        (r"(hit|banged) (my|his) head\b", {" head"}),  # the longest string every match holds
        (r"\bface\b.{0,30}\bdroop", {"droop"}),
        (r"Stroke", {"stroke"}),  # lowered: the patterns ignore case
        (r"\b(stroke|\w+ing)\b", {"stroke", "ing"}),
        (r"\b(stroke|\w+)\b", None),  # one alternative needs no fixed word
        (r"(a|b)?c?", None),  # may match nothing at all
        (r"ſ", None),  # "ſ" matches "s" when case is ignored: never screened on a lowered text
    ],
)
def test_the_words_a_match_must_contain(pattern, expected):
    found = needles(re.compile(pattern, re.IGNORECASE))
    assert (None if found is None else set(found)) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\b(reiki|acupuncture)\b", "Has anyone tried REIKI for this?", True),
        (r"\b(reiki|acupuncture)\b", "What is haemosiderin?", False),
        # "ſ" is "s" to `re` when case is ignored: a text that is not ASCII is never screened
        (r"\bstrok", "ſtroke", True),
        (r"k", "\u212a", True),  # the Kelvin sign
    ],
)
def test_a_screened_pattern_finds_what_the_pattern_finds(pattern, text, matches):
    compiled = re.compile(pattern, re.IGNORECASE)
    assert bool(ScreenedPattern(compiled).search(Screen(text))) is bool(compiled.search(text)) is matches


def bank_texts() -> list[str]:
    texts: set[str] = set()
    for path in sorted(BANKS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            for text in [row.get("question") or row.get("message") or "", *(row.get("history") or [])]:
                whole = normalise(text)
                texts.update({whole, whole.lower(), masked(whole)})
                texts.update(masked(piece) for piece in pieces(whole))
    return sorted(t for t in texts if t)


def test_no_content_pattern_is_skipped_on_a_bank_message_it_matches():
    triage, scope = load_triage(CONTENT), load_scope(CONTENT)
    patterns = [p for c in triage.categories for p in (*c.patterns, *c.onset_patterns)]
    patterns += [p for t in scope.themes for p in (*t.patterns, *t.unless)]
    screened = [ScreenedPattern(p) for p in patterns]
    assert sum(s.needles is not None for s in screened) > len(screened) // 2  # the screen does screen
    wrongly_skipped = []
    for text in bank_texts():
        screen = Screen(text)
        wrongly_skipped += [
            (s.pattern.pattern[:60], text[:60]) for s in screened
            if not screen.may_match(s.needles) and s.pattern.search(text)
        ]
    assert wrongly_skipped == []
