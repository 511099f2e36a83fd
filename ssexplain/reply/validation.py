"""Check a question and its history before anything else sees them."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ssexplain.reply.conversation import MAX_HISTORY
from ssexplain.errors import BadQuestion

MAX_QUESTION_CHARS = 4000  # a carer's whole story, with its questions (question_split.py)


def _is_real_text(text: str) -> bool:
    """JSON can carry lone surrogates ("\\ud800") that no encoder or tokenizer accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_question(value: Any) -> str:
    if value is None:
        raise BadQuestion("question_missing", "Please type a question.")
    if not isinstance(value, str) or not _is_real_text(value):
        raise BadQuestion("question_not_text", "The question must be text.")
    text = " ".join(value.split())
    if not text:
        raise BadQuestion("question_empty", "Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion(
            "question_too_long",
            f"Please keep your question under {MAX_QUESTION_CHARS} characters (it has {len(text)}).",
        )
    return text


def tidy_history(values: Iterable[object]) -> list[str]:
    """Earlier questions as every caller keeps them: each on one line, blank, over-long or
    non-text ones dropped, the last MAX_HISTORY kept. The pages and links use it as it is
    (their hidden fields come back from our own pages, so damage is dropped, not shown as
    the person's mistake); the API checks strictly first (clean_history)."""
    cleaned = (" ".join(v.split()) for v in values if isinstance(v, str) and _is_real_text(v))
    return [v for v in cleaned if v and len(v) <= MAX_QUESTION_CHARS][-MAX_HISTORY:]


def clean_history(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadQuestion("history_malformed", "History must be a list of earlier questions.")
    if len(value) > MAX_HISTORY:
        raise BadQuestion("history_malformed", f"History can hold at most {MAX_HISTORY} earlier questions.")
    if not all(isinstance(item, str) and len(item) <= MAX_QUESTION_CHARS and _is_real_text(item) for item in value):
        raise BadQuestion(
            "history_malformed", f"Each earlier question must be text of at most {MAX_QUESTION_CHARS} characters."
        )
    return tidy_history(value)
