"""Applying fixes: edits to text, repeated until the file is stable, never producing broken code."""
from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

import libcst as cst

from dllint.diagnostics import Diagnostic, Edit
from dllint.engine import on_deep_stack

MAX_ROUNDS = 10


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _offsets(source: str) -> list[int]:
    """Offset of the start of each 1-based line (index 0 unused). A line ends at ``\r\n``, ``\r``
    (old Mac files) or ``\n``, as Python's tokenizer and the finding positions count them."""
    starts = [0, 0]
    starts.extend(match.end() for match in _LINE_BREAK.finditer(source))
    return starts


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; an edit overlapping an earlier one is skipped (next round)."""
    starts = _offsets(source)

    def offset(line: int, column: int) -> int:
        return starts[line] + column - 1

    spans = sorted(
        ((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits),
        key=lambda s: (s[0], s[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            continue
        out.append(source[cursor:start])
        out.append(content)
        cursor = end
    out.append(source[cursor:])
    return "".join(out)


def wanted(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def fix_source(
    source: str,
    lint: Callable[[str], Sequence[Diagnostic]],
    *,
    unsafe: bool = False,
) -> tuple[str, list[Diagnostic]]:
    """Lint and fix until nothing fixable remains. Returns the new text and the fixes applied.

    A round whose result does not parse is discarded: a fix must never corrupt a file.
    """
    applied: list[Diagnostic] = []
    for _ in range(MAX_ROUNDS):
        fixable = [d for d in lint(source) if wanted(d, unsafe)]
        if not fixable:
            break
        edits = [e for d in fixable for e in d.fix.edits]  # type: ignore[union-attr]
        candidate = apply_edits(source, edits)
        if candidate == source:
            break
        try:
            on_deep_stack(cst.parse_module, candidate)
        except Exception:  # noqa: BLE001 - any failure means: keep the file as it was
            break
        applied.extend(fixable)
        source = candidate
    return source, applied
