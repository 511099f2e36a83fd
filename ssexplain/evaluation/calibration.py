"""Choose the similarity threshold and margin of urgent triage and of the scope check.

Recall comes first: the threshold and margin are the strictest pair that still catches
every urgent message of the tuning set that the patterns miss, among the pairs that keep
false alarms on the tuning near misses within the limit. The same is done for decline
themes. Only tuning items (folds 0-2 of the banks, or the examples themselves by
leave-one-out when no bank is given) are ever read here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssexplain.reply.happening_now import WHAT_IF, is_general, is_past
from ssexplain.reply.message_pieces import embedded_pieces, normalise, pieces
from ssexplain.reply.triage import Triager

THRESHOLDS = tuple(round(x, 3) for x in np.arange(0.40, 0.90, 0.01))
MARGINS = tuple(round(x, 3) for x in np.arange(-0.05, 0.20, 0.01))


@dataclass(frozen=True)
class Evidence:
    """What the similarity step saw in one message: the best (score, nearest counter-example)
    pair over its unguarded pieces, and whether a pattern caught it anyway."""

    pattern: bool
    pairs: tuple[tuple[float, float], ...]

    def fires(self, threshold: float, margin: float) -> bool:
        return any(s >= threshold and s - n >= margin for s, n in self.pairs)


def urgent_evidence(triager: Triager, message: str) -> Evidence:
    urgent = triager.urgent
    whole = normalise(message)
    texts = embedded_pieces(whole)
    vectors = triager.vectors(texts)
    per_category, negative = urgent.similarity_scores(vectors)
    pattern = bool(urgent.patterns(whole, pieces(whole))[0])
    pairs = []
    for n, piece in enumerate(texts):
        if is_past(piece) or is_general(piece) or WHAT_IF.search(piece):
            continue
        allowed = [k for k, c in enumerate(urgent.rules.categories) if c.also is None or c.also.search(whole)]
        best = max(float(per_category[n][k]) for k in allowed)
        pairs.append((best, float(negative[n])))
    return Evidence(pattern, tuple(pairs))


def scope_evidence(triager: Triager, message: str) -> Evidence:
    scope = triager.scope
    whole = normalise(message)
    vector = triager.vectors([whole])[0]
    per_theme, in_scope = scope.scores(vector)
    pattern = scope.is_mash(whole) or scope.by_pattern(whole) is not None
    return Evidence(pattern, ((float(per_theme.max()), in_scope),))


def choose(
    positives: list[Evidence], negatives: list[Evidence], *, max_false: float
) -> tuple[float, float, int, int]:
    """(threshold, margin, positives missed, negatives fired) for the best pair: fewest
    misses first, then fewest false alarms, then the strictest pair."""
    best = None
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            missed = sum(1 for e in positives if not e.pattern and not e.fires(threshold, margin))
            fired = sum(1 for e in negatives if not e.pattern and e.fires(threshold, margin))
            if negatives and fired / len(negatives) > max_false:
                continue
            key = (missed, fired, -threshold, -margin)
            if best is None or key < best[0]:
                best = (key, threshold, margin, missed, fired)
    if best is None:
        return THRESHOLDS[-1], MARGINS[-1], len(positives), 0
    return best[1], best[2], best[3], best[4]
