"""How bad each problem code is, for ``dlcheck run --fail-on``.

``error``: the evidence is conclusive and the training computes something other than what was
meant (a graph kept alive, a parameter never trained, a broadcast loss, NaN, the wrong mode).
``warning``: a judgement against a threshold that a healthy run can cross (dead units, gradient
norms, a gradient exactly zero for a few steps) or a check that failed inside dlcheck. A code
from a third-party check pack counts as an error: a gate fails rather than let it pass unread.
"""

from __future__ import annotations

from typing import Iterable

WARNING_CODES = frozenset({"DC000", "DC103", "DC401", "DC402", "DC403"})

# --fail-on values, from the most to the least strict
FAIL_ON = ("warning", "error", "never")


def severity(code: str) -> str:
    return "warning" if code in WARNING_CODES else "error"


def fails(problems: Iterable, fail_on: str) -> bool:
    """True when a problem reaches ``fail_on`` (one of :data:`FAIL_ON`)."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    if fail_on == "never":
        return False
    return any(fail_on == "warning" or severity(p.code) == "error" for p in problems)
