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
