"""Small readers of call expressions and literals, shared by rules."""
from __future__ import annotations

import libcst as cst

from dllint.analysis.imports import ImportMap, dotted_name


def qualified_callee(imports: ImportMap, call: cst.Call) -> str | None:
    """``torch.optim.Adam`` for ``optim.Adam(...)`` when ``optim`` came from ``torch``."""
    return imports.qualify(call.func)


def method_name(call: cst.Call) -> str | None:
    """``step`` for ``anything.step(...)``."""
    if isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    """The ``index``-th positional argument, or None (also when a ``*args`` comes first)."""
    count = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            if arg.star:
                return None
            continue
        if count == index:
            return arg
        count += 1
    return None


def argument(call: cst.Call, index: int, name: str) -> cst.BaseExpression | None:
    """The argument passed by keyword ``name`` or at positional ``index``."""
    found = keyword(call, name) or positional(call, index)
    return found.value if found is not None else None


def number(expr: cst.BaseExpression | None) -> float | None:
    """The value of a numeric literal (with an optional sign), else None."""
    if expr is None:
        return None
    sign = 1.0
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        if isinstance(expr.operator, cst.Minus):
            sign = -sign
        expr = expr.expression
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return sign * float(expr.evaluated_value)
        except (ValueError, OverflowError):
            return None
    return None


def string(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def target_name(expr: cst.BaseExpression) -> str | None:
    """The dotted name a value is bound to: ``x``, ``self.model``; None for other targets."""
    return dotted_name(expr)


def code_text(module: cst.Module, node: cst.CSTNode, limit: int | None = None) -> str:
    """The node's source on one line (white space folded), cut to ``limit`` characters with an
    ellipsis: how a message quotes an expression."""
    text = " ".join(module.code_for_node(node).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text
