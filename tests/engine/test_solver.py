"""The forward solver: joins, fixpoints over loops, edge refinement, and its safety bound."""
from __future__ import annotations

import libcst as cst

from dllint.analysis.cfg import build_cfg
from dllint.analysis.solver import PlainLattice, solve


class Counter(PlainLattice):
    """``x = x + 1`` counts; a join keeps the larger count, capped: a lattice of finite height."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap

    def join(self, a, b):
        return max(a, b)

    def transfer(self, element, state):
        if element.kind == "stmt" and isinstance(element.node, cst.Assign):
            bumped = state + 1
            return bumped if self.cap is None else min(bumped, self.cap)
        return state


def test_loop_reaches_a_fixpoint():
    graph = build_cfg(cst.parse_module("while c:\n    x = x + 1\n"))
    solution = solve(graph, Counter(cap=5), 0)
    assert solution.exit_state == 5
    assert not solution.truncated


def test_an_infinite_ascending_chain_is_cut_and_said_so():
    graph = build_cfg(cst.parse_module("while c:\n    x = x + 1\n"))
    solution = solve(graph, Counter(cap=None), 0, max_visits=10)
    assert solution.truncated
    assert solution.exit_state is not None and solution.exit_state >= 9


class NotNone(PlainLattice):
    """Learns ``v is None`` on the false edge of ``if v is not None``."""

    def join(self, a, b):
        return a | b

    def transfer(self, element, state):
        return state

    def edge(self, edge, state):
        if edge.kind == "false" and edge.test is not None:
            return None  # this analysis says: the false branch never runs
        return state


def test_an_edge_can_cut_a_path():
    graph = build_cfg(cst.parse_module("if v is not None:\n    a = 1\nelse:\n    b = 2\n"))
    solution = solve(graph, NotNone(), frozenset({"x"}))
    else_block = graph.blocks[next(e.target.id for e in graph.entry.succs if e.kind == "false")]
    assert solution.state_in(else_block) is None
    assert solution.exit_state == {"x"}


def test_states_replays_a_block_element_by_element():
    module = cst.parse_module("x = 1\ny = 2\nz = 3\n")
    graph = build_cfg(module)
    solution = solve(graph, Counter(cap=None), 0)
    assert [state for _, state in solution.states(graph.entry)] == [0, 1, 2]
    assert solution.state_out(graph.entry) == 3


def test_unreachable_code_gets_no_state():
    module = cst.parse_module("def f():\n    return 1\n    x = 2\n")
    graph = build_cfg(module.body[0])
    solution = solve(graph, Counter(cap=None), 0)
    dead = [b for b in graph.blocks if any(e.kind == "stmt" and isinstance(e.node, cst.Assign)
                                           for e in b.elements)]
    assert len(dead) == 1 and solution.state_in(dead[0]) is None
