"""Understand a follow-up ("and what causes it?") in the light of the earlier questions.

A question that leans on what came before — it opens with "and", "what about", or points
back with "it", "that", "those" without naming the condition itself — is searched twice:
alone and joined to the most recent earlier questions. The retriever fuses both rankings, so a follow-up that
turns out to stand on its own still finds its own answer.
"""
from __future__ import annotations

import re

MAX_HISTORY = 10
CONTEXT_TURNS = 2

CONTINUES = re.compile(r"^\W*(and|but|so|also|what about|how about|then|or|what if)\b", re.IGNORECASE)
POINTS_BACK = re.compile(
    r"\b(it|its|it's|that|this|those|these|they|them|their|he|him|his|she|her|there)\b", re.IGNORECASE
)
# "What is superficial siderosis and how is it treated?" stands on its own: "it" is the condition.
NAMES_CONDITION = re.compile(r"\bsidero?sis\b|\bi?SS\b", re.IGNORECASE)


def leans_on_history(question: str) -> bool:
    if CONTINUES.search(question):
        return True
    return bool(POINTS_BACK.search(question)) and not NAMES_CONDITION.search(question)


def context_queries(question: str, history: list[str]) -> list[str]:
    """The texts to search for this turn: the question, then the question in context."""
    recent = [h for h in history[-CONTEXT_TURNS:] if h.strip()]
    if not recent or not leans_on_history(question):
        return [question]
    return [question, " ".join([*recent, question])]
