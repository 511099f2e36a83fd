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


def test_held_out_misses_are_counted_never_shown(tmp_path):
    outcomes = [
        Outcome(item=item(tmp_path, id=i, fold=f, expect_passages=["a"]), status="answered", rank=None, top_score=0.5)
        for i, f in [("tuned", 1), ("held", 3), ("dev", None)]
    ]
    text = format_report(Report(outcomes), show_misses=True)
    assert "MISS tuned " in text and "MISS dev " in text
    assert "MISS held" not in text
    assert "(1 misses on the held-out folds 3-4: counted, not shown)" in text


# ---------------------------------------------------------------- the triage banks' report

def _bank_file(folder, name, rows):
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_in_scope_bank_questions_given_the_urgent_reply_are_counted_by_fold(tmp_path):
    """The retrieval banks' ordinary questions are read (their text is in `question`) and
    scored as wrong only when they get the urgent reply; the report gives the count for the
    tuning and held-out folds apart, with the category of the wrong alarm."""
    from ssexplain.evaluation import triage

    _bank_file(tmp_path, "retrieval_a.jsonl", [
        {"id": "ra-1", "kind": "in_scope", "voice": "carer", "fold": 0, "topic": "t", "question": "slurred speech, is it SS?"},
        {"id": "ra-2", "kind": "in_scope", "voice": "terse", "fold": 3, "topic": "t", "question": "what is SS"},
    ])
    _bank_file(tmp_path, "retrieval_b.jsonl", [
        {"id": "rb-1", "kind": "multi", "voice": "carer", "fold": 4, "topic": "u", "question": "a long story"},
    ])
    _bank_file(tmp_path, "triage_in_scope.jsonl", [  # stories written for triage: the text is in `message`
        {"id": "fs-1", "kind": "in_scope", "voice": "long-story", "fold": 1, "message": "an old fit, and a question"},
    ])
    items = triage.load_bank(tmp_path, "in_scope")
    assert [(i.id, i.message, i.group) for i in items] == [
        ("ra-1", "slurred speech, is it SS?", "t"), ("ra-2", "what is SS", "t"), ("rb-1", "a long story", "u"),
        ("fs-1", "an old fit, and a question", "")]
    status = {"ra-1": ("urgent", "stroke"), "ra-2": ("answered", ""), "rb-1": ("urgent", "seizure"), "fs-1": ("answered", "")}
    results = [triage.Result(i, status[i.id][0], status[i.id][1]) for i in items]
    assert [r.correct for r in results] == [False, True, False, True]
    report = triage.format_report(results, show_misses=True)
    assert "MISS (tuning) ra-1 [in_scope] status=urgent stroke" in report
    assert "rb-1" not in report  # held out: counted, never shown
    tuning, held = [line for line in report.splitlines() if "in-scope bank questions given the urgent reply" in line]
    assert tuning.startswith("tuning folds 0-2") and tuning.endswith("1/2 (0.500)")
    assert held.startswith("held-out folds 3-4") and held.endswith("1/2 (0.500)")
    assert "by its category: stroke 1" in report and "by its category: seizure 1" in report
