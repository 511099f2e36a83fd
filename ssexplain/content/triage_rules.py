"""Load and validate `content/triage.yaml` (urgent categories) and `content/scope.yaml`
(decline themes and personal decisions).

Clinicians edit both files by hand, so every problem is one `ContentError` that names the
file and the entry. Patterns are compiled here, once, so a broken regular expression is
found by `check-content`, not by the first person who types a matching message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssexplain.content.loader import ID_PATTERN, _read_yaml, _text, _text_list
from ssexplain.errors import ContentError

TRIAGE_FILE = "triage.yaml"
SCOPE_FILE = "scope.yaml"

# The shared vocabulary (team brief): these ids and tiers are used by the API and the banks.
TIERS = ("emergency", "urgent-today")
CATEGORY_TIERS: dict[str, str] = {
    **{c: "emergency" for c in (
        "stroke", "sudden-severe-headache", "seizure", "unconscious", "breathing", "chest-pain",
        "heavy-bleeding", "anaphylaxis", "overdose", "head-injury", "sudden-confusion", "meningitis",
        "spinal-cord-compression", "sudden-vision-loss", "suicide",
    )},
    **{c: "urgent-today" for c in (
        "deferiprone-infection", "sudden-hearing-loss", "csf-leak-headache", "self-harm-thoughts",
    )},
}
ACTIONS = ("decline", "chat", "ask_doctor")
MIN_CATEGORY_EXAMPLES = 20
MIN_THEME_EXAMPLES = 5
CATEGORY_FIELDS = {"id", "tier", "name", "message", "patterns", "onset_patterns", "also", "needs_onset", "examples"}
THEME_FIELDS = {"id", "action", "about", "reply", "patterns", "unless", "examples"}


@dataclass(frozen=True)
class Similarity:
    threshold: float
    margin: float


@dataclass(frozen=True)
class Category:
    id: str
    tier: str
    name: str
    message: str
    patterns: tuple[re.Pattern[str], ...]
    also: re.Pattern[str] | None  # must match somewhere in the whole message as well
    examples: tuple[str, ...]
    # Superficial siderosis itself causes a slow form of the sign (hearing loss, slurred
    # speech): a similarity hit needs a word of sudden or new onset in the piece too.
    needs_onset: bool = False
    # Patterns for a sign superficial siderosis also causes slowly (slurred speech): a hit
    # only in a piece with a word of sudden or new onset.
    onset_patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class TriageRules:
    similarity: Similarity
    categories: tuple[Category, ...]
    not_urgent: tuple[str, ...]

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)


@dataclass(frozen=True)
class Theme:
    id: str
    action: str
    about: str
    reply: str  # the chat themes' own short reply ("" for the others)
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ScopeRules:
    similarity: Similarity
    themes: tuple[Theme, ...]
    in_scope: tuple[str, ...]

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ContentError(f"{where}: pattern {pattern!r} is not a valid regular expression ({exc})") from None


def _patterns(entry: dict, key: str, where: str, *, required: bool) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(p, f"{where} {key}") for p in _text_list(entry, key, where, required=required))


def _similarity(data: dict, where: str) -> Similarity:
    raw = data.get("similarity")
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected 'similarity:' with 'threshold' and 'margin'")
    values = {}
    for key in ("threshold", "margin"):
        value = raw.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not -1.0 <= value <= 1.0:
            raise ContentError(f"{where}: similarity '{key}' must be a number between -1 and 1")
        values[key] = float(value)
    return Similarity(**values)


def _entry(raw: Any, where: str, fields: set[str]) -> tuple[dict, str]:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a mapping with {', '.join(sorted(fields))}")
    where = f"{where} ({raw.get('id')})" if isinstance(raw.get("id"), str) else where
    unknown = set(raw) - fields
    if unknown:
        raise ContentError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return raw, where


def _category(raw: Any, where: str) -> Category:
    entry, where = _entry(raw, where, CATEGORY_FIELDS)
    category_id = _text(entry, "id", where)
    if category_id not in CATEGORY_TIERS:
        raise ContentError(f"{where}: unknown category id; use one of {', '.join(CATEGORY_TIERS)}")
    tier = _text(entry, "tier", where)
    if tier != CATEGORY_TIERS[category_id]:
        raise ContentError(f"{where}: tier must be '{CATEGORY_TIERS[category_id]}' for {category_id}")
    examples = _text_list(entry, "examples", where)
    if len(examples) < MIN_CATEGORY_EXAMPLES:
        raise ContentError(f"{where}: {len(examples)} examples; give at least {MIN_CATEGORY_EXAMPLES}")
    also = entry.get("also")
    needs_onset = entry.get("needs_onset", False)
    if not isinstance(needs_onset, bool):
        raise ContentError(f"{where}: needs_onset must be true or false")
    return Category(
        id=category_id,
        tier=tier,
        name=_text(entry, "name", where),
        message=_text(entry, "message", where),
        patterns=_patterns(entry, "patterns", where, required=True),
        also=_compile(_text(entry, "also", where), f"{where} also") if also is not None else None,
        examples=examples,
        needs_onset=needs_onset,
        onset_patterns=_patterns(entry, "onset_patterns", where, required=False),
    )


def load_triage(folder: Path) -> TriageRules:
    path = folder / TRIAGE_FILE
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise ContentError(f"{path}: expected a top-level 'categories:' list")
    categories = tuple(_category(c, f"{path.name}: category #{n}") for n, c in enumerate(data["categories"], 1))
    ids = [c.id for c in categories]
    missing = [c for c in CATEGORY_TIERS if c not in ids]
    if missing:
        raise ContentError(f"{path.name}: missing categories {', '.join(missing)}")
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path.name}: a category id is used twice")
    return TriageRules(
        similarity=_similarity(data, path.name),
        categories=categories,
        not_urgent=_text_list(data, "not_urgent", path.name),
    )


def _theme(raw: Any, where: str) -> Theme:
    entry, where = _entry(raw, where, THEME_FIELDS)
    theme = Theme(
        id=_text(entry, "id", where),
        action=_text(entry, "action", where),
        about=_text(entry, "about", where),
        reply=_text(entry, "reply", where) if "reply" in entry else "",
        patterns=_patterns(entry, "patterns", where, required=False),
        unless=_patterns(entry, "unless", where, required=False),
        examples=_text_list(entry, "examples", where),
    )
    if not ID_PATTERN.match(theme.id):
        raise ContentError(f"{where}: id must be lower-case words joined by hyphens")
    if theme.action not in ACTIONS:
        raise ContentError(f"{where}: action must be one of {', '.join(ACTIONS)}")
    if len(theme.examples) < MIN_THEME_EXAMPLES:
        raise ContentError(f"{where}: {len(theme.examples)} examples; give at least {MIN_THEME_EXAMPLES}")
    return theme


def load_scope(folder: Path) -> ScopeRules:
    path = folder / SCOPE_FILE
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise ContentError(f"{path}: expected a top-level 'themes:' list")
    themes = tuple(_theme(t, f"{path.name}: theme #{n}") for n, t in enumerate(data["themes"], 1))
    if len({t.id for t in themes}) != len(themes):
        raise ContentError(f"{path.name}: a theme id is used twice")
    return ScopeRules(
        similarity=_similarity(data, path.name),
        themes=themes,
        in_scope=_text_list(data, "in_scope", path.name),
    )


def patient_texts(triage: TriageRules, scope: ScopeRules) -> list[tuple[str, str]]:
    """Every (where, text) a patient reads from these files, for the reading-level check."""
    texts = [(f"{TRIAGE_FILE}: {c.id}", c.message) for c in triage.categories]
    return texts + [(f"{SCOPE_FILE}: {t.id}", t.reply) for t in scope.themes if t.reply]
