"""Load and validate the curated content in `content/`.

Clinicians edit these YAML files by hand, so every problem is reported as one
`ContentError` naming the file and the entry, never as a traceback.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ssexplain.errors import ContentError

TOPICS: dict[str, str] = {
    "what-is": "What superficial siderosis is",
    "types": "Types of siderosis",
    "causes": "Causes and risk factors",
    "how-common": "How common it is",
    "symptoms": "Symptoms",
    "hearing": "Hearing",
    "balance-and-walking": "Balance and walking",
    "thinking-and-mood": "Thinking, memory and mood",
    "bladder-and-bowel": "Bladder and bowel",
    "diagnosis": "Tests and scans",
    "treatment": "Treatment",
    "medicines": "Medicines (deferiprone and others)",
    "living-with": "Living with it: therapy and support",
    "outlook": "Check-ups and outlook",
    "care-team": "Your care team",
    "research": "Research and open questions",
}

PASSAGE_FIELDS = ("id", "source", "section", "quote", "plain", "questions", "topics")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUOTE_WORDS = 80


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    citation: str
    url: str = ""


@dataclass(frozen=True)
class Passage:
    id: str
    source: str
    section: str
    quote: str
    plain: str
    questions: tuple[str, ...]
    topics: tuple[str, ...]
    file: str


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    definition: str
    synonyms: tuple[str, ...]
    lay: tuple[str, ...]
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    sources: dict[str, Source]
    passages: tuple[Passage, ...]
    glossary: tuple[GlossaryTerm, ...]
    checklist: dict[str, Any]

    def passage(self, passage_id: str) -> Passage | None:
        return self._by_id.get(passage_id)

    @cached_property
    def _by_id(self) -> dict[str, Passage]:
        """Built once: the API looks passages up by id on every request."""
        return {p.id: p for p in self.passages}


# ---------------------------------------------------------------- reading

# libyaml's parser where PyYAML was built with it: the same documents as SafeLoader, about ten
# times faster, and every worker reads all of content/ at start-up (docs/BENCHMARKS.md).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ContentError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: '{key}' must be non-empty text")
    return " ".join(value.split())


def _text_list(entry: dict, key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
    value = entry.get(key, None if required else [])
    if not isinstance(value, list) or (required and not value):
        raise ContentError(f"{where}: '{key}' must be a list" + (" with at least one item" if required else ""))
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: every item of '{key}' must be non-empty text")
    return tuple(" ".join(v.split()) for v in value)


def load_sources(path: Path) -> dict[str, Source]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ContentError(f"{path}: expected a top-level 'sources:' list")
    sources: dict[str, Source] = {}
    for n, entry in enumerate(data["sources"], start=1):
        where = f"{path}: source #{n}"
        if not isinstance(entry, dict):
            raise ContentError(f"{where}: expected a mapping")
        source = Source(
            id=_text(entry, "id", where),
            file=_text(entry, "file", where),
            title=_text(entry, "title", where),
            citation=_text(entry, "citation", where),
            url=str(entry.get("url") or ""),
        )
        sources[source.id] = source
    return sources


def _passage(entry: Any, where: str, file: str, sources: dict[str, Source]) -> Passage:
    if not isinstance(entry, dict):
        raise ContentError(f"{where}: expected a mapping with {', '.join(PASSAGE_FIELDS)}")
    pid = entry.get("id")
    where = f"{where} ({pid})" if isinstance(pid, str) else where
    unknown = set(entry) - set(PASSAGE_FIELDS)
    if unknown:
        raise ContentError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    passage = Passage(
        id=_text(entry, "id", where),
        source=_text(entry, "source", where),
        section=_text(entry, "section", where),
        quote=_text(entry, "quote", where),
        plain=_text(entry, "plain", where),
        questions=_text_list(entry, "questions", where),
        topics=_text_list(entry, "topics", where),
        file=file,
    )
    if not ID_PATTERN.match(passage.id):
        raise ContentError(f"{where}: id must be lower-case words joined by hyphens")
    if passage.source not in sources:
        raise ContentError(f"{where}: source '{passage.source}' is not in sources.yaml ({', '.join(sources)})")
    bad_topics = [t for t in passage.topics if t not in TOPICS]
    if bad_topics:
        raise ContentError(f"{where}: unknown topic(s) {', '.join(bad_topics)}; use {', '.join(TOPICS)}")
    if len(passage.quote.split()) > MAX_QUOTE_WORDS:
        raise ContentError(f"{where}: quote has {len(passage.quote.split())} words; keep it to {MAX_QUOTE_WORDS}")
    return passage


def load_passages(folder: Path, sources: dict[str, Source]) -> tuple[Passage, ...]:
    passages: list[Passage] = []
    seen: dict[str, str] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(f"{folder}: no passage files (*.yaml)")
    for path in files:
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("passages"), list):
            raise ContentError(f"{path}: expected a top-level 'passages:' list")
        for n, entry in enumerate(data["passages"], start=1):
            passage = _passage(entry, f"{path.name}: passage #{n}", path.name, sources)
            if passage.id in seen:
                raise ContentError(f"{path.name}: passage #{n} ({passage.id}): id already used in {seen[passage.id]}")
            seen[passage.id] = path.name
            passages.append(passage)
    return tuple(passages)


def load_glossary(path: Path, passage_ids: set[str]) -> tuple[GlossaryTerm, ...]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise ContentError(f"{path}: expected a top-level 'terms:' list")
    terms = []
    for n, entry in enumerate(data["terms"], start=1):
        where = f"{path.name}: term #{n}"
        if not isinstance(entry, dict):
            raise ContentError(f"{where}: expected a mapping")
        where = f"{where} ({entry.get('term')})"
        term = GlossaryTerm(
            term=_text(entry, "term", where),
            definition=_text(entry, "definition", where),
            synonyms=_text_list(entry, "synonyms", where, required=False),
            lay=_text_list(entry, "lay", where, required=False),
            passages=_text_list(entry, "passages", where, required=False),
        )
        missing = [p for p in term.passages if p not in passage_ids]
        if missing:
            raise ContentError(f"{where}: unknown passage id(s) {', '.join(missing)}")
        terms.append(term)
    return tuple(terms)


def checklist_passage_ids(checklist: Any) -> list[tuple[str, str]]:
    """Every (where, passage id) the checklist refers to, for validation."""
    refs: list[tuple[str, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "passages" and isinstance(value, list):
                    refs.extend((where, str(v)) for v in value)
                else:
                    walk(value, f"{where}/{node.get('id', key)}" if key != "id" else where)
        elif isinstance(node, list):
            for n, item in enumerate(node, start=1):
                walk(item, f"{where}#{n}")

    walk(checklist, "")
    return refs


def load_checklist(path: Path, passage_ids: set[str]) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected a mapping with 'groups', 'background' and 'general'")
    for where, pid in checklist_passage_ids(data):
        if pid not in passage_ids:
            raise ContentError(f"{path.name}: {where}: unknown passage id '{pid}'")
    return data


# Content already read in this process, by folder and content hash. The server's master
# reads and checks the content before it forks its workers (web.preflight); each worker
# then finds it here instead of parsing every YAML file twice more (docs/BENCHMARKS.md,
# cold start). Content is frozen dataclasses, so sharing one copy is safe.
_READ: dict[tuple[str, str], "Content"] = {}


def load_content(folder: Path) -> Content:
    """Read sources, passages, glossary and checklist, validating cross-references.

    The same folder with the same files is read once per process (a changed file is read
    again: the key is the hash of every content file)."""
    key = (str(Path(folder).resolve()), content_hash(folder))
    if key not in _READ:
        _READ.clear()  # only the latest content of a folder is worth keeping
        _READ[key] = _read_content(folder)
    return _READ[key]


def _read_content(folder: Path) -> Content:
    sources = load_sources(folder / "sources.yaml")
    passages = load_passages(folder / "passages", sources)
    ids = {p.id for p in passages}
    glossary_path = folder / "glossary.yaml"
    glossary = load_glossary(glossary_path, ids) if glossary_path.exists() else ()
    checklist = load_checklist(folder / "checklist.yaml", ids)
    return Content(sources=sources, passages=passages, glossary=glossary, checklist=checklist)


def content_hash(folder: Path) -> str:
    """A hash of every content file, so a changed passage makes the index stale."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.yaml")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- verbatim check

_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"})


def fold(text: str) -> str:
    """Fold what PDF extraction damaged, so a mended quote still matches its source.

    Whitespace runs become one space, curly quotes and dashes become plain ones, and a
    hyphen between word characters is dropped whether or not a line break followed it
    ("depo- sition" and "iron-containing" both compare as one word). Nothing else changes,
    so a changed word still fails.
    """
    text = " ".join(text.translate(_QUOTE_MARKS).split())
    text = re.sub(r"- (?=\w)", "-", text)
    return re.sub(r"(\w)-(?=\w)", r"\1", text)


def quote_problems(passage: Passage, source_text: str) -> list[str]:
    """Why a quote is not verbatim in its source (empty when it is)."""
    folded_source = fold(source_text)
    problems = []
    position = 0
    for piece in re.split(r"\s*(?:…|\.\.\.)\s*", passage.quote):
        piece = fold(piece).strip(" ")
        if not piece:
            continue
        found = folded_source.find(piece, position)
        if found < 0:
            problems.append(f"{passage.file}: {passage.id}: not verbatim in {passage.source}: “{piece[:80]}”")
        else:
            position = found + len(piece)
    if fold(passage.section).lower() not in folded_source.lower():
        problems.append(f"{passage.file}: {passage.id}: section “{passage.section}” is not a heading of {passage.source}")
    return problems


def verify_quotes(content: Content, seeds_dir: Path) -> list[str]:
    """Check every quote and section against the seed documents."""
    texts = {}
    for source in content.sources.values():
        path = seeds_dir / source.file
        if not path.exists():
            raise ContentError(f"{path}: source document for '{source.id}' is missing (set SSEXPLAIN_SEEDS)")
        texts[source.id] = path.read_text(encoding="utf-8")
    problems: list[str] = []
    for passage in content.passages:
        problems.extend(quote_problems(passage, texts[passage.source]))
    return problems
