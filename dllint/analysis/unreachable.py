"""Statements that never run because a literal decides their branch: ``if False:`` (or ``0``,
``None``, ``""``) bodies, the ``else`` of ``if True:``, ``while False:`` bodies.

Authors switch code off this way, in scripts and notebook cells alike; a finding there describes
a run that cannot happen (Pyright greys such code out and reports nothing in it). The engine drops
rule findings whose line falls in these spans. Conditions that only look constant (a flag named
``DEBUG = False``, ``if __debug__``) are left alone: a user flips them, and the code is live then.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right

import libcst as cst

# The one reading of "a literal decides this test": the findings filter reads CPython's tree,
# the control-flow graph libcst's, and both must agree on which branch has no way in.
_CST_NAMES = {"True": True, "False": False, "None": None}


def _constant_truth(value: object) -> bool | None:
    if isinstance(value, (bytes, type(Ellipsis))):
        return None
    return bool(value)


def _literal_truth(test: ast.expr) -> bool | None:
    if isinstance(test, ast.Constant):
        return _constant_truth(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _literal_truth(test.operand)
        return None if inner is None else not inner
    return None


def literal_truth(test: cst.BaseExpression) -> bool | None:
    """True or False when a literal decides ``test`` (``False``, ``0``, ``""``, ``not None``)."""
    if isinstance(test, cst.Name):
        return _constant_truth(_CST_NAMES[test.value]) if test.value in _CST_NAMES else None
    if isinstance(test, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        try:
            return _constant_truth(ast.literal_eval(test.value))
        except (ValueError, SyntaxError):
            return None
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = literal_truth(test.expression)
        return None if inner is None else not inner
    return None


def _span(body: list[ast.stmt]) -> tuple[int, int] | None:
    if not body:
        return None
    return body[0].lineno, max(getattr(s, "end_lineno", s.lineno) or s.lineno for s in body)


# A literal test is written as one: a file without such a line has no dead span, and most files
# are spared the walk of their whole tree (which cost 4% of a lint). A test the pattern misses
# (`if not not False:`) only leaves its code live, as before.
_LITERAL_TEST = re.compile(
    r"^[ \t]*(?:if|elif|while)[ \t(]+(?:not[ \t(]+)?(?:False|True|None|\d[\w.]*|''|\"\")[ \t)]*:",
    re.MULTILINE)


def dead_spans(tree: ast.AST, source: str | None = None) -> list[tuple[int, int]]:
    """Sorted, merged (first line, last line) spans of statically unreachable statements."""
    spans: list[tuple[int, int]] = []
    if source is not None and not _LITERAL_TEST.search(source):
        return spans
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While)):
            truth = _literal_truth(node.test)
            if truth is None:
                continue
            # `while True:` never ends by its test, so its else is as dead as `if True:`'s
            dead = node.orelse if truth else node.body
            span = _span(dead)
            if span is not None:
                spans.append(span)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


class DeadLines:
    """Is a line inside a statically unreachable span?"""

    def __init__(self, tree: ast.AST | None, source: str | None = None) -> None:
        self._spans = dead_spans(tree, source) if tree is not None else []
        self._starts = [a for a, _ in self._spans]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __contains__(self, line: int) -> bool:
        i = bisect_right(self._starts, line) - 1
        return i >= 0 and self._spans[i][0] <= line <= self._spans[i][1]
