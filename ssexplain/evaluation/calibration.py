"""Choose the similarity threshold and margin of urgent triage.

Recall comes first: the threshold and margin are the strictest pair that still catches
every urgent message of the tuning set that the patterns miss, among the pairs that keep
false alarms on the tuning near misses within the limit. Only tuning items (folds 0-2 of
the banks) are ever read here. (The scope check's pair was swept by hand on the same folds:
docs/SAFETY.md, "Calibration and the protocol".)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssexplain.reply.message_pieces import normalise, pieces
from ssexplain.reply.triage import Triager

THRESHOLDS = tuple(round(x, 3) for x in np.arange(0.40, 0.90, 0.01))
MARGINS = tuple(round(x, 3) for x in np.arange(-0.05, 0.20, 0.01))


@dataclass(frozen=True)
class Evidence:
    """What the similarity step saw in one message: every (score, nearest counter-example)
    pair the guards let through, and whether a pattern caught it anyway."""

    pattern: bool
    pairs: tuple[tuple[float, float], ...]

    def fires(self, threshold: float, margin: float) -> bool:
        return any(s >= threshold and s - n >= margin for s, n in self.pairs)


def urgent_evidence(triager: Triager, message: str) -> Evidence:
    """Exactly what `Triager.decide` reads: a pattern hit of either tier, or the similarity
    candidates its guards let through (made-up words are never embedded)."""
    urgent = triager.urgent
    whole = normalise(message)
    if urgent.patterns(whole, pieces(whole))[0]:
        return Evidence(True, ())
    if triager.scope.is_noise(whole):
        return Evidence(False, ())
    texts = triager.embedded_texts(whole)
    found = urgent.similarities(whole, texts, triager.vectors(texts), calibrating=True)
    return Evidence(False, tuple((h.score, h.negative) for h in found))


def _counts(positives: list[Evidence], negatives: list[Evidence], threshold: float, margin: float) -> tuple[int, int]:
    """(positives the patterns miss that similarity misses too, negatives similarity alarms)."""
    missed = sum(1 for e in positives if not e.pattern and not e.fires(threshold, margin))
    fired = sum(1 for e in negatives if not e.pattern and e.fires(threshold, margin))
    return missed, fired


def choose(
    positives: list[Evidence], negatives: list[Evidence], *, max_false: float
) -> tuple[float, float, int, int]:
    """(threshold, margin, positives missed, negatives fired) for the best pair: fewest
    misses first, then fewest false alarms, then the strictest pair."""
    best = None
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            missed, fired = _counts(positives, negatives, threshold, margin)
            if negatives and fired / len(negatives) > max_false:
                continue
            key = (missed, fired, -threshold, -margin)
            if best is None or key < best[0]:
                best = (key, threshold, margin, missed, fired)
    if best is None:
        return THRESHOLDS[-1], MARGINS[-1], len(positives), 0
    return best[1], best[2], best[3], best[4]


def calibrate_urgent(triager: Triager, items: list, *, max_false: float = 0.05) -> str:
    """The urgent threshold and margin chosen on the tuning folds of the banks (bank items
    of evaluation/triage.py; held-out folds are dropped here, never read), and the pairs
    near it, as a short report."""
    from ssexplain.evaluation.triage import TUNING_FOLDS

    tuning = [i for i in items if i.fold in TUNING_FOLDS]
    positives = [urgent_evidence(triager, i.message) for i in tuning if i.bank == "urgent"]
    negatives = [urgent_evidence(triager, i.message) for i in tuning if i.bank in ("near_miss", "in_scope")]
    threshold, margin, missed, fired = choose(positives, negatives, max_false=max_false)
    caught_by_pattern = sum(e.pattern for e in positives)
    alarmed_by_pattern = sum(e.pattern for e in negatives)
    lines = [
        f"tuning folds {TUNING_FOLDS}: {len(positives)} urgent, {len(negatives)} near misses and in-scope questions",
        f"patterns alone: {caught_by_pattern} urgent caught, {alarmed_by_pattern} others alarmed",
        f"chosen: threshold {threshold:.2f}, margin {margin:.2f}: similarity misses {missed} of the "
        f"{len(positives) - caught_by_pattern} the patterns miss, alarms {fired} more",
        "nearby pairs (threshold, margin: urgent missed, others alarmed by similarity):",
    ]
    for t in (threshold - 0.02, threshold - 0.01, threshold, threshold + 0.01, threshold + 0.02):
        row = []
        for m in (margin - 0.02, margin - 0.01, margin, margin + 0.01, margin + 0.02):
            miss, fire = _counts(positives, negatives, t, m)
            row.append(f"{t:.2f}/{m:.2f}: {miss}, {fire}")
        lines.append("  " + "; ".join(row))
    return "\n".join(lines)
