"""The finding a rule reports, and the fix it may carry.

Lines and columns are 1-based everywhere in this module, as users read them in an editor; the flake8
adapter is the only place that converts to flake8's 0-based columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]
Applicability = Literal["safe", "unsafe"]

# Rule pages are linked from every finding; one constant so that a fork can point at its own catalogue.
DOCS_BASE_URL = "https://github.com/dllint/dllint/blob/main/rules/"


def rule_url(code: str) -> str:
    return f"{DOCS_BASE_URL}{code}.md"


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (end exclusive) with ``content``."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def to_dict(self) -> dict:
        return {
            "content": self.content,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    edits: tuple[Edit, ...]
    message: str = ""

    def to_dict(self) -> dict:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [e.to_dict() for e in self.edits],
        }


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    message: str
    severity: Severity = "warning"
    fix: Fix | None = None
    url: str = ""
    # For notebooks: the 1-based number of the cell among all cells (markdown included), with
    # line/column relative to that cell (see dllint/notebook.py).
    cell: int | None = None
    # The first line of the statement holding the finding: ``# noqa`` is honoured there too.
    statement_line: int | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code, self.message)

    def with_changes(self, **changes) -> "Diagnostic":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The public JSON schema: exactly these keys."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "fix": self.fix.to_dict() if self.fix else None,
            "url": self.url or rule_url(self.code),
            "cell": self.cell,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Diagnostic":
        fix = data.get("fix")
        fix_obj = None
        if fix:
            fix_obj = Fix(
                applicability=fix["applicability"],
                message=fix.get("message", ""),
                edits=tuple(Edit(**e) for e in fix["edits"]),
            )
        return cls(
            path=data["path"],
            line=data["line"],
            column=data["column"],
            end_line=data["end_line"],
            end_column=data["end_column"],
            code=data["code"],
            name=data["name"],
            message=data["message"],
            severity=data["severity"],
            fix=fix_obj,
            url=data.get("url", ""),
            cell=data.get("cell"),
            statement_line=data.get("statement_line"),
        )
