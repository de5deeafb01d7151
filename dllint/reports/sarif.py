"""SARIF 2.1.0 as GitHub code scanning accepts it.

One run; ``tool.driver`` lists every enabled rule (and any tool code that fired) with its short and
full description, help as text and Markdown (the rule's page) and its default level. Each result
has ``ruleId``, ``ruleIndex``, ``level``, ``message.text``, exactly one location with a uri relative
to the repository root (``uriBaseId`` ``%SRCROOT%``) and a full region, and ``partialFingerprints``:
a hash of the code, the path and the whitespace-normalised text of the source line, with the
occurrence index of that hash (``located``), which survives unrelated edits that move the line.
A notebook's finding points at the line of the ``.ipynb`` file that holds
its source line (viewers show the raw file) when the notebook has the layout Jupyter writes, else at
its line inside the cell; the cell is named in the message and in ``properties.cell``.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

from dllint import __version__
from dllint.diagnostics import Diagnostic, rule_url
from dllint.reports import ReportContext, notebook_locations, notebook_region, rule_page

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/dllint/dllint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "dllint/v1"


def repository_root(start: Path | None = None) -> Path:
    """The nearest directory above ``start`` holding ``.git``; else ``start`` (the current directory)."""
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _uri(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    return quote(relative, safe="/")


def _line_text(path: str, line: int, cache: dict[str, list[str] | None]) -> str:
    if path not in cache:
        try:
            with open(path, "rb") as handle:
                cache[path] = handle.read().decode("utf-8", "replace").splitlines()
        except OSError:
            cache[path] = None
    lines = cache[path]
    if lines is None or not 1 <= line <= len(lines):
        return ""
    return lines[line - 1].strip()


def fingerprint(code: str, uri: str, line_text: str, cell: int | None = None) -> str:
    # Whitespace inside the line is normalised too: re-indenting a block keeps its findings.
    text = "\0".join((code, uri, str(cell or ""), " ".join(line_text.split())))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def located(diagnostics: list[Diagnostic], root: Path) -> list[tuple[str, dict, str]]:
    """``(uri, region, fingerprint)`` of each finding, in order. The fingerprint is the hash of the
    code, the path, the cell and the line's text, then ``:N`` for the N-th finding (in line order)
    with that same hash, so that two identical lines stay apart and a moved line keeps its
    fingerprint. The SARIF report and ``--baseline`` both use it."""
    root = root.resolve()
    lines: dict[str, list[str] | None] = {}
    notebooks = notebook_locations(diagnostics)
    seen: dict[str, int] = {}
    out = []
    for d in diagnostics:
        uri = _uri(d.path, root)
        region, line_text = _region(d, notebooks)
        if d.cell is None:
            line_text = _line_text(d.path, d.line, lines)
        digest = fingerprint(d.code, uri, line_text, d.cell)
        seen[digest] = seen.get(digest, 0) + 1
        out.append((uri, region, f"{digest}:{seen[digest]}"))
    return out


def _rule_descriptor(code: str, context: ReportContext) -> dict:
    rule = context.registry.get(code)
    name = rule.name if rule else code
    summary = (rule.summary if rule else "") or name
    full = (rule.describe() if rule else "") or summary
    url = rule.documentation_url() if rule else rule_url(code)
    page = rule_page(code) or f"# {code}: {name}\n\n{full}\n\nDocumentation: {url}\n"
    severity = rule.severity if rule else "error"
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": page, "markdown": page},
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"tags": ["dllint"]},
    }


def _region(d: Diagnostic, notebooks: dict[str, dict]) -> tuple[dict, str]:
    """The region of ``d`` in its file, and the text of its line (for the fingerprint)."""
    placed = notebook_region(d, notebooks)
    if placed is not None:
        line, start, end_line, end, text = placed
        return ({"startLine": line, "startColumn": start, "endLine": end_line, "endColumn": end},
                text.strip())
    end_line = max(d.end_line, d.line)
    end_column = d.end_column if end_line > d.line else max(d.end_column, d.column)
    return ({"startLine": d.line, "startColumn": d.column, "endLine": end_line, "endColumn": end_column},
            "")


def render(diagnostics: list[Diagnostic], context: ReportContext) -> str:
    codes = sorted(set(context.enabled) | {d.code for d in diagnostics})
    index = {code: number for number, code in enumerate(codes)}
    root = context.root.resolve()
    results = []
    for d, (uri, region, print_) in zip(diagnostics, located(diagnostics, root)):
        message = d.message if d.cell is None else f"cell {d.cell}: {d.message}"
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": LEVELS.get(d.severity, "warning"),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                },
            }],
            "partialFingerprints": {FINGERPRINT_KEY: print_},
        }
        if d.cell is not None:
            result["properties"] = {"cell": d.cell}
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "dllint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": [_rule_descriptor(code, context) for code in codes],
                },
            },
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
