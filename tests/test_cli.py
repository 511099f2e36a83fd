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
