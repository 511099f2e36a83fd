"""Skip a regular expression that cannot match, by the words every match of it must contain.

Triage and the scope check try some 350 word patterns on every message, and nearly all of
them fail; Python's `re` still walks each one along the whole text (about 1 ms a piece for
the triage patterns, 2 ms a message for the decline themes). Most patterns are built around
alternatives of plain words ("acupunctur|homeopath|reiki..."): some literal text that
every match must contain. Testing those strings against the lowered text is far cheaper,
and a pattern whose strings are all absent is not run. The answer is the same either way:
the screen only skips patterns that would have found nothing.
"""
from __future__ import annotations

import re
from re import _constants as sre
from re import _parser as sre_parse

REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
Needles = frozenset[str]


def _best(candidates: list[Needles]) -> Needles | None:
    """The most telling set (the one whose shortest string is longest), of those all ASCII."""
    usable = [c for c in candidates if all(s.isascii() for s in c)]
    return max(usable, key=lambda c: min(len(s) for s in c), default=None)


def _required(sequence) -> Needles | None:
    """Strings one of which any match of this parsed sequence contains (lowered), or None."""
    candidates: list[Needles] = []
    run: list[str] = []
    for op, av in sequence:
        if op is sre.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        found = None
        if op is sre.SUBPATTERN:
            found = _required(av[3])
        elif op is sre.ATOMIC_GROUP:
            found = _required(av)
        elif op is sre.BRANCH:
            alternatives = [_required(branch) for branch in av[1]]
            if all(a is not None for a in alternatives):
                found = frozenset().union(*alternatives)
        elif op in REPEATS and av[0] >= 1:
            found = _required(av[2])
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset(["".join(run)]))
    return _best(candidates)


def needles(pattern: re.Pattern[str]) -> Needles | None:
    """Lower-case ASCII strings one of which every match of `pattern` contains, or None.

    Only ASCII strings are kept: under IGNORECASE, `re` matches a few letters across scripts
    ("ſ" with "s", the Kelvin sign with "k"), which a lowered substring test would miss."""
    try:
        found = _required(sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, RecursionError):
        return None
    return found or None


class Screen:
    """A text lowered once, to be tried against many screened patterns."""

    __slots__ = ("text", "lowered")

    def __init__(self, text: str) -> None:
        self.text = text
        # A text with other letters than ASCII is never screened (see `needles`).
        self.lowered = text.lower() if text.isascii() else None

    def may_match(self, strings: Needles | None) -> bool:
        lowered = self.lowered
        if strings is None or lowered is None:
            return True
        for string in strings:  # a plain loop: any() over a generator costs twice as much here
            if string in lowered:
                return True
        return False


class ScreenedPattern:
    """A compiled pattern with its needles, worked out once at load."""

    __slots__ = ("pattern", "needles")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.needles = needles(pattern)

    def search(self, screen: Screen) -> re.Match[str] | None:
        return self.pattern.search(screen.text) if screen.may_match(self.needles) else None

    def finditer(self, screen: Screen):
        if not screen.may_match(self.needles):
            return iter(())
        return self.pattern.finditer(screen.text)
