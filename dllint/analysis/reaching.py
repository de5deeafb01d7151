"""Reaching definitions on the control-flow graph: which assignments of a name may reach a use.

The graph-value analysis (:mod:`dllint.analysis.dataflow`) asks, at a use of ``loss`` or
``running``, which of the scope's assignments of that name may have produced the value there. This
module answers on the scope's :mod:`control-flow graph <dllint.analysis.cfg>`, solved by the
:mod:`worklist solver <dllint.analysis.solver>`: branches merge (an assignment in one branch only
reaches the join together with what reached the other branch), loops carry values around to a
fixpoint (``total += loss`` reaches itself through the back edge), a ``return``/``break`` cuts the
path, and ``try`` handlers see the state after each statement of the body.

The lattice is a map from a key (``loss``, ``self.history``) to the set of definitions that may
reach; join is the union key by key, a key missing from a state has no definition on that path.
Only keys assigned more than once in the scope are tracked: a key assigned once has that single
assignment or none, which source order answers (:meth:`ReachingDefinitions.tracked`); this keeps the
states small, and the solve linear in practice, on a module of thousands of statements. States are
shared between elements and copied only where an element assigns a tracked key.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import libcst as cst

from dllint.analysis.cfg import Element, build_cfg
from dllint.analysis.solver import PlainLattice, solve

if TYPE_CHECKING:
    from dllint.analysis.dataflow import Definition
    from dllint.index import NodeIndex

State = dict  # key -> frozenset of Definitions (never mutated once built)


def _element_key(element: Element) -> cst.CSTNode | None:
    """The node a use is looked up by: the ``for`` statement stands for its ``iter`` element (a use
    in its header is in the iterable), never for its ``target``."""
    if element.kind == "target":
        return None
    return element.node


# At most this many definitions of one key are kept at a point: the latest in source order. A
# module of a thousand loops that each assign ``loss`` would otherwise carry every earlier
# assignment past every loop (each loop may run zero times), and the states would grow with the
# file (quadratic time). The oldest assignments are the ones dropped: they are the least likely to
# be what a use reads.
MAX_DEFINITIONS = 8


class _Lattice(PlainLattice):
    def __init__(self, gens: dict[tuple[str, cst.CSTNode], list[tuple[str, frozenset]]],
                 order: dict) -> None:
        self.gens = gens
        self.order = order

    def join(self, a: State, b: State) -> State:
        if a is b:
            return a
        out = dict(a)
        for key, defs in b.items():
            old = out.get(key)
            if old is None:
                out[key] = defs
            elif old is not defs and not defs <= old:
                merged = old | defs
                if len(merged) > MAX_DEFINITIONS:
                    order = self.order
                    merged = frozenset(sorted(merged, key=lambda d: order[d.node])[-MAX_DEFINITIONS:])
                out[key] = merged
        return out

    def transfer(self, element: Element, state: State) -> State:
        gen = self.gens.get((element.kind, element.node))
        if not gen:
            return state
        new = dict(state)
        for key, defs in gen:
            new[key] = defs
        return new


class ReachingDefinitions:
    """The definitions of tracked keys that may reach each element of one scope."""

    def __init__(self, scope: cst.CSTNode, index: "NodeIndex",
                 definitions: dict[str, list["Definition"]]) -> None:
        self.index = index
        self.tracked = frozenset(key for key, defs in definitions.items() if len(defs) > 1)
        self.before: dict[cst.CSTNode, State] = {}
        self.truncated = False
        if not self.tracked:
            return
        graph = build_cfg(scope)
        gens: dict[tuple[str, cst.CSTNode], list[tuple[str, frozenset]]] = {}
        element_nodes: dict[cst.CSTNode, Element] = {}
        for _block, element in graph.elements():
            if element.kind != "target":
                element_nodes[element.node] = element
        for key in sorted(self.tracked):
            for definition in definitions[key]:
                for element in self._elements_of(definition, element_nodes):
                    gens.setdefault((element.kind, element.node), []).append((key, frozenset((definition,))))
        solution = solve(graph, _Lattice(gens, index.order), {})
        self.truncated = solution.truncated
        for block in graph.blocks:
            for element, state in solution.states(block):
                node = _element_key(element)
                if node is not None:
                    self.before[node] = state

    def _elements_of(self, definition: "Definition", element_nodes: dict) -> Iterable[Element]:
        node = definition.node
        if isinstance(node, cst.For):
            yield Element("target", node)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None and _binds(item.asname.name, definition.key):
                    yield Element("enter", item)
        elif node in element_nodes:
            yield element_nodes[node]
        else:  # a walrus, or a subscript store inside a statement: the element that holds it
            holder = self.element_of(node)
            if holder is not None and holder in element_nodes:
                yield element_nodes[holder]

    def element_of(self, use: cst.CSTNode) -> cst.CSTNode | None:
        """The node of the element that evaluates ``use`` (see :func:`_element_key`)."""
        index = self.index
        statement = index.statement_of(use)
        if isinstance(statement, cst.BaseSmallStatement):
            return statement
        if isinstance(statement, cst.For):
            return statement
        if isinstance(statement, (cst.If, cst.While)):
            return statement.test
        if isinstance(statement, cst.With):
            return index.enclosing(use, cst.WithItem)
        if isinstance(statement, cst.Match):
            case = index.enclosing(use, cst.MatchCase)
            if case is not None and case.guard is not None:
                return case.guard
            return case if case is not None else statement
        if isinstance(statement, (cst.Try, cst.TryStar)):
            return index.enclosing(use, cst.ExceptHandler)
        return None

    def at(self, key: str, use: cst.CSTNode) -> frozenset | None:
        """The definitions of ``key`` that may reach ``use``; None when ``key`` is not tracked or
        ``use`` is in no reachable element (then source order decides)."""
        if key not in self.tracked:
            return None
        element = self.element_of(use)
        state = self.before.get(element) if element is not None else None
        if state is None:
            return None
        return state.get(key, frozenset())


def _binds(target: cst.BaseExpression, key: str) -> bool:
    from dllint.analysis.dataflow import _targets

    return any(found == key for found, _ in _targets(target))
