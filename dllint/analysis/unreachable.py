"""Statements that never run because a literal decides their branch: ``if False:`` (or ``0``,
``None``, ``""``) bodies, the ``else`` of ``if True:``, ``while False:`` bodies.

Authors switch code off this way, in scripts and notebook cells alike; a finding there describes
a run that cannot happen (Pyright greys such code out and reports nothing in it). The engine drops
rule findings whose line falls in these spans.

A name tested where every binding that reaches the test binds a literal of one truth is decided
the same way (``flag = 0  # flag = 1`` then ``if flag:``, the fourteenth audit's cause DX): the
file as it stands never runs that branch, whoever may edit the line later. The control-flow graph
decides such tests (:func:`dllint.analysis.cfg.switched_tests`), and :func:`switched_spans` gives
their dead branches' lines to the same filter. ``if __debug__`` and a flag that some path binds
to anything but a literal (an argument, a configuration) stay live.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Iterable

import libcst as cst

if TYPE_CHECKING:
    from dllint.context import FileContext

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


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


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
    return _merged(spans)


# A switch is tested as a plain name: a file without such a test has no switched-off span.
_NAME_TEST = re.compile(r"^[ \t]*(?:if|elif|while)[ \t(]+(?:not[ \t(]+)*[A-Za-z_]\w*[ \t)]*:", re.MULTILINE)


def switched_spans(ctx: "FileContext") -> list[tuple[int, int]]:
    """(first line, last line) of each branch never taken because a flag only literals reach
    decides its test, or an attribute that is one constant in its class's methods
    (:mod:`dllint.analysis.constant_attributes`)."""
    from dllint.analysis.cfg import switch_test, switched_tests
    from dllint.analysis.constant_attributes import constant_attribute_tests

    decided: dict[cst.CSTNode, bool] = {}
    if _NAME_TEST.search(ctx.source):
        scopes: dict[cst.CSTNode, None] = {}
        for node in ctx.index.of_type(cst.If, cst.While):
            if switch_test(node.test) is not None:
                scopes.setdefault(ctx.index.function_of(node) or ctx.module)
        for scope in scopes:
            decided.update(switched_tests(scope))
    decided.update(constant_attribute_tests(ctx))
    spans: list[tuple[int, int]] = []
    for node, truth in decided.items():
        dead = node.orelse if truth else node.body  # type: ignore[attr-defined]
        if dead is None:
            continue
        if isinstance(dead, cst.Else):
            dead = dead.body
        # an indented block's own range starts on its header's line: its statements' do not
        first, last = (dead.body[0], dead.body[-1]) if isinstance(dead, cst.IndentedBlock) else (dead, dead)
        spans.append((ctx.position(first).start.line, ctx.position(last).end.line))
    return spans


class DeadLines:
    """Is a line inside a statically unreachable span?"""

    def __init__(self, tree: ast.AST | None, source: str | None = None,
                 switched: Iterable[tuple[int, int]] = ()) -> None:
        self._spans = _merged([*(dead_spans(tree, source) if tree is not None else []), *switched])
        self._starts = [a for a, _ in self._spans]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __contains__(self, line: int) -> bool:
        i = bisect_right(self._starts, line) - 1
        return i >= 0 and self._spans[i][0] <= line <= self._spans[i][1]
