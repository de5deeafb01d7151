"""``path:line:col: CODE message``, one finding a line, then a summary line.

A notebook finding names its cell: ``nb.ipynb:cell 4:12:5: CODE message``. ``[*]`` marks a finding
that ``--fix`` can fix (``--unsafe-fixes`` also marks the unsafe ones).
"""
from __future__ import annotations

from dllint.diagnostics import Diagnostic
from dllint.reports import ReportContext, statistics


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def fixable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def location(diagnostic: Diagnostic) -> str:
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
    return f"{diagnostic.path}:{cell}{diagnostic.line}:{diagnostic.column}"


def format_line(diagnostic: Diagnostic, unsafe: bool = False) -> str:
    marker = " [*]" if fixable(diagnostic, unsafe) else ""
    return f"{location(diagnostic)}: {diagnostic.code} {diagnostic.message}{marker}"


def summary(diagnostics: list[Diagnostic], context: ReportContext) -> list[str]:
    lines = []
    if context.fixed:
        lines.append(f"Fixed {_plural(context.fixed, 'finding')}.")
    if not diagnostics:
        if not context.fixed:
            lines.append("All checks passed!")
        return lines
    safe = sum(1 for d in diagnostics if fixable(d, False))
    unsafe_only = sum(1 for d in diagnostics if fixable(d, True)) - safe
    hints = []
    if safe:
        hints.append(f"{safe} fixable with --fix")
    if unsafe_only:
        hints.append(f"{unsafe_only} more with --fix --unsafe-fixes")
    hint = f" ({', '.join(hints)})" if hints else ""
    remaining = " remaining" if context.fixed else ""
    lines.append(f"Found {_plural(len(diagnostics), 'finding')}{remaining}{hint}.")
    return lines


def render(diagnostics: list[Diagnostic], context: ReportContext) -> str:
    lines: list[str] = []
    if context.statistics:
        for entry in statistics(diagnostics):
            marker = "[*]" if entry["fixable"] else "   "
            lines.append(f"{entry['count']:>5}  {entry['code']:<7} {marker} {entry['name']}")
    else:
        lines.extend(format_line(d, context.unsafe) for d in diagnostics)
    if not context.quiet:
        if lines:
            lines.append("")
        lines.extend(summary(diagnostics, context))
    return "\n".join(lines) + ("\n" if lines else "")
