"""Reading the question box back from a rendered page (it is a <textarea>, so what it holds
is its text, not a value attribute)."""
from __future__ import annotations

import re
from html import unescape

QUESTION_BOX = re.compile(r'<textarea\b[^>]*\bid="q"[^>]*>(.*?)</textarea>', re.DOTALL)


def question_box(html: str) -> str:
    """The text in the page's question box (one box per page; an assertion error if none)."""
    found = QUESTION_BOX.findall(html)
    assert len(found) == 1, f"expected one question box, found {len(found)}"
    return unescape(found[0])
