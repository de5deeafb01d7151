"""Constant flags in the mode analysis: ``self.is_test = False`` before a training loop.

A *flag* is a plain name (``test``) or one attribute of a name (``self.is_test``) that holds a
literal ``True``, ``False`` or ``None``. The mode analysis (:mod:`dllint.analysis.modes`) keeps
them in its state next to the models, under keys that start with :data:`FLAG` (``"?self.is_test"``)
and never meet a model key, with one :class:`Flag` token when the value is known on every path.
Branch edges that contradict a known flag (the true edge of ``if self.is_test:`` after
``self.is_test = False``) are not taken, and a call of a function whose own tests read a flag
that the caller holds at a known value runs that function under the value (a run per assumption,
:meth:`Modes.run`): ``select_action`` calling ``self.dqn.eval()`` only ``if self.is_test:`` leaves
the model alone when ``train()`` set the flag False before the loop (eighth audit, BL). A literal
passed for a parameter (or its literal default) is such a value too; a run under it that never
reaches the training calls of a loop makes that loop's forward passes no training steps
(``run_epoch(model, loader, loss_fn, None)`` with ``if optimizer: loss.backward()``, audit 12 DD).

Bounded on purpose:

* only literal ``True``/``False``/``None`` make a value known (``flag = x``, an augmented
  assignment, a loop or ``with`` target, an unpacking make it unknown again);
* one level of attribute (``self.x``, never ``self.a.x``), read only through the same name;
* a name that any ``global`` / ``nonlocal`` statement of the file declares is never a flag;
* a call that the analysis cannot follow and that is given an object (its receiver, a plain name
  as argument) makes every flag on that object unknown, in the caller and, through the callee's
  exit state, in the callers above it (``"?self.*"``);
* a callee is run under an assumption only for the flags its own ``if`` / ``while`` tests read,
  at most :data:`MAX_ASSUMED` of them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

if TYPE_CHECKING:
    from dllint.index import NodeIndex

FLAG = "?"  # the prefix of a flag's key in a mode state
WILDCARD = ".*"  # "?self.*": every flag on ``self`` is unknown (an unfollowed call got ``self``)
MAX_ASSUMED = 4
# builtins that rebind no attribute of what they are given (``setattr`` does)
READ_ONLY_BUILTINS = frozenset({"len", "print", "isinstance", "hasattr", "getattr", "range", "enumerate",
                                "zip", "str", "repr", "int", "float", "bool", "id", "type", "iter",
                                "sorted", "list", "tuple", "dict", "set", "min", "max", "sum", "abs",
                                "round", "format", "callable"})


class Flag(NamedTuple):
    """A flag's literal value (``True``, ``False`` or ``None``)."""

    value: bool | None


def flag_key(expr: cst.BaseExpression) -> str | None:
    """``name`` or ``name.attr`` for a flag expression; None for anything else."""
    if isinstance(expr, cst.Name):
        return None if expr.value in ("True", "False", "None") else expr.value
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) \
            and expr.value.value not in ("True", "False", "None"):
        return f"{expr.value.value}.{expr.attr.value}"
    return None


def flag_literal(expr: cst.BaseExpression | None) -> Flag | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return Flag({"True": True, "False": False, "None": None}[expr.value])
    return None


def known(tokens: frozenset | None) -> Flag | None:
    """The one value ``tokens`` hold on every path, else None."""
    if tokens is None or len(tokens) != 1:
        return None
    token = next(iter(tokens))
    return token if isinstance(token, Flag) else None


def truth(test: cst.BaseExpression, value_of) -> bool | None:
    """Whether ``test`` holds, from the flags it reads (``value_of(key) -> Flag | None``); None when
    it cannot be told. Forms: a flag, ``not``, ``and`` / ``or``, ``flag is (not) None``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = truth(test.expression, value_of)
        return None if inner is None else not inner
    if isinstance(test, cst.BooleanOperation):
        left, right = truth(test.left, value_of), truth(test.right, value_of)
        if isinstance(test.operator, cst.And):
            if left is False or right is False:
                return False
            return True if left and right else None
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, (cst.Is, cst.IsNot)) and isinstance(target.comparator, cst.Name) \
                and target.comparator.value == "None":
            key = flag_key(test.left)
            found = value_of(key) if key is not None else None
            if found is None:
                return None
            return (found.value is None) == isinstance(target.operator, cst.Is)
        return None
    key = flag_key(test)
    found = value_of(key) if key is not None else None
    return None if found is None else bool(found.value)


def test_reads(test: cst.BaseExpression) -> set[str]:
    """The flag keys :func:`truth` may read in ``test``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test_reads(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return test_reads(test.left) | test_reads(test.right)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        key = flag_key(test.left)
        return {key} if key is not None else set()
    key = flag_key(test)
    return {key} if key is not None else set()


def assigned_keys(target: cst.BaseExpression) -> list[str]:
    """The flag keys an assignment target rebinds (``a``, ``self.x``, ``a, self.x``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [key for element in target.elements for key in assigned_keys(element.value)]
    if isinstance(target, cst.StarredElement):
        return assigned_keys(target.value)
    key = flag_key(target)
    return [key] if key is not None else []


def declared_outside(index: "NodeIndex") -> set[str]:
    """Every name a ``global`` or ``nonlocal`` statement of the file declares: another scope may
    rebind it behind the analysis's back, so it is never a flag. Read off the file's shared index:
    a visitor walk of the whole module per analysed file was a fifth of a cold lint's time."""
    return {item.name.value for node in index.of_type(cst.Global, cst.Nonlocal) for item in node.names}
