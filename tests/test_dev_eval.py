"""The product's quality bar on the dev questions (see docs/RETRIEVAL.md for the figures)."""
from pathlib import Path

import pytest

from ssexplain.evaluation.questions import TARGETS, evaluate, format_report, load_questions

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.jsonl"


@pytest.fixture(scope="module")
def report(engine):
    if not DEV.exists():
        pytest.fail(f"dev questions not found at {DEV}")
    return evaluate(engine, load_questions(DEV))


def test_dev_eval_meets_every_target(report):
    caught, total = report.urgent_caught
    summary = format_report(report)
    assert report.hit_at(3) >= TARGETS["hit@3"], summary
    assert report.mrr >= TARGETS["mrr"], summary
    assert report.declined >= TARGETS["declined"], summary
    assert report.wrongly_declined <= TARGETS["wrongly_declined"], summary
    assert caught == total == 8, summary
    assert report.false_urgent == 0, summary
