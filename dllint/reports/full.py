"""``--format full`` (ruff's name): each finding's line, then its source with a caret underline, then
whether a fix is available.

    train.py:12:9: DL101 `running_loss` accumulates a tensor that requires grad [*]
       |
    12 |         running_loss += loss
       |         ^^^^^^^^^^^^^^^^^^^^
       = fix (safe): accumulate loss.item()

The source is read from the file as it is now (after ``--fix``), from the text read on stdin, or
from the notebook's cell. A finding spanning lines shows up to ``MAX_LINES`` of them, each
underlined from the finding's start (first line) or its indentation to its end (last line) or the
line's end. Columns are code points; tabs are shown as four spaces and East Asian wide characters
take two columns, so that the carets sit under the text.
"""
from __future__ import annotations

import json
import unicodedata

from dllint.diagnostics import Diagnostic
from dllint.source import DecodeError, decode_source
from dllint.reports import ReportContext
from dllint.reports.style import SEVERITY_COLOR, Style
from dllint.reports.text import format_line, render as text_render

MAX_LINES = 4
TAB = "    "


def _width(text: str) -> int:
    return sum(len(TAB) if ch == "\t" else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _read_lines(path: str, cell: int | None, context: ReportContext,
                cache: dict[tuple[str, int | None], list[str] | None]) -> list[str] | None:
    key = (path, cell)
    if key in cache:
        return cache[key]
    lines: list[str] | None = None
    try:
        if path in context.sources:
            text = context.sources[path]
        else:
            with open(path, "rb") as handle:
                data = handle.read()
            text = data.decode("utf-8-sig") if cell is not None else decode_source(data)
        if cell is not None:
            cells = json.loads(text).get("cells") or []
            source = cells[cell - 1].get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
        lines = text.splitlines()
    except (OSError, DecodeError, UnicodeDecodeError, ValueError, IndexError, AttributeError, TypeError):
        lines = None  # the file changed or vanished: the finding is still shown, without source
    cache[key] = lines
    return lines


def _fix_note(d: Diagnostic, unsafe: bool) -> str | None:
    if d.fix is None:
        return None
    how = f": {d.fix.message}" if d.fix.message else ""
    if d.fix.applicability == "safe":
        return f"fix (safe, with --fix){how}"
    if unsafe:
        return f"fix (unsafe, with --fix --unsafe-fixes){how}"
    return f"unsafe fix available with --unsafe-fixes{how}"


def snippet(d: Diagnostic, lines: list[str] | None, unsafe: bool, style: Style) -> list[str]:
    """The lines under a finding's header: source, underline, fix note."""
    out: list[str] = []
    last = max(d.end_line, d.line)
    shown = []
    if lines is not None and 1 <= d.line <= len(lines):
        shown = list(range(d.line, min(last, len(lines), d.line + MAX_LINES - 1) + 1))
    gutter = len(str(shown[-1])) if shown else 1
    bar = style.paint(" " * gutter + " |", "blue")
    if shown:
        out.append(bar)
    color = SEVERITY_COLOR.get(d.severity, "yellow")
    for number in shown:
        text = lines[number - 1]  # type: ignore[index]
        start = d.column - 1 if number == d.line else len(text) - len(text.lstrip())
        end = d.end_column - 1 if number == last else len(text.rstrip())
        start = min(max(start, 0), len(text))
        end = min(max(end, start + 1), max(len(text), start + 1))
        number_text = style.paint(str(number).rjust(gutter) + " |", "blue")
        out.append(f"{number_text} {text.replace(chr(9), TAB)}".rstrip())
        carets = " " * _width(text[:start]) + "^" * max(_width(text[start:end]), 1)
        out.append(f"{bar} {style.paint(carets, color)}")
    if shown and shown[-1] < last:
        out.append(f"{style.paint(' ' * gutter + ' :', 'blue')} ...")
    note = _fix_note(d, unsafe)
    if note is not None:
        out.append(f"{' ' * gutter} {style.paint('=', 'blue')} {note}")
    return out


def body_lines(diagnostics: list[Diagnostic], context: ReportContext, style: Style) -> list[str]:
    cache: dict[tuple[str, int | None], list[str] | None] = {}
    out: list[str] = []
    for index, d in enumerate(diagnostics):
        if index:
            out.append("")
        out.append(format_line(d, context.unsafe, style))
        out.extend(snippet(d, _read_lines(d.path, d.cell, context, cache), context.unsafe, style))
    return out


def render(diagnostics: list[Diagnostic], context: ReportContext) -> str:
    return text_render(diagnostics, context, body=body_lines)
