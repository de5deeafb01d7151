"""Output formats: text (and full, with the source) for people, json for scripts, sarif for code
scanning, github for Actions.

Each format is a module with ``render(diagnostics, context) -> str``; the text they produce is the
whole report, written to stdout or ``--output-file``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dllint.diagnostics import Diagnostic
from dllint.registry import RuleRegistry

FORMATS = ("text", "full", "json", "sarif", "github")
# ruff's spellings, accepted by --format and --output-format alike.
ALIASES = {"concise": "text"}
# --statistics: a table in text and full, an array in json. SARIF and workflow commands have no place
# for a table; asking for one there is an error, not a silent no-op.
STATISTICS_FORMATS = ("text", "full", "json")
# --show-fixes: a section after the findings, for people.
SHOW_FIXES_FORMATS = ("text", "full")


@dataclass
class ReportContext:
    registry: RuleRegistry
    enabled: frozenset[str] = frozenset()
    fixed: int = 0  # findings fixed by --fix
    fixing: bool = False  # --fix was given
    unsafe: bool = False  # --unsafe-fixes was given
    statistics: bool = False
    quiet: bool = False
    files: int = 0  # how many files were linted
    root: Path = field(default_factory=Path.cwd)  # repository root: SARIF uris are relative to it
    color: bool = False  # ANSI colour (text, full)
    show_fixes: bool = False  # --show-fixes: list the fixes applied (with --fix) or available
    applied: list[Diagnostic] = field(default_factory=list)  # the findings --fix fixed
    baselined: int = 0  # findings the --baseline file accepts (not reported)
    sources: dict[str, str] = field(default_factory=dict)  # text by path, where not on disk (stdin)


def renderer(name: str) -> Callable[[list[Diagnostic], ReportContext], str]:
    if name == "text":
        from dllint.reports.text import render
    elif name == "full":
        from dllint.reports.full import render
    elif name == "json":
        from dllint.reports.json import render
    elif name == "sarif":
        from dllint.reports.sarif import render
    elif name == "github":
        from dllint.reports.github import render
    else:
        raise ValueError(f"unknown output format {name!r}")
    return render


def render(name: str, diagnostics: list[Diagnostic], context: ReportContext) -> str:
    return renderer(name)(diagnostics, context)


def rule_page(code: str, rule: type | None = None) -> str | None:
    """The Markdown page of a rule: ``rules/CODE.md`` in the source tree beside the package, else
    the copy shipped as package data (``dllint/rule_pages/``); None when neither exists."""
    import dllint

    package = Path(dllint.__file__).resolve().parent
    for candidate in (package.parent / "rules" / f"{code}.md", package / "rule_pages" / f"{code}.md"):
        try:
            return candidate.read_text(encoding="utf-8")
        except OSError:
            continue
    return None


def statistics(diagnostics: list[Diagnostic]) -> list[dict]:
    """Counts per code, most frequent first, then by code."""
    counts: dict[str, dict] = {}
    for d in diagnostics:
        entry = counts.setdefault(d.code, {"code": d.code, "name": d.name, "count": 0, "fixable": 0})
        entry["count"] += 1
        if d.fix is not None and d.fix.applicability == "safe":
            entry["fixable"] += 1
    return sorted(counts.values(), key=lambda e: (-e["count"], e["code"]))


def notebook_locations(diagnostics: list[Diagnostic]) -> dict[str, dict]:
    """For each notebook with findings: (cell, line in the cell) -> where that source line sits in
    the ``.ipynb`` file (see ``dllint.notebook.json_locations``); empty for a layout not Jupyter's."""
    from dllint.notebook import json_locations

    wanted: dict[str, list[tuple[int, int]]] = {}
    for d in diagnostics:
        if d.cell is not None:
            wanted.setdefault(d.path, []).append((d.cell, d.line))
    out = {}
    for path, keys in wanted.items():
        try:
            with open(path, encoding="utf-8") as handle:
                out[path] = json_locations(handle.read(), keys)
        except (OSError, UnicodeDecodeError, ValueError):
            out[path] = {}
    return out


def notebook_region(d: Diagnostic, notebooks: dict[str, dict]) -> tuple[int, int, int, int, str] | None:
    """A notebook finding's place in the ``.ipynb`` file as GitHub and SARIF viewers show the raw
    JSON: (line, column, end line, end column, the source line); None when it cannot be placed. A
    span running past its line ends at the end of that line (one JSON string)."""
    from dllint.notebook import json_column

    if d.cell is None:
        return None
    location = notebooks.get(d.path, {}).get((d.cell, d.line))
    if location is None:
        return None
    file_line, _, text, _ = location
    start = json_column(location, d.column)
    end_column = d.end_column if d.end_line == d.line else len(text.rstrip("\r\n")) + 1
    end = max(json_column(location, end_column), start)
    return file_line, start, file_line, end, text
