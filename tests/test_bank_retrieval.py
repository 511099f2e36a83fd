"""Retrieval on the project's own banks, held-out folds only (3-4: never tuned on).

Floors sit a little under the engine's measured held-out figures (4 December, decline threshold 0.34: single
questions and long messages hit@3 0.895, MRR 0.828; follow-ups 0.800 / 0.685), so a change that
costs patients real answers fails here, while the noise of a question or two does not.
"""
from pathlib import Path

import pytest

from ssexplain.evaluation.questions import HELD_OUT_FOLDS, evaluate, format_report, load_questions

BANKS = Path(__file__).parent / "banks"
# (files, hit@3 floor, MRR floor) on folds 3-4
FLOORS = {
    "single questions": (("retrieval_a.jsonl", "retrieval_b.jsonl"), 0.87, 0.80),
    "conversations": (("conversations.jsonl",), 0.77, 0.65),
}


@pytest.fixture(scope="module")
def held_out(engine):
    reports = {}
    for name, (files, _, _) in FLOORS.items():
        items = [q for f in files for q in load_questions(BANKS / f) if q.fold in HELD_OUT_FOLDS]
        reports[name] = evaluate(engine, items)
    return reports


@pytest.mark.parametrize("name", list(FLOORS))
def test_held_out_bank_figures_stay_above_their_floor(held_out, name):
    _, hit3, mrr = FLOORS[name]
    report = held_out[name]
    summary = format_report(report, show_misses=False)
    assert report.answerable() > 50, summary
    assert report.hit_at(3) >= hit3, summary
    assert report.mrr >= mrr, summary
