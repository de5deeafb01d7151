"""Reaching definitions over a scope's control-flow graph: which bindings of a name may hold at a point.

Source order ("the latest binding before this line") merges no branches and follows nothing around
loops: ``loader = test_loader`` in one branch of an ``if`` hides the other branch's binding, and a
value bound at the end of a loop body never reaches its top. Here bindings are transferred over
:func:`dllint.analysis.cfg.build_cfg`'s graph by the :func:`worklist solver
<dllint.analysis.solver.solve>`; two analyses ask it:

* the graph values (:mod:`dllint.analysis.dataflow`): which assignments of ``loss`` or
  ``running`` may have produced the value read here;
* the data roles (:mod:`dllint.analysis.data`): what ``loader`` may be bound to here, on a path
  that a function summarised for ``split="test"`` can take.

The lattice maps a key (``loss``, ``self.history``) to the set of bindings that may hold it; a
plain binding (``x = ...``, a ``for`` target, ``with ... as x``) replaces the key's set, an in-place
update (``x += ...``, ``x[i] = ...``) adds to it, and where paths meet the sets are joined key by
key (union: a may-analysis). A ``return``/``break`` cuts the path, ``try`` handlers see the state
after each statement of the body, and an edge a caller says cannot be taken carries nothing.

Every set is finite and only grows along a path through a loop, so the fixpoint is reached. A scope
whose solution is truncated (the solver's safety net) or that is too large is reported unsolved,
and the caller falls back to source order.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Mapping, Sequence

import libcst as cst

from dllint.analysis.cfg import CFG, Edge, Element, build_cfg
from dllint.analysis.solver import PlainLattice, solve

State = Mapping[str, frozenset]
# (element kind, element node) -> [(key, binding, update)]
Gen = Mapping[tuple[str, cst.CSTNode], Sequence[tuple[str, Hashable, bool]]]
# A scope with more elements than this is left to source order: joins copy the state per block.
MAX_ELEMENTS = 20_000
# Elements whose state is not the one a node's expressions are read in: a ``for`` target is bound
# after its ``iter`` is evaluated, a ``with`` item's exit runs after the body.
_NOT_READ_AT = frozenset({"target", "exit"})


def binding_element(node: cst.CSTNode) -> tuple[str, cst.CSTNode]:
    """The element that makes a binding held by ``node``: a ``for`` binds at its target, a
    ``with`` item at its entry, any other statement where it runs."""
    if isinstance(node, cst.For):
        return "target", node
    if isinstance(node, cst.WithItem):
        return "enter", node
    return "stmt", node


class _Lattice(PlainLattice[State]):
    def __init__(self, gen: Gen, cut: Callable[[Edge], bool] | None, cap: int | None,
                 rank: Callable[[Hashable], object] | None) -> None:
        self.gen = gen
        self.cut = cut
        self.cap = cap
        self.rank = rank

    def edge(self, edge: Edge, state: State) -> State | None:
        return None if self.cut is not None and self.cut(edge) else state

    def join(self, a: State, b: State) -> State:
        if a is b:
            return a
        out = dict(a)
        for key, found in b.items():
            mine = out.get(key)
            if mine is None:
                out[key] = found
            elif mine is not found and not found <= mine:
                merged = mine | found
                if self.cap is not None and len(merged) > self.cap:
                    merged = frozenset(sorted(merged, key=self.rank)[-self.cap:])
                out[key] = merged
        return out

    def transfer(self, element: Element, state: State) -> State | None:
        made = self.gen.get((element.kind, element.node))
        if not made:
            return state
        out = dict(state)
        for key, binding, update in made:
            out[key] = (out.get(key, frozenset()) | {binding}) if update else frozenset((binding,))
        return out


class ReachingDefinitions:
    """The bindings that may reach each element of one scope.

    ``gen`` maps an element (kind, node) to the ``(key, binding, update)`` it makes; ``binding``
    is any hashable the caller names its bindings by. ``cut(edge)`` says that a path cannot take an
    edge. ``cap`` keeps at most that many bindings of one key at a point, the greatest by ``rank``:
    a module of a thousand loops that each assign ``loss`` would otherwise carry every earlier
    assignment past every loop (each loop may run zero times), and the states would grow with the
    file (quadratic time)."""

    def __init__(self, scope: cst.CSTNode, gen: Gen,
                 at_least_once: Callable[[cst.For], bool] | None = None,
                 cut: Callable[[Edge], bool] | None = None,
                 cap: int | None = None, rank: Callable[[Hashable], object] | None = None) -> None:
        self.solved = False
        self._before: dict[cst.CSTNode, State] = {}
        try:
            graph: CFG = build_cfg(scope, at_least_once)
        except TypeError:
            return
        if sum(len(block.elements) for block in graph.blocks) > MAX_ELEMENTS:
            return
        solution = solve(graph, _Lattice(gen, cut, cap, rank), {})
        if solution.truncated:
            return
        for block in graph.blocks:
            for element, state in solution.states(block):
                if element.kind not in _NOT_READ_AT:
                    self._before.setdefault(element.node, state)
        self.solved = True

    def before(self, node: cst.CSTNode) -> State | None:
        """The state just before the element whose node is ``node``; None when no such element
        is reached (code after a ``return``) or the node is not an element."""
        return self._before.get(node)

    def has(self, node: cst.CSTNode) -> bool:
        return node in self._before


def gen_of(bindings: Iterable[tuple[tuple[str, cst.CSTNode], str, Hashable, bool]]) -> dict:
    """``gen`` for :class:`ReachingDefinitions` from ``(element, key, binding, update)`` rows."""
    gen: dict[tuple[str, cst.CSTNode], list[tuple[str, Hashable, bool]]] = {}
    for element, key, binding, update in bindings:
        gen.setdefault(element, []).append((key, binding, update))
    return gen
