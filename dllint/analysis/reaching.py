"""Reaching definitions over a scope's control-flow graph: which bindings of a name may hold at a point.

The data-role analysis (:mod:`dllint.analysis.data`) asks "what was this name bound to here?" and
reads the roles of those values. Source order ("the latest binding before this line") merges no
branches and follows nothing around loops: ``loader = test_loader if ... else`` written as an
``if``/``else`` keeps only the ``else``, and a value bound at the end of a loop body never reaches
its top. Here the bindings are transferred over :func:`dllint.analysis.cfg.build_cfg`'s graph by
the :func:`worklist solver <dllint.analysis.solver.solve>`:

* the state maps a dotted name to the bindings that may hold it (a frozenset of binding numbers);
* a plain binding (``x = ...``, a ``for`` target, ``with ... as x``) replaces the name's set;
  an in-place update (``x += ...``, ``x[i] = ...``, ``x.append(...)``) adds to it;
* where paths meet, the sets are joined name by name (union: a may-analysis).

Every set is finite and only grows along a path through a loop, so the fixpoint is reached; a scope
whose solution is truncated (the solver's safety net) is reported as unsolved and the caller falls
back to source order. Edges carry states unchanged (data roles learn nothing from a test), except
the edges a caller says cannot be taken.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import libcst as cst

from dllint.analysis.cfg import CFG, Edge, Element, build_cfg
from dllint.analysis.solver import PlainLattice, solve

State = Mapping[str, frozenset[int]]
# A scope with more elements than this is left to source order: joins copy the state per block.
MAX_ELEMENTS = 20_000


class _Lattice(PlainLattice[State]):
    def __init__(self, gen: Mapping[cst.CSTNode, Sequence[tuple[str, int, bool]]],
                 cut: Callable[[Edge], bool] | None) -> None:
        self.gen = gen
        self.cut = cut

    def edge(self, edge: Edge, state: State) -> State | None:
        return None if self.cut is not None and self.cut(edge) else state

    def join(self, a: State, b: State) -> State:
        if a is b:
            return a
        out = dict(a)
        for name, found in b.items():
            mine = out.get(name)
            out[name] = found if mine is None else (mine | found)
        return out

    def transfer(self, element: Element, state: State) -> State | None:
        if element.kind not in ("stmt", "target", "enter"):
            return state
        made = self.gen.get(element.node)
        if not made:
            return state
        out = dict(state)
        for name, number, update in made:
            if update:
                out[name] = out.get(name, frozenset()) | {number}
            else:
                out[name] = frozenset({number})
        return out


class ReachingDefinitions:
    """The bindings that may reach each element of one scope.

    ``bindings`` lists ``(node, name, number, update)``: ``node`` is the element's node that makes
    the binding (a small statement, a ``For`` for its target, a ``WithItem``), ``number`` the
    caller's id for the binding. ``cut(edge)`` says that a path cannot take an edge (a function
    summarised for ``split="test"`` never takes the true edge of ``if split == "train"``)."""

    def __init__(self, scope: cst.CSTNode, bindings: Iterable[tuple[cst.CSTNode, str, int, bool]],
                 at_least_once: Callable[[cst.For], bool] | None = None,
                 cut: Callable[[Edge], bool] | None = None) -> None:
        gen: dict[cst.CSTNode, list[tuple[str, int, bool]]] = {}
        for node, name, number, update in bindings:
            gen.setdefault(node, []).append((name, number, update))
        self.solved = False
        self._before: dict[cst.CSTNode, State] = {}
        try:
            graph: CFG = build_cfg(scope, at_least_once)
        except TypeError:
            return
        count = sum(len(block.elements) for block in graph.blocks)
        if count > MAX_ELEMENTS:
            return
        lattice = _Lattice(gen, cut)
        solution = solve(graph, lattice, {})
        if solution.truncated:
            return
        for block in graph.blocks:
            for element, state in solution.states(block):
                # the first element of a node (a ``For``'s ``iter`` before its ``target``) is the
                # one its header expressions are evaluated at
                self._before.setdefault(element.node, state)
        self.solved = True

    def before(self, node: cst.CSTNode) -> State | None:
        """The state just before the element whose node is ``node``; None when no such element
        is reached (code after a ``return``) or the node is not an element."""
        return self._before.get(node)

    def has(self, node: cst.CSTNode) -> bool:
        return node in self._before
