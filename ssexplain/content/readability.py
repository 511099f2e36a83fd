"""Reading level of patient-facing text (Flesch-Kincaid grade, via textstat)."""
from __future__ import annotations

import warnings


def grade(text: str) -> float:
    """School grade needed to read `text`; we aim for 8 or below."""
    with warnings.catch_warnings():  # textstat 0.7.3 imports the deprecated pkg_resources
        warnings.simplefilter("ignore")
        import textstat  # imported late: only content checks and tests need it

    return float(textstat.flesch_kincaid_grade(text))
