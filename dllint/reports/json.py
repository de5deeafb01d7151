"""A JSON array, one object per finding, with exactly the keys of ``Diagnostic.to_dict()`` (public
API): path, line, column, end_line, end_column, code, name, message, severity, fix, url, cell.

With ``--statistics``: an array of ``{"code", "name", "count", "fixable"}`` instead.
"""
from __future__ import annotations

import json

from dllint.diagnostics import Diagnostic
from dllint.reports import ReportContext, statistics


def render(diagnostics: list[Diagnostic], context: ReportContext) -> str:
    if context.statistics:
        payload = statistics(diagnostics)
    else:
        payload = [d.to_dict() for d in diagnostics]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
