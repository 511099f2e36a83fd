"""The eval scores bank items the way a reader would judge the reply."""
from __future__ import annotations

import json
from types import SimpleNamespace as NS

import pytest

from ssexplain.evaluation.questions import Outcome, Report, format_report, load_questions, rank_of


def reply(*ids, parts=()):
    return NS(citations=[NS(id=i, quote="", plain="") for i in ids], parts=parts)


def part(*ids):
    return NS(reply=reply(*ids))


def item(tmp_path, **raw):
    path = tmp_path / "bank.jsonl"
    path.write_text(json.dumps({"id": "x", "kind": "in_scope", "question": "q", **raw}) + "\n")
    return load_questions(path)[0]


@pytest.mark.parametrize(
    ("cited", "wanted", "rank"),
    [
        (("a", "b", "c"), ["b"], 2),
        (("a", "b", "c"), ["z", "a"], 1),
        (("a", "b", "c"), ["z"], None),
    ],
)
def test_expect_passages_is_the_first_cited_wanted_passage(tmp_path, cited, wanted, rank):
    assert rank_of(reply(*cited), item(tmp_path, expect_passages=wanted)) == rank


def test_a_long_message_is_found_only_when_each_question_is(tmp_path):
    multi = item(tmp_path, kind="multi", expect_each=[["a"], ["d", "e"]])
    assert rank_of(reply("a", "e", parts=(part("a", "x"), part("y", "e"))), multi) == 2
    assert rank_of(reply("a", "x", parts=(part("a", "x"), part("y", "z"))), multi) is None
    assert rank_of(reply("x", "a", "d"), multi) == 3  # no parts: the citations themselves


def test_bank_fields_and_message_key_are_read(tmp_path):
    q = item(tmp_path, voice="carer", fold=3, history="earlier question", expect_passages=["a"])
    assert (q.voice, q.fold, q.history, q.expect_passages) == ("carer", 3, ("earlier question",), ("a",))


def test_report_splits_tuning_and_held_out_folds(tmp_path):
    outcomes = [
        Outcome(item=item(tmp_path, fold=f, voice=v, expect_passages=["a"]), status="answered", rank=r, top_score=0.5)
        for f, v, r in [(0, "carer", 1), (1, "terse", None), (3, "carer", 2), (4, "terse", 1)]
    ]
    text = format_report(Report(outcomes), show_misses=False)
    assert "folds 0-2 (tuning)    n=2    hit@1 0.500" in text
    assert "folds 3-4 (held out)  n=2    hit@1 0.500   hit@3 1.000   MRR 0.750" in text
    assert "carer" in text and "without" in text
