"""The curated content: verbatim quotes, sections, reading level, cross-references, and
one clear error for each kind of malformed entry."""
from __future__ import annotations

from pathlib import Path
from statistics import mean

import pytest

from ssexplain.content.loader import TOPICS, Content, fold, load_content, quote_problems, verify_quotes
from ssexplain.errors import ContentError
from ssexplain.content.readability import grade

FIXTURE = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture(scope="module")
def content(config) -> Content:
    return load_content(config.content_dir)


def test_every_quote_is_verbatim_in_its_named_source(content, seeds_dir):
    assert verify_quotes(content, seeds_dir) == []


def test_covers_all_three_documents_with_enough_passages(content):
    assert 245 <= len(content.passages) <= 265  # 252 today: a lost file or a doubled one shows
    assert {p.source for p in content.passages} == set(content.sources)


def test_ids_unique_and_every_passage_has_source_section_and_topics(content):
    ids = [p.id for p in content.passages]
    assert len(ids) == len(set(ids))
    for p in content.passages:
        assert p.source in content.sources and p.section and p.topics
        assert set(p.topics) <= set(TOPICS)
        assert 3 <= len(p.questions) <= 10  # content/README.md: 3–10 ways a person might ask


def test_plain_text_reads_at_grade_six_on_average_and_never_above_nine(content):
    """Near today's figures (mean 5.1, hardest 8.8), so a passage written harder shows."""
    grades = {p.id: grade(p.plain) for p in content.passages}
    too_hard = {pid: g for pid, g in grades.items() if g > 9}
    assert too_hard == {}
    assert mean(grades.values()) <= 6


def test_glossary_has_fifty_terms_each_with_a_plain_definition(content):
    assert len(content.glossary) >= 50
    for term in content.glossary:
        assert grade(term.definition) <= 12, term.term


def test_checklist_links_only_to_existing_passages(content):
    from ssexplain.content.loader import checklist_passage_ids

    ids = {p.id for p in content.passages}
    refs = checklist_passage_ids(content.checklist)
    assert refs, "checklist.yaml should link its questions to passages"
    assert [pid for _, pid in refs if pid not in ids] == []


@pytest.mark.parametrize(
    ("source_text", "quote", "ok"),
    [
        ("the depo-\nsition of iron", "the deposition of iron", True),
        ("iron- containing compounds", "iron-containing compounds", True),
        ("derived from the ‘sideros’", "derived from the 'sideros'", True),
        ("(SS)—\nderived from", "(SS)—derived from", True),
        ("slow persistent bleeding", "slow persistent … bleeding", True),
        ("slow persistent bleeding", "slow intermittent bleeding", False),
        ("hearing loss is usual", "hearing loss is common", False),
        ("in active disease", "inactive disease", False),
    ],
)
def test_fold_mends_extraction_damage_but_never_a_word(source_text, quote, ok):
    from ssexplain.content.loader import Passage

    passage = Passage(id="x", source="s", section="", quote=quote, plain="", questions=("q",), topics=("what-is",), file="f")
    problems = [p for p in quote_problems(passage, source_text) if "not verbatim" in p]
    assert (problems == []) is ok


def test_fold_folds_whitespace_and_hyphens():
    assert fold("a  b\n c") == "a b c"
    assert fold("low- volume") == fold("low-volume") == "lowvolume"


def _write_fixture(tmp_path: Path, passages_yaml: str) -> Path:
    folder = tmp_path / "content"
    (folder / "passages").mkdir(parents=True)
    (folder / "sources.yaml").write_text((FIXTURE / "sources.yaml").read_text())
    (folder / "passages" / "broken.yaml").write_text(passages_yaml)
    return folder


GOOD = """
  - id: ok-entry
    source: kharytaniuk-2022
    section: ABSTRACT
    quote: A quote.
    plain: A plain line.
    questions: [a question]
    topics: [what-is]
"""


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("passages: [\n", "broken.yaml (line"),
        ("stuff: []\n", "expected a top-level 'passages:' list"),
        ("passages:\n  - just text\n", "passage #1: expected a mapping"),
        ("passages:" + GOOD.replace("    quote: A quote.\n", ""), "(ok-entry): 'quote' must be non-empty text"),
        ("passages:" + GOOD.replace("kharytaniuk-2022", "nobody-2020"), "source 'nobody-2020' is not in sources.yaml"),
        ("passages:" + GOOD.replace("[what-is]", "[gossip]"), "unknown topic(s) gossip"),
        ("passages:" + GOOD.replace("ok-entry", "Bad Id"), "id must be lower-case words"),
        ("passages:" + GOOD + GOOD, "passage #2 (ok-entry): id already used in broken.yaml"),
        ("passages:" + GOOD.replace("[a question]", "[]"), "'questions' must be a list with at least one item"),
        ("passages:" + GOOD.replace("    topics", "    colour: red\n    topics"), "unknown field(s) colour"),
    ],
)
def test_malformed_entry_gives_one_clear_error_naming_file_and_entry(tmp_path, yaml_text, message):
    folder = _write_fixture(tmp_path, yaml_text)
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    assert message in str(caught.value)
    assert "broken.yaml" in str(caught.value)


def test_missing_sources_file_is_named(tmp_path):
    with pytest.raises(ContentError, match="sources.yaml: file is missing"):
        load_content(tmp_path)


def test_checklist_with_unknown_passage_is_refused(tmp_path):
    folder = _write_fixture(tmp_path, "passages:" + GOOD)
    (folder / "checklist.yaml").write_text(
        "groups:\n  - id: g\n    items:\n      - id: i\n        questions:\n          - text: q\n            passages: [nope]\n"
    )
    with pytest.raises(ContentError, match="unknown passage id 'nope'"):
        load_content(folder)


def test_the_fast_yaml_loader_reads_every_content_file_as_safe_loader_does(config):
    """Start-up reads content/ with libyaml's parser; it must build the very same data."""
    import yaml

    from ssexplain.content.loader import YAML_LOADER

    assert YAML_LOADER is yaml.CSafeLoader, "PyYAML without libyaml: start-up reads content ten times slower"
    files = sorted(config.content_dir.rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=YAML_LOADER) == yaml.safe_load(text), path.name


def test_a_folder_is_read_once_until_one_of_its_files_changes(tmp_path):
    """The master reads the content before forking; workers reuse it (cold start)."""
    folder = _write_fixture(tmp_path, "passages:" + GOOD)
    (folder / "checklist.yaml").write_text("groups: []\nbackground: []\ngeneral: []\n")
    first = load_content(folder)
    assert load_content(folder) is first
    (folder / "passages" / "broken.yaml").write_text("passages:" + GOOD.replace("A plain line.", "Another plain line."))
    changed = load_content(folder)
    assert changed is not first
    assert changed.passages[0].plain == "Another plain line."
