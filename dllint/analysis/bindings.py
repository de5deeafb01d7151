"""Where each simple name (``x``, ``self.model``) is bound, per scope, in source order.

Not path-sensitive: "the binding before this node" is the last one in source order in the same
function (or at module level for names the function never binds). That is enough for rules that ask
"what was this name made from", and cheap: one pass over the assignments the index already holds.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name

if TYPE_CHECKING:
    from dllint.context import FileContext

Scope = cst.CSTNode  # a FunctionDef, or the Module


class Bindings:
    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        # (scope, name) -> [(order, value expression, or None where the value is not followed:
        # loop and comprehension variables, parameters, unpacking, augmented assignment)]
        self.values: dict[tuple[Scope, str], list[tuple[int, cst.BaseExpression | None]]] = defaultdict(list)
        # class name -> its ClassDef, for ``self.x`` bindings made in other methods of the class
        self.classes: dict[str, cst.ClassDef] = {}
        self._rebound: set[str] | None = None

    def rebound(self, name: str) -> bool:
        """Does the file bind ``name`` more than once (any scope)? If not, at most one binding
        reaches any read of it, and a reaching-definitions solve has nothing to merge."""
        found = self._rebound
        if found is None:
            seen: dict[str, int] = {}
            for (_, bound), values in self.values.items():
                seen[bound] = seen.get(bound, 0) + len(values)
            found = self._rebound = {n for n, k in seen.items() if k > 1}
        return name in found

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Bindings":
        result = cls(ctx)
        index = ctx.index
        for node in index.of_type(cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor,
                                  cst.WithItem, cst.Param, cst.NamedExpr):
            for target, value in _bound(node):
                if isinstance(target, (cst.Tuple, cst.List)):
                    # unpacking: each element, nested ones too (``for i, (x, y) in ...``), is
                    # bound to something we do not follow
                    for element in _unpacked(target):
                        result._add(node, element, None)
                else:
                    result._add(node, target, value)
        for node in index.of_type(cst.ClassDef):
            result.classes.setdefault(node.name.value, node)
        return result

    def _add(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        name = dotted_name(target)
        if name is None:
            return
        if isinstance(target, cst.StarredElement):
            return
        self.values[(self.scope_key(node, name), name)].append((self.ctx.index.order[node], value))

    def scope_key(self, node: cst.CSTNode, name: str) -> Scope:
        """``self.x`` is bound in the class: any method may set it; plain names in their function."""
        function = self.ctx.index.function_of(node)
        if name.startswith("self.") and function is not None:
            owner = self.ctx.index.enclosing(function, cst.ClassDef)
            if owner is not None:
                return owner
        return function if function is not None else self.ctx.module

    def value_before(self, node: cst.CSTNode, name: str) -> cst.BaseExpression | None:
        """The value last bound to ``name`` before ``node`` in its scope (or at module level).

        None when unknown: never bound, or last bound by something not followed."""
        order = self.ctx.index.order[node]
        scope = self.scope_key(node, name)
        entries = self.values.get((scope, name))
        if entries:
            latest = None
            for position, value in entries:
                if position >= order:
                    break
                latest = (position, value)
            if latest is not None:
                return latest[1]
            if name.startswith("self."):
                return entries[0][1]  # set in __init__, read in a method defined before it
            if scope is not self.ctx.module:
                return None  # a local bound only later: not the module-level one
        if scope is not self.ctx.module and not name.startswith("self."):
            # A global read inside a function: the module-level binding, if there is just one.
            module_entries = self.values.get((self.ctx.module, name))
            if module_entries and len({id(v) for _, v in module_entries}) == 1:
                return module_entries[0][1]
        return None

    def all_values(self, name: str) -> list[cst.BaseExpression | None]:
        return [v for (scope, n), entries in self.values.items() if n == name for _, v in entries]


def _bound(node: cst.CSTNode):
    """(target, value) pairs a binding statement makes; value None where it is not followed."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield target.target, node.value
    elif isinstance(node, cst.AnnAssign):
        if node.value is not None:
            yield node.target, node.value
    elif isinstance(node, cst.AugAssign):
        yield node.target, None
    elif isinstance(node, (cst.For, cst.CompFor)):
        yield node.target, None
    elif isinstance(node, cst.WithItem):
        if node.asname is not None:
            yield node.asname.name, None
    elif isinstance(node, cst.Param):
        yield node.name, None
    elif isinstance(node, cst.NamedExpr):
        yield node.target, node.value


def _unpacked(target: cst.Tuple | cst.List, depth: int = 0) -> list[cst.BaseExpression]:
    """The targets an unpacking binds, nested tuples opened (bounded depth)."""
    out: list[cst.BaseExpression] = []
    for element in target.elements:
        value = element.value
        if isinstance(value, (cst.Tuple, cst.List)) and depth < 8:
            out.extend(_unpacked(value, depth + 1))
        else:
            out.append(value)
    return out
