"""The command line: ask, eval, build-index and one-line errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ssexplain import cli
from ssexplain.engine import Engine

FIXTURE = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture()
def use_engine(monkeypatch, engine):
    """Hand the CLI the session's engine instead of loading the model again."""
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, settings, encoder=None: engine))


def test_ask_prints_answer_quote_and_disclaimer(use_engine, capsys):
    assert cli.main(["ask", "why am I going deaf?"]) == 0
    out = capsys.readouterr().out
    assert "“" in out and "not medical advice" in out


def test_ask_json_matches_the_api_shape(use_engine, capsys):
    assert cli.main(["ask", "and what causes it?", "--history", "what is superficial siderosis?", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["status"] == "answered" and reply["citations"]


def test_eval_prints_the_figures_and_misses(use_engine, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "kind": "in_scope", "question": "why am I going deaf?", "expect": [["hearing"]]},
        {"id": "b", "kind": "out_of_scope", "question": "tell me a joke", "expect": []},
        {"id": "c", "kind": "urgent", "question": "I fainted and can't get up now", "expect": []},
        {"id": "d", "kind": "in_scope", "question": "why am I going deaf?", "expect": [["zebra crossing"]]},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    assert cli.main(["eval", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "hit@1 0.500" in out and "hit@3 0.500" in out
    assert "out-of-scope declined 1.000" in out and "urgent caught 1/1" in out
    assert "MISS d" in out and "MISS a" not in out


def test_calibrate_reads_only_the_tuning_folds(use_engine, tmp_path, capsys):
    """A held-out emergency the similarity step would miss must not move the choice: only
    folds 0-2 are read (here fold 3 holds a message no pair can catch)."""
    rows = {
        "triage_urgent.jsonl": [
            {"id": "u1", "category": "stroke", "fold": 0, "message": "his face has dropped on one side and he can't lift his arm"},
            {"id": "u2", "category": "stroke", "fold": 3, "message": "the weather is lovely today"},
        ],
        "triage_near_miss.jsonl": [
            {"id": "n1", "category": "stroke", "fold": 1, "message": "can siderosis cause a stroke?"},
        ],
    }
    from ssexplain.evaluation.triage import BANKS

    for name in (n for names in BANKS.values() for n in names):
        (tmp_path / name).write_text("\n".join(json.dumps(r) for r in rows.get(name, [])))
    assert cli.main(["calibrate", "--banks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 urgent, 1 near misses and in-scope questions" in out
    assert "similarity misses 0 of the" in out and "threshold" in out


def test_build_index_then_stale_content_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    monkeypatch.setenv("SSEXPLAIN_CONTENT", str(content))
    monkeypatch.setenv("SSEXPLAIN_INDEX", str(tmp_path / "index"))
    assert cli.main(["build-index"]) == 0
    assert "3 passages" in capsys.readouterr().out

    (content / "passages" / "sample.yaml").write_text((content / "passages" / "sample.yaml").read_text() + "\n# edit\n")
    assert cli.main(["ask", "why am I going deaf?"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stale" in err and "build-index" in err


def test_bad_eval_file_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    assert cli.main(["eval", str(bad)]) == 1
    assert "line 1" in capsys.readouterr().err
