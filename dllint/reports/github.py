"""GitHub Actions workflow commands: one annotation a finding on the pull request's diff.

``::warning file=..,line=..,col=..,endLine=..,endColumn=..,title=dllint (CODE)::message``;
``::error`` for a finding of severity error, ``::notice`` for info. Data is escaped as GitHub's
toolkit does (``%``, CR, LF); property values also escape ``:`` and ``,``. A notebook's finding
points at the line of the ``.ipynb`` file that holds its source line, as GitHub shows the file (the
JSON), when the notebook has the layout Jupyter writes; else at its line inside the cell. The cell
is named in the message. Paths are
relative to the repository root (the nearest directory holding ``.git``), as GitHub expects.
"""
from __future__ import annotations

import os
from pathlib import Path

from dllint.diagnostics import Diagnostic
from dllint.reports import ReportContext, notebook_locations, notebook_region

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_path(path: str, root: Path | None) -> str:
    """GitHub resolves ``file=`` against the repository root, whatever directory dllint ran in."""
    if root is not None and path != "-":
        try:
            return Path(os.path.abspath(path)).relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    path = path.replace("\\", "/")
    return path[2:] if path.startswith("./") else path


def format_line(d: Diagnostic, root: Path | None = None, notebooks: dict[str, dict] | None = None) -> str:
    path = repository_path(d.path, root)
    placed = notebook_region(d, notebooks or {})
    line, column, end_line, end_column = (placed[:4] if placed is not None
                                          else (d.line, d.column, d.end_line, d.end_column))
    properties = {
        "file": path,
        "line": line,
        "col": column,
        "endLine": end_line,
        "endColumn": end_column,
        "title": f"dllint ({d.code})",
    }
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = d.message
    if d.cell is not None:
        message = f"cell {d.cell}: {message}"
    return f"::{LEVELS.get(d.severity, 'warning')} {props}::{escape_data(message)}"


def render(diagnostics: list[Diagnostic], context: ReportContext) -> str:
    notebooks = notebook_locations(diagnostics)
    return "".join(format_line(d, context.root, notebooks) + "\n" for d in diagnostics)
