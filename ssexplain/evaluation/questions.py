"""Score the engine on a JSONL file of patient questions (the format of dev_questions.jsonl).

A question is found at rank k when the lower-cased `quote + " " + plain` of the first k
citations contains, for every group in `expect`, at least one of that group's alternatives.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ssexplain.reply.answer import Reply
from ssexplain.errors import SsexplainError

ANSWERABLE = ("in_scope", "followup")
DECLINED = ("no_answer", "ask_doctor")
TARGETS = {"hit@3": 0.95, "mrr": 0.85, "declined": 0.90, "wrongly_declined": 0.05}


class Asks(Protocol):
    def ask(self, question: object, *, history: object = None) -> Reply: ...


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    kind: str
    question: str
    expect: tuple[tuple[str, ...], ...]
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    item: EvalQuestion
    status: str
    rank: int | None  # 1-based rank at which the expected evidence is found
    top_score: float


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, *kinds: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.kind in kinds]

    def hit_at(self, k: int) -> float:
        items = self._of(*ANSWERABLE)
        return sum(1 for o in items if o.rank is not None and o.rank <= k) / max(len(items), 1)

    @property
    def mrr(self) -> float:
        items = self._of(*ANSWERABLE)
        return sum(1 / o.rank for o in items if o.rank) / max(len(items), 1)

    @property
    def declined(self) -> float:
        items = self._of("out_of_scope")
        return sum(1 for o in items if o.status in DECLINED) / max(len(items), 1)

    @property
    def wrongly_declined(self) -> float:
        items = self._of(*ANSWERABLE)
        return sum(1 for o in items if o.status != "answered") / max(len(items), 1)

    @property
    def urgent_caught(self) -> tuple[int, int]:
        items = self._of("urgent")
        return sum(1 for o in items if o.status == "urgent"), len(items)

    @property
    def false_urgent(self) -> int:
        return sum(1 for o in self.outcomes if o.item.kind != "urgent" and o.status == "urgent")

    def misses(self) -> list[Outcome]:
        def missed(o: Outcome) -> bool:
            if o.item.kind in ANSWERABLE:
                return o.status != "answered" or o.rank is None or o.rank > 3
            if o.item.kind == "out_of_scope":
                return o.status not in DECLINED
            return o.status != "urgent"

        return [o for o in self.outcomes if missed(o) or (o.item.kind != "urgent" and o.status == "urgent")]

    def meets_targets(self) -> bool:
        caught, total = self.urgent_caught
        return (
            self.hit_at(3) >= TARGETS["hit@3"]
            and self.mrr >= TARGETS["mrr"]
            and self.declined >= TARGETS["declined"]
            and self.wrongly_declined <= TARGETS["wrongly_declined"]
            and caught == total
            and self.false_urgent == 0
        )


def load_questions(path: Path) -> list[EvalQuestion]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SsexplainError(f"{path}: no such file") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                EvalQuestion(
                    id=str(raw.get("id", f"line-{n}")),
                    kind=raw["kind"],
                    question=raw["question"],
                    expect=tuple(tuple(a.lower() for a in group) for group in raw.get("expect") or []),
                    history=tuple(raw.get("history") or []),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise SsexplainError(f"{path}: line {n} is not a valid question record ({exc})") from None
    return items


def found_at(reply: Reply, expect: tuple[tuple[str, ...], ...], *, depth: int = 10) -> int | None:
    for k in range(1, min(depth, len(reply.citations)) + 1):
        text = " ".join(f"{c.quote} {c.plain}" for c in reply.citations[:k]).lower()
        if all(any(alt in text for alt in group) for group in expect):
            return k
    return None


def evaluate(engine: Asks, questions: list[EvalQuestion]) -> Report:
    report = Report()
    for item in questions:
        reply = engine.ask(item.question, history=list(item.history))
        rank = found_at(reply, item.expect) if item.expect else None
        report.outcomes.append(Outcome(item=item, status=reply.status, rank=rank, top_score=reply.top_score))
    return report


def format_report(report: Report, *, show_misses: bool = True) -> str:
    lines = []
    if show_misses:
        for o in report.misses():
            lines.append(
                f"MISS {o.item.id} [{o.item.kind}] status={o.status} rank={o.rank} score={o.top_score:.3f}: {o.item.question}"
            )
        lines.append("")
    caught, total = report.urgent_caught
    answerable = len(report._of(*ANSWERABLE))
    lines.append(f"answerable questions: {answerable}   hit@1 {report.hit_at(1):.3f}   hit@3 {report.hit_at(3):.3f}   MRR {report.mrr:.3f}")
    lines.append(
        f"out-of-scope declined {report.declined:.3f}   in-scope wrongly declined {report.wrongly_declined:.3f}"
    )
    lines.append(f"urgent caught {caught}/{total}   false urgent {report.false_urgent}")
    lines.append("targets met" if report.meets_targets() else "targets NOT met")
    return "\n".join(lines)
