"""The control-flow graph: which elements a path can reach, and in which order."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.cfg import CFG, build_cfg
from dllint.analysis.solver import PlainLattice, solve


class Paths(PlainLattice):
    """The set of statement texts seen on some path: a may-analysis over the graph."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module

    def join(self, a: frozenset, b: frozenset) -> frozenset:
        return a | b

    def transfer(self, element, state):
        if element.kind == "stmt":
            return state | {self.module.code_for_node(element.node).strip()}
        return state


class Last(PlainLattice):
    """The set of possible *last* statements on a path (what a must/may reaching fact looks like)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module

    def join(self, a, b):
        return a | b

    def transfer(self, element, state):
        if element.kind == "stmt":
            return frozenset({self.module.code_for_node(element.node).strip()})
        return state


def _solve(source: str, lattice_type=Last, scope_index: int | None = None):
    module = cst.parse_module(source)
    scope = module if scope_index is None else module.body[scope_index]
    graph = build_cfg(scope)
    return graph, solve(graph, lattice_type(module), frozenset())


def at_exit(source: str, **kw) -> set[str]:
    _, solution = _solve(source, **kw)
    return set(solution.exit_state or ())


def test_if_else_joins_both_branches():
    assert at_exit("if c:\n    a = 1\nelse:\n    a = 2\n") == {"a = 1", "a = 2"}


def test_if_without_else_keeps_the_path_around_it():
    assert at_exit("a = 0\nif c:\n    a = 1\n") == {"a = 0", "a = 1"}


def test_a_long_elif_chain_builds_without_recursion():
    source = "if x == 0:\n    a = 0\n" + "".join(f"elif x == {i}:\n    a = {i}\n" for i in range(1, 3000))
    graph, solution = _solve(source)
    assert len(solution.exit_state) == 3000
    assert len(graph.blocks) > 6000


def test_deep_nesting_is_iterative():
    depth = 90  # CPython refuses much more ("too many levels of indentation" at 100)
    source = "".join("    " * i + f"if c{i}:\n" for i in range(depth)) + "    " * depth + "a = 1\n"
    assert at_exit(source, lattice_type=Paths) >= {"a = 1"}


def test_return_ends_the_path():
    source = "def f():\n    a = 1\n    if c:\n        return a\n    b = 2\n"
    assert at_exit(source, scope_index=0) == {"return a", "b = 2"}


def test_raise_goes_to_the_raise_exit_not_the_exit():
    source = "def f():\n    a = 1\n    if c:\n        raise E\n    b = 2\n"
    graph, solution = _solve(source, scope_index=0)
    assert solution.exit_state == {"b = 2"}
    assert solution.raise_state == {"raise E"}


def test_for_loop_state_reaches_the_top_of_the_next_iteration_and_the_else():
    source = "a = 0\nfor x in xs:\n    b = 1\nelse:\n    c = 2\nd = 3\n"
    assert at_exit(source, lattice_type=Paths) == {"a = 0", "b = 1", "c = 2", "d = 3"}
    # the loop may run zero times: ``a = 0`` can be the last statement before the else
    module = cst.parse_module(source)
    graph = build_cfg(module)
    solution = solve(graph, Last(module), frozenset())
    else_block = next(b for b in graph.blocks for e in b.elements if e.kind == "stmt"
                      and module.code_for_node(e.node).strip() == "c = 2")
    assert solution.state_in(else_block) == {"a = 0", "b = 1"}


def test_break_skips_the_loop_else():
    source = "for x in xs:\n    if x:\n        a = 1\n        break\nelse:\n    b = 2\n"
    assert at_exit(source) == {"break", "b = 2"}


def test_continue_goes_back_to_the_loop_head():
    source = "while c:\n    a = 1\n    if d:\n        continue\n    b = 2\nz = 0\n"
    graph, solution = _solve(source, lattice_type=Paths)
    assert solution.exit_state == {"a = 1", "b = 2", "continue", "z = 0"}
    _, last = _solve(source)
    assert last.exit_state == {"z = 0"}


def test_while_true_leaves_only_by_break():
    source = "a = 0\nwhile True:\n    b = 1\n    if d:\n        break\n"
    assert at_exit(source) == {"break"}
    assert at_exit("while True:\n    a = 1\n") == set()  # never ends normally


def test_at_least_once_loop_skips_the_entry_state():
    module = cst.parse_module("a = 0\nfor i in range(3):\n    b = 1\n")
    graph = build_cfg(module, at_least_once=lambda loop: True)
    assert solve(graph, Last(module), frozenset()).exit_state == {"b = 1"}
    graph = build_cfg(module)
    assert solve(graph, Last(module), frozenset()).exit_state == {"a = 0", "b = 1"}


def test_try_handlers_see_the_state_after_each_statement_of_the_body():
    source = "try:\n    a = 1\n    b = 2\nexcept E:\n    h = 0\n"
    graph, solution = _solve(source)
    handler = next(b for b in graph.blocks if b.elements and b.elements[0].kind == "handler")
    assert set(solution.state_in(handler)) >= {"a = 1", "b = 2"}
    assert at_exit(source) == {"b = 2", "h = 0"}


def test_try_else_runs_only_without_exception():
    source = "try:\n    a = 1\nexcept E:\n    h = 0\nelse:\n    e = 1\n"
    assert at_exit(source) == {"e = 1", "h = 0"}


def test_finally_runs_on_every_way_out():
    source = ("def f():\n    try:\n        if c:\n            return 1\n        a = 1\n"
              "    finally:\n        z = 0\n    b = 2\n")
    graph, solution = _solve(source, scope_index=0)
    assert solution.exit_state == {"z = 0", "b = 2"}  # ``return 1`` passes through the finally
    graph, paths = _solve(source, lattice_type=Paths, scope_index=0)
    assert paths.exit_state >= {"return 1", "z = 0"}


def test_finally_in_a_loop_routes_break_and_continue():
    source = ("for x in xs:\n    try:\n        if c:\n            break\n        continue\n"
              "    finally:\n        z = 0\ny = 1\n")
    assert at_exit(source) == {"y = 1"}
    assert at_exit(source, lattice_type=Paths) >= {"break", "z = 0", "continue", "y = 1"}


def test_nested_finally_routes_through_both():
    source = ("def f():\n    try:\n        try:\n            return 1\n        finally:\n"
              "            a = 1\n    finally:\n        b = 2\n")
    assert at_exit(source, scope_index=0) == {"b = 2"}


def test_uncaught_exception_passes_the_finally_to_the_raise_exit():
    source = "def f():\n    try:\n        raise E\n    except KeyError:\n        h = 1\n    finally:\n        z = 0\n"
    _, solution = _solve(source, scope_index=0)
    assert solution.raise_state == {"z = 0"}


def test_with_exits_in_reverse_order_after_the_body():
    module = cst.parse_module("with a() as x, b() as y:\n    s = 1\n")
    graph = build_cfg(module)
    kinds = [(e.kind, module.code_for_node(e.node.item)) for b in graph.reachable() for e in b.elements
             if e.kind in ("enter", "exit")]
    assert kinds == [("enter", "a()"), ("enter", "b()"), ("exit", "b()"), ("exit", "a()")]


def test_async_for_and_with_are_loops_and_withs():
    source = ("async def f():\n    async with lock:\n        async for x in stream:\n"
              "            a = 1\n    b = 2\n")
    assert at_exit(source, scope_index=0, lattice_type=Paths) == {"a = 1", "b = 2"}


def test_match_cases_and_fall_through():
    source = "match v:\n    case 1:\n        a = 1\n    case [x] if x:\n        a = 2\nz = 0\n"
    assert at_exit(source, lattice_type=Paths) >= {"a = 1", "a = 2", "z = 0"}
    graph, solution = _solve("match v:\n    case 1:\n        a = 1\n    case _:\n        a = 2\n")
    assert solution.exit_state == {"a = 1", "a = 2"}  # ``case _`` is irrefutable
    _, partial = _solve("b = 0\nmatch v:\n    case 1:\n        a = 1\n")
    assert partial.exit_state == {"b = 0", "a = 1"}


def test_nested_functions_lambdas_and_comprehensions_stay_opaque():
    module = cst.parse_module("def f():\n    g = lambda: 1\n    def h():\n        z = 1\n    return [y for y in g()]\n")
    graph = build_cfg(module.body[0])
    kinds = [e.kind for _, e in graph.elements()]
    assert kinds == ["stmt", "def", "stmt"]
    inner = build_cfg(module.body[0].body.body[1])
    assert [e.kind for _, e in inner.elements()] == ["stmt"]


def test_every_statement_is_placed_once():
    source = ("for x in y:\n    try:\n        a = 1\n    except E:\n        b = 1\n    else:\n        c = 1\n"
              "    finally:\n        d = 1\n    while q:\n        with m:\n            e = 1\n")
    module = cst.parse_module(source)
    graph = build_cfg(module)
    stmts = [module.code_for_node(e.node).strip() for _, e in graph.elements() if e.kind == "stmt"]
    assert sorted(stmts) == ["a = 1", "b = 1", "c = 1", "d = 1", "e = 1"]


def test_a_class_body_and_a_wrong_scope():
    module = cst.parse_module("class A:\n    x = 1\n    def f(self):\n        pass\n")
    graph = build_cfg(module.body[0])
    assert [e.kind for _, e in graph.elements()] == ["stmt", "def"]
    with pytest.raises(TypeError):
        build_cfg(module.body[0].body.body[0])
    assert isinstance(graph, CFG)
