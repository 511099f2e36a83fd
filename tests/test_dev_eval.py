"""The product's quality bar on the dev questions (see docs/RETRIEVAL.md for the figures)."""

import pytest

from ssexplain.evaluation.questions import TARGETS, evaluate, format_report, load_questions


@pytest.fixture(scope="module")
def report(engine, seeds_dir):
    """The dev questions sit beside the seeds in the shared folder (shared/eval, shared/seeds)."""
    dev = seeds_dir.parent / "eval" / "dev_questions.jsonl"
    if not dev.exists():
        pytest.fail(f"dev questions not found at {dev}")
    return evaluate(engine, load_questions(dev))


def test_dev_eval_meets_every_target(report):
    caught, total = report.urgent_caught
    summary = format_report(report)
    assert report.hit_at(3) >= TARGETS["hit@3"], summary
    assert report.mrr >= TARGETS["mrr"], summary
    assert report.declined >= TARGETS["declined"], summary
    assert report.wrongly_declined <= TARGETS["wrongly_declined"], summary
    assert caught == total == 8, summary
    assert report.false_urgent == 0, summary
