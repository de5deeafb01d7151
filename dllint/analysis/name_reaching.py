"""Which plain-name bindings of a scope reach a point: ``epochs = 200`` before a loop, and not the
``epochs = 100`` of a later notebook cell; ``model = nn.Sequential(...)`` before an evaluation, and
not a later cell's placeholder ``model = nn.Sequential(..., ...)``.

One solve of :class:`dllint.analysis.reaching.ReachingDefinitions` per scope (a function, or the
module body), over the names the scope binds: ``name = value``, annotated, augmented, ``for`` and
``with ... as`` targets, and the function's parameters (bound to whatever a caller passes). Zero-trip
paths of every loop are kept. The mode analysis (trip counts) and the model facts (which definition
of a model is the one evaluated) ask it.

API::

    reaching = ctx.analysis(NameReaching)
    reaching.values_at(node, "epochs") -> [value or None, ...] | None
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import libcst as cst

from dllint.analysis.cfg import names_in_target  # one definition, below reaching's imports
from dllint.analysis.reaching import ReachingDefinitions, binding_element, gen_of

if TYPE_CHECKING:
    from dllint.context import FileContext

_SKIP_DESCEND = (cst.Lambda, cst.FunctionDef, cst.ClassDef)


def statement_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The targets a statement assigns or deletes (``a = b = v``, ``a += v``, ``a: T = v``,
    ``del a, b``); none for any other node."""
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.Del)):
        return [node.target]
    return []


def walk_body(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes of a function body, not entering nested functions, classes or lambdas."""
    from dllint.index import child_nodes

    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in child_nodes(current):
            if not isinstance(child, _SKIP_DESCEND):
                stack.append(child)


class NameReaching:
    """Per file: the reaching plain-name bindings of each scope, solved on first use."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self._solved: dict[cst.CSTNode, tuple[ReachingDefinitions, set[str]] | None] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "NameReaching":
        return cls(ctx)

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        function = self.index.function_of(node)
        return function if function is not None else self.ctx.module

    def solved(self, scope: cst.CSTNode) -> tuple[ReachingDefinitions, set[str]] | None:
        """(reaching definitions of the names ``scope`` binds, those names); None when it binds
        none or the solve gave up. A binding is ``(statement, value)``, the value None when the
        binding is not a plain ``name = value``."""
        if scope not in self._solved:
            self._solved[scope] = self._solve(scope)
        return self._solved[scope]

    def values_at(self, node: cst.CSTNode, name: str) -> list[cst.BaseExpression | None] | None:
        """The values of the bindings of ``name`` that may hold where the statement around
        ``node`` starts, in ``node``'s own scope; None when the scope does not bind ``name``, the
        solve gave up, or the point is not reached."""
        return self.reaching(node, name) or None

    def reaching(self, node: cst.CSTNode, name: str) -> list[cst.BaseExpression | None] | None:
        """:meth:`values_at`, but ``[]`` where the scope binds ``name`` and none of its bindings
        reaches ``node`` (a parameter still holding what the caller passed: parameters have no
        binding of their own here); None when the scope does not bind ``name``, the solve gave up
        or the point is not reached."""
        solved = self.solved(self.scope_of(node))
        if solved is None or name not in solved[1]:
            return None
        definitions = solved[0]
        point = node
        if not definitions.has(point):
            point = next((a for a in self.index.ancestors(node) if definitions.has(a)), None)
            if point is None:
                return None
        state = definitions.before(point)
        if state is None:
            return None
        return [value for _, value in state.get(name, ())]

    def _solve(self, scope: cst.CSTNode) -> tuple[ReachingDefinitions, set[str]] | None:
        rows = []
        names: set[str] = set()
        if isinstance(scope, cst.FunctionDef):
            for param in (*scope.params.posonly_params, *scope.params.params, *scope.params.kwonly_params):
                names.add(param.name.value)  # a parameter: whatever the caller passes
        for node in walk_body(scope.body if isinstance(scope, cst.FunctionDef) else scope):
            pairs: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
            if isinstance(node, cst.Assign):
                pairs = [(t.target, node.value) for t in node.targets]
            elif isinstance(node, cst.AnnAssign):
                pairs = [(node.target, node.value)]
            elif isinstance(node, (cst.AugAssign, cst.For)):
                pairs = [(node.target, None)]
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                pairs = [(node.asname.name, None)]
            for target, value in pairs:
                for bound in names_in_target(target):
                    names.add(bound)
                    plain = value if isinstance(target, cst.Name) else None
                    rows.append((binding_element(node), bound, (node, plain), False))
        if not rows:
            return None
        solved = ReachingDefinitions(scope, gen_of(rows), cap=32,
                                     rank=lambda binding: self.index.order.get(binding[0], 0))
        return (solved, names) if solved.solved else None
