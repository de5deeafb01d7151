"""Everything a rule sees of one file: the source, its tree, the shared index and analyses.

Positions are computed lazily: libcst's PositionProvider costs about as much as parsing, and most
files have no finding, so only a file that reports something pays for it.
"""
from __future__ import annotations

import ast
from typing import Any, Callable, TypeVar

import libcst as cst
from libcst.metadata import CodeRange

from dllint.analysis.imports import ImportMap
from dllint.diagnostics import Diagnostic, Edit, Fix, Severity
from dllint.index import NodeIndex, compute_positions
from dllint.rule import Rule

A = TypeVar("A")


class FileContext:
    def __init__(self, path: str, source: str, module: cst.Module,
                 python_ast: ast.Module | None = None) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.index = NodeIndex(module)
        self._analyses: dict[type, Any] = {}
        self._positions: Any = None
        self._top_positions: dict[cst.CSTNode, Any] = {}
        self._top_index: dict[cst.CSTNode, int] | None = None
        self._lines: list[int] | None = None
        self._python_ast = python_ast  # the engine's syntax check already built it
        self.diagnostics: list[Diagnostic] = []
        self.rule: Rule | None = None  # the rule now running; set by the engine

    # -- shared analyses -------------------------------------------------------------------------
    def analysis(self, cls: type[A]) -> A:
        """The analysis ``cls`` of this file, computed on first request and shared afterwards."""
        found = self._analyses.get(cls)
        if found is None:
            found = cls.compute(self)  # type: ignore[attr-defined]
            self._analyses[cls] = found
        return found

    @property
    def imports(self) -> ImportMap:
        return self.analysis(ImportMap)

    # -- positions -------------------------------------------------------------------------------
    def position(self, node: cst.CSTNode) -> CodeRange:
        """The node's range (1-based lines, 0-based columns, as libcst gives them).

        libcst computes positions by generating the code of a whole module, which takes longer
        than parsing (about 50 s for a 50,000-line file on this machine). So only the top-level
        statement that holds the node is laid out, and CPython's fast parser says on which line
        that statement starts in the file.
        """
        top = self._top_level_statement(node)
        if top is None or self._statement_lines() is None:
            return self._whole_module_positions()[node]
        positions = self._top_positions.get(top)
        if positions is None:
            sub = self.module.with_changes(body=[top], header=(), footer=())
            positions = compute_positions(sub)
            self._top_positions[top] = positions
        offset = self._statement_lines()[self._top_index[top]] - positions[top].start.line
        found = positions[node]
        if offset == 0:
            return found
        return CodeRange((found.start.line + offset, found.start.column),
                         (found.end.line + offset, found.end.column))

    def _top_level_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if self._top_index is None:
            self._top_index = {statement: i for i, statement in enumerate(self.module.body)}
        if node in self._top_index:
            return node
        for ancestor in self.index.ancestors(node):
            if ancestor in self._top_index:
                return ancestor
        return None

    def _statement_lines(self) -> list[int] | None:
        """The start line of each top-level libcst statement, from CPython's ``ast`` (which splits
        ``a; b`` into two statements where libcst has one line of two). None when ``ast`` cannot
        parse what libcst could, or the two disagree on the count."""
        if self._lines is None:
            self._lines = []
            tree = self._python_ast
            if tree is None:
                try:
                    tree = ast.parse(self.source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return None
            statements = iter(tree.body)
            lines: list[int] = []
            try:
                for top in self.module.body:
                    first = next(statements)
                    lines.append(first.lineno)
                    if isinstance(top, cst.SimpleStatementLine):
                        for _ in range(len(top.body) - 1):
                            next(statements)
            except StopIteration:
                return None
            if next(statements, None) is not None:
                return None
            self._lines = lines
        return self._lines or (None if self.module.body else [])

    def _whole_module_positions(self):
        if self._positions is None:
            self._positions = compute_positions(self.module)
        return self._positions

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # -- reporting -------------------------------------------------------------------------------
    def replace_edit(self, node: cst.CSTNode, new: cst.CSTNode | str) -> Edit:
        """An edit that replaces ``node``'s text with ``new`` (a node or source text)."""
        pos = self.position(node)
        content = new if isinstance(new, str) else self.code_for(new)
        return Edit(pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1, content)

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
        rule: Rule | None = None,
    ) -> None:
        rule = rule or self.rule
        if rule is None:
            raise RuntimeError("report() called outside a rule")
        pos = self.position(node)
        statement = self.index.statement_of(node)
        # A compound statement's own position covers its whole body; its header line is its start.
        statement_line = self.position(statement).start.line
        self.diagnostics.append(
            Diagnostic(
                path=self.path,
                line=pos.start.line,
                column=pos.start.column + 1,
                end_line=pos.end.line,
                end_column=pos.end.column + 1,
                code=rule.code,
                name=rule.name,
                message=message,
                severity=severity or rule.severity,
                fix=fix,
                url=rule.documentation_url(),
                statement_line=min(statement_line, pos.start.line),
            )
        )


Check = Callable[[FileContext], None]
