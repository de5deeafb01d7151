"""``path:line:col: CODE message``, one finding a line, then a summary line.

A notebook finding names its cell: ``nb.ipynb:cell 4:12:5: CODE message``. ``[*]`` marks a finding
that ``--fix`` can fix (``--unsafe-fixes`` also marks the unsafe ones). With colour, the path is
bold, the code coloured by severity and the marker cyan; the text is otherwise the same.
"""
from __future__ import annotations

from dllint.diagnostics import Diagnostic
from dllint.reports import ReportContext, statistics
from dllint.reports.style import SEVERITY_COLOR, Style


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def fixable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def location(diagnostic: Diagnostic) -> str:
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
    return f"{diagnostic.path}:{cell}{diagnostic.line}:{diagnostic.column}"


def format_line(diagnostic: Diagnostic, unsafe: bool = False, style: Style | None = None) -> str:
    style = style or Style(False)
    marker = " " + style.paint("[*]", "cyan") if fixable(diagnostic, unsafe) else ""
    code = style.paint(diagnostic.code, SEVERITY_COLOR.get(diagnostic.severity, "yellow"))
    return f"{style.paint(location(diagnostic), 'bold')}: {code} {diagnostic.message}{marker}"


def summary(diagnostics: list[Diagnostic], context: ReportContext) -> list[str]:
    lines = []
    if context.fixed:
        lines.append(f"Fixed {_plural(context.fixed, 'finding')}.")
    if context.baselined:
        lines.append(f"{_plural(context.baselined, 'finding')} accepted by the baseline.")
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
    noun = "new finding" if context.baselined else "finding"
    lines.append(f"Found {_plural(len(diagnostics), noun)}{remaining}{hint}.")
    return lines


def statistics_lines(diagnostics: list[Diagnostic], style: Style) -> list[str]:
    lines = []
    for entry in statistics(diagnostics):
        marker = style.paint("[*]", "cyan") if entry["fixable"] else "   "
        lines.append(f"{entry['count']:>5}  {style.paint(entry['code'].ljust(7), 'bold')} {marker} "
                     f"{entry['name']}")
    return lines


def fixes_lines(diagnostics: list[Diagnostic], context: ReportContext, style: Style) -> list[str]:
    """``--show-fixes``: per file, how many findings of each rule were (or would be) fixed, and how."""
    if context.fixing:
        chosen, title = context.applied, "Fixes applied:"
    else:
        chosen = [d for d in diagnostics if fixable(d, context.unsafe)]
        title = "Fixes available (apply with --fix" + (" --unsafe-fixes" if context.unsafe else "") + "):"
    if not chosen:
        return ["No fixes applied." if context.fixing else "No fixes available."]
    counts: dict[str, dict[tuple[str, str, str], int]] = {}
    for d in chosen:
        how = d.fix.message if d.fix is not None and d.fix.message else ""
        key = (d.code, d.name, how)
        per_file = counts.setdefault(d.path, {})
        per_file[key] = per_file.get(key, 0) + 1
    lines = [style.paint(title, "bold")]
    for path in sorted(counts):
        lines.append(f"- {style.paint(path, 'bold')}:")
        for (code, name, how), count in sorted(counts[path].items()):
            tail = f": {how}" if how else ""
            lines.append(f"    {count} x {style.paint(code, 'cyan')} ({name}){tail}")
    return lines


def body_lines(diagnostics: list[Diagnostic], context: ReportContext, style: Style) -> list[str]:
    return [format_line(d, context.unsafe, style) for d in diagnostics]


def render(diagnostics: list[Diagnostic], context: ReportContext, body=body_lines) -> str:
    style = Style(context.color)
    lines: list[str] = []
    if context.statistics:
        lines.extend(statistics_lines(diagnostics, style))
    else:
        lines.extend(body(diagnostics, context, style))
    if context.show_fixes:
        if lines:
            lines.append("")
        lines.extend(fixes_lines(diagnostics, context, style))
    if not context.quiet:
        if lines:
            lines.append("")
        lines.extend(summary(diagnostics, context))
    return "\n".join(lines) + ("\n" if lines else "")
