"""Score the engine on a JSONL file of patient questions.

Three ways an item says what evidence it wants, checked in this order:

- `expect_each` (kind `multi`: a long message with several questions): a list of passage-id
  lists, one per question. Each list is looked for in the reply's parts (or, without parts,
  its citations); the item is found at rank k when every list has a passage among the first
  k citations of some part, and its rank is the worst of those ranks.
- `expect_passages`: passage ids; found at rank k when a passage among the first k
  citations is in the list (the retrieval banks in tests/banks/).
- `expect` (dev_questions.jsonl): groups of alternatives; found at rank k when the
  lower-cased `quote + " " + plain` of the first k citations contains, for every group, at
  least one of its alternatives.

Banks carry a `voice` and a `fold` (0-2 tuned on, 3-4 held out); the report gives the figures
per fold group and per voice, and leaving each voice out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ssexplain.reply.answer import Reply
from ssexplain.errors import SsexplainError

ANSWERABLE = ("in_scope", "followup", "multi")
TUNING_FOLDS = (0, 1, 2)
HELD_OUT_FOLDS = (3, 4)
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
    expect_passages: tuple[str, ...] = ()
    expect_each: tuple[tuple[str, ...], ...] = ()
    voice: str = ""
    fold: int | None = None


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

    def where(self, keep) -> "Report":
        """The report on the outcomes whose item passes `keep`."""
        return Report([o for o in self.outcomes if keep(o.item)])

    def answerable(self) -> int:
        return len(self._of(*ANSWERABLE))

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
            history = raw.get("history") or []
            fold = raw.get("fold")
            items.append(
                EvalQuestion(
                    id=str(raw.get("id", f"line-{n}")),
                    kind=raw["kind"],
                    question=raw["question"] if "question" in raw else raw["message"],
                    expect=tuple(tuple(a.lower() for a in group) for group in raw.get("expect") or []),
                    history=(history,) if isinstance(history, str) else tuple(history),
                    expect_passages=tuple(raw.get("expect_passages") or ()),
                    expect_each=tuple(tuple(group) for group in raw.get("expect_each") or ()),
                    voice=str(raw.get("voice") or ""),
                    fold=int(fold) if fold is not None else None,
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


def passage_rank(citations, wanted: tuple[str, ...], *, depth: int = 10) -> int | None:
    """1-based rank of the first citation that is one of the wanted passages."""
    for k, citation in enumerate(citations[:depth], start=1):
        if citation.id in wanted:
            return k
    return None


def each_found_at(reply: Reply, groups: tuple[tuple[str, ...], ...], *, depth: int = 10) -> int | None:
    """The worst over the groups of each group's best rank in any part (None if one is missing)."""
    lists = [part.reply.citations for part in reply.parts] or [reply.citations]
    worst = 0
    for group in groups:
        ranks = [r for r in (passage_rank(c, group, depth=depth) for c in lists) if r is not None]
        if not ranks:
            return None
        worst = max(worst, min(ranks))
    return worst or None


def rank_of(reply: Reply, item: EvalQuestion) -> int | None:
    if item.expect_each:
        return each_found_at(reply, item.expect_each)
    if item.expect_passages:
        return passage_rank(reply.citations, item.expect_passages)
    return found_at(reply, item.expect) if item.expect else None


def evaluate(engine: Asks, questions: list[EvalQuestion]) -> Report:
    report = Report()
    for item in questions:
        reply = engine.ask(item.question, history=list(item.history))
        rank = rank_of(reply, item)
        report.outcomes.append(Outcome(item=item, status=reply.status, rank=rank, top_score=reply.top_score))
    return report


def _figures(report: Report) -> str:
    return (
        f"n={report.answerable():<4} hit@1 {report.hit_at(1):.3f}   hit@3 {report.hit_at(3):.3f}   "
        f"MRR {report.mrr:.3f}   wrongly declined {report.wrongly_declined:.3f}"
    )


def format_slices(report: Report) -> list[str]:
    """Figures per fold group, per voice and leaving each voice out (banks with folds only)."""
    if not any(o.item.fold is not None for o in report.outcomes):
        return []
    tuning = report.where(lambda q: q.fold in TUNING_FOLDS)
    held = report.where(lambda q: q.fold in HELD_OUT_FOLDS)
    lines = [
        "",
        f"folds 0-2 (tuning)    {_figures(tuning)}",
        f"folds 3-4 (held out)  {_figures(held)}",
    ]
    for kind in ANSWERABLE:
        part = held.where(lambda q, kind=kind: q.kind == kind)
        if part.answerable():
            lines.append(f"  held out, {kind:<10} {_figures(part)}")
    voices = sorted({o.item.voice for o in report.outcomes if o.item.voice})
    if voices:
        lines.append("")
        lines.append("per voice (all folds | held-out folds 3-4 | all folds without this voice):")
        for voice in voices:
            alone = report.where(lambda q, v=voice: q.voice == v)
            alone_held = held.where(lambda q, v=voice: q.voice == v)
            others = report.where(lambda q, v=voice: q.voice != v)
            lines.append(
                f"  {voice:<18} hit@3 {alone.hit_at(3):.3f} MRR {alone.mrr:.3f} (n={alone.answerable()})"
                f" | hit@3 {alone_held.hit_at(3):.3f} MRR {alone_held.mrr:.3f} (n={alone_held.answerable()})"
                f" | without: hit@3 {others.hit_at(3):.3f} MRR {others.mrr:.3f}"
            )
    return lines


def format_report(report: Report, *, show_misses: bool = True) -> str:
    lines = []
    if show_misses:
        # A held-out miss is counted, never shown: nobody may write a rule or an example
        # against it (docs/RETRIEVAL.md). Items without a fold (the dev set) are shown.
        misses = report.misses()
        shown = [o for o in misses if o.item.fold not in HELD_OUT_FOLDS]
        for o in shown:
            lines.append(
                f"MISS {o.item.id} [{o.item.kind}] status={o.status} rank={o.rank} score={o.top_score:.3f}: {o.item.question}"
            )
        if len(shown) < len(misses):
            lines.append(f"({len(misses) - len(shown)} misses on the held-out folds 3-4: counted, not shown)")
        lines.append("")
    caught, total = report.urgent_caught
    answerable = len(report._of(*ANSWERABLE))
    lines.append(f"answerable questions: {answerable}   hit@1 {report.hit_at(1):.3f}   hit@3 {report.hit_at(3):.3f}   MRR {report.mrr:.3f}")
    lines.append(
        f"out-of-scope declined {report.declined:.3f}   in-scope wrongly declined {report.wrongly_declined:.3f}"
    )
    lines.append(f"urgent caught {caught}/{total}   false urgent {report.false_urgent}")
    lines.append("targets met" if report.meets_targets() else "targets NOT met")
    lines.extend(format_slices(report))
    return "\n".join(lines)
