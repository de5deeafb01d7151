"""Control-flow graphs over libcst nodes: one per function body, class body or module body.

A graph is a list of basic blocks. A block holds *elements*, the smallest things a dataflow
analysis transfers over, in execution order; an element is a ``(kind, node)`` pair:

=============  ==========================================================================
kind           node
=============  ==========================================================================
``stmt``       a small statement (``Assign``, ``Expr``, ``AugAssign``, ``Return``, ``Raise``,
               ``Del``, ``Assert``, ``Import``, ...); ``return``/``raise`` also end the block
``test``       the test expression of an ``if``/``elif``/``while``, or a ``case`` guard
``iter``       a ``For`` (its iterable is evaluated, once, before the loop)
``target``     a ``For`` (its target is bound, at the top of each iteration)
``enter``      a ``WithItem`` (its context manager is entered, its ``as`` target bound)
``exit``       a ``WithItem`` (its context manager is left, in reverse order of entering)
``subject``    a ``Match`` (its subject is evaluated)
``case``       a ``MatchCase`` (its pattern is tried and binds its names)
``handler``    an ``ExceptHandler`` (its type is evaluated, its ``as`` name bound)
``def``        a nested ``FunctionDef`` or ``ClassDef``: decorators run, the name is bound;
               the body is a scope of its own (:func:`build_cfg` on it)
=============  ==========================================================================

Lambdas and comprehensions stay inside the expression that holds them: they are nested scopes
that run zero or more times within one element, and an analysis that cares looks into them there.

Edges carry what a path learns: ``true``/``false`` after a ``test`` (with the test expression),
``loop`` (into a loop body) / ``done`` (leaving a loop normally), ``raise`` (an exception
raised in a ``try`` body, towards its handlers), and ``jump`` for everything else.

Construction is iterative (an explicit stack, no recursion over nesting, so chained ``elif``s
and deep nesting that Python accepts are fine) and linear in the number of statements: each
statement, ``finally`` bodies included, is placed once. A ``finally`` body is shared by every
way out of its ``try``: after it, a path continues to each place the ``try`` was left for
(normal end, ``return``, ``break``, ``continue``, an uncaught exception), which merges those
paths there (sound for a forward may-analysis, not path-precise).

Statements in a ``try`` body end their block, so the handlers see the state after each of them.
``with`` bodies: the exits run on the normal path only (an exception, ``break`` or ``return``
out of a ``with`` skips the ``exit`` element; a limit noted in docs/engine.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections import OrderedDict
from typing import Callable, Iterator, Mapping, NamedTuple

import libcst as cst

from dllint.analysis.unreachable import literal_truth
# (also gives libcst's nodes their identity hash before any node keys a dict here)
from dllint.index import iter_subtree


class Element(NamedTuple):
    kind: str
    node: cst.CSTNode


@dataclass(eq=False)
class Edge:
    source: "Block"
    target: "Block"
    kind: str = "jump"  # jump, true, false, loop, done, raise
    test: cst.BaseExpression | None = None  # for true/false: the expression tested


@dataclass(eq=False)
class Block:
    id: int
    elements: list[Element] = field(default_factory=list)
    succs: list[Edge] = field(default_factory=list)
    preds: list[Edge] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Block({self.id}, {[e.kind for e in self.elements]})"


@dataclass(eq=False)
class CFG:
    scope: cst.CSTNode
    blocks: list[Block]
    entry: Block
    exit: Block  # normal end: fall-through or ``return``
    raise_exit: Block  # an exception leaves the scope
    # where each element sits: node -> (block, index) for statements and compound headers
    where: dict[cst.CSTNode, Block] = field(default_factory=dict)

    def reachable(self) -> list[Block]:
        """Blocks reachable from the entry, in reverse post-order (a good order for a forward
        solver: a block's predecessors come first except along back edges)."""
        seen: set[int] = {self.entry.id}
        order: list[Block] = []
        stack: list[tuple[Block, Iterator[Edge]]] = [(self.entry, iter(self.entry.succs))]
        while stack:
            block, edges = stack[-1]
            advanced = False
            for edge in edges:
                if edge.target.id not in seen:
                    seen.add(edge.target.id)
                    stack.append((edge.target, iter(edge.target.succs)))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                order.append(block)
        order.reverse()
        return order

    def elements(self) -> Iterator[tuple[Block, Element]]:
        for block in self.blocks:
            for element in block.elements:
                yield block, element


# -- construction ----------------------------------------------------------------------------------

class _Finally:
    """A ``finally`` body shared by the ways out of its ``try``: ``used`` collects the targets the
    paths through it continue to."""

    __slots__ = ("entry", "end", "used")

    def __init__(self, entry: Block) -> None:
        self.entry = entry
        self.end: Block | None = None
        self.used: list[tuple[str, object]] = []


@dataclass(frozen=True)
class _Context:
    """Where abrupt exits go from here. A target is a Block, or a _Finally to pass through first."""

    return_to: object
    raise_to: object
    break_to: object | None = None
    continue_to: object | None = None
    in_try: bool = False  # statements end their block (handlers see the state after each)


class _Builder:
    def __init__(self, scope: cst.CSTNode, at_least_once: Callable[[cst.For], bool] | None,
                 switched: Mapping[cst.CSTNode, bool] | None = None) -> None:
        self.blocks: list[Block] = []
        # the ``if``/``while`` statements a flag decides (:func:`switched_tests`), and what this
        # build saw that might be one: a test of a plain name, a name bound to a literal
        self.switched: Mapping[cst.CSTNode, bool] = switched or {}
        self.switch_tests: dict[cst.CSTNode, tuple[str, bool]] = {}
        self.literal_names: set[str] = set()
        self.where: dict[cst.CSTNode, Block] = {}
        self.at_least_once = at_least_once
        self.finallies: list[_Finally] = []
        self.entry = self.new()
        self.exit = self.new()
        self.raise_exit = self.new()
        self.scope = scope

    def new(self) -> Block:
        block = Block(len(self.blocks))
        self.blocks.append(block)
        return block

    @staticmethod
    def edge(source: Block, target: Block, kind: str = "jump",
             test: cst.BaseExpression | None = None) -> None:
        edge = Edge(source, target, kind, test)
        source.succs.append(edge)
        target.preds.append(edge)

    def jump(self, source: Block, target: object, kind: str = "jump") -> None:
        """An abrupt exit to ``target``, through a ``finally`` first where there is one."""
        if isinstance(target, _Finally):
            target.used.append((kind, source))
            self.edge(source, target.entry, "raise" if kind == "raise" else "jump")
        else:
            assert isinstance(target, Block)
            self.edge(source, target, kind)

    def truth(self, node: cst.If | cst.While) -> bool | None:
        """What always decides ``node``'s test: a literal, or a flag only literals reach."""
        truth = literal_truth(node.test)
        if truth is None:
            truth = self.switched.get(node)
            if truth is None:
                switch = switch_test(node.test)
                if switch is not None:
                    self.switch_tests[node] = switch
        return truth

    # A task places ``statements[start:]`` from ``block`` on and, if a path falls off the end,
    # continues to ``after`` (None: the scope's normal exit).
    def build(self, statements: list[cst.CSTNode]) -> CFG:
        context = _Context(return_to=self.exit, raise_to=self.raise_exit)
        stack: list[tuple[list[cst.CSTNode], int, Block, Block, _Context]] = [
            (statements, 0, self.entry, self.exit, context)]
        finally_routes: list[tuple[_Finally, _Context, Block]] = []
        while stack:
            statements, start, block, after, ctx = stack.pop()
            current: Block | None = block
            index = start
            while index < len(statements):
                statement = statements[index]
                index += 1
                if current is None:  # after a return/raise/break: placed, in a block no edge reaches
                    current = self.new()
                if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                    current = self.simple(statement, current, ctx)
                    continue
                if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    self.where[statement] = current
                    current.elements.append(Element("def", statement))
                    continue
                # a compound statement: its parts become tasks; the rest of this list continues
                # from a join block made now
                join = self.new()
                if index < len(statements):
                    stack.append((statements, index, join, after, ctx))
                else:
                    self.edge(join, after)
                self.compound(statement, current, join, ctx, stack, finally_routes)
                current = None
                break
            if current is not None:
                self.edge(current, after)
        # route each ``finally`` end to the places its paths were going, innermost first (an inner
        # one's route may pass through an outer ``finally``, which must then know it is used)
        for fin, ctx, after in reversed(finally_routes):
            if fin.end is None:
                continue
            kinds = {kind for kind, _ in fin.used}
            for kind in sorted(kinds):
                target = {"return": ctx.return_to, "raise": ctx.raise_to, "break": ctx.break_to,
                          "continue": ctx.continue_to}.get(kind)
                if target is not None:
                    self.jump(fin.end, target, kind)
        return CFG(self.scope, self.blocks, self.entry, self.exit, self.raise_exit, self.where)

    def simple(self, line: cst.CSTNode, current: Block, ctx: _Context) -> Block | None:
        self.where[line] = current
        for small in line.body:  # type: ignore[attr-defined]
            current.elements.append(Element("stmt", small))
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None \
                    and literal_truth(small.value) is not None:
                for target in _targets(small):
                    if isinstance(target, cst.Name):
                        self.literal_names.add(target.value)
            if isinstance(small, cst.Return):
                self.jump(current, ctx.return_to, "return")
                return None
            if isinstance(small, cst.Raise):
                self.jump(current, ctx.raise_to, "raise")
                return None
            if isinstance(small, cst.Break) and ctx.break_to is not None:
                self.jump(current, ctx.break_to, "break")
                return None
            if isinstance(small, cst.Continue) and ctx.continue_to is not None:
                self.jump(current, ctx.continue_to, "continue")
                return None
        if ctx.in_try:
            # an exception after this statement reaches the handlers with its effect
            self.jump(current, ctx.raise_to, "raise")
            following = self.new()
            self.edge(current, following)
            return following
        return current

    def compound(self, node: cst.CSTNode, current: Block, join: Block, ctx: _Context,
                 stack: list, finally_routes: list) -> None:
        self.where[node] = current
        if isinstance(node, cst.If):
            current.elements.append(Element("test", node.test))
            # a literal test (`if False:` switching code off) leaves the branch it never takes
            # without a way in: unreachable, as code after `while True:` without a break
            truth = self.truth(node)
            taken = (truth is not False, truth is not True)
            then = self.new()
            if taken[0]:
                self.edge(current, then, "true", node.test)
            stack.append((_body(node.body), 0, then, join, ctx))
            orelse = node.orelse
            if orelse is None:
                if taken[1]:
                    self.edge(current, join, "false", node.test)
            else:
                other = self.new()
                if taken[1]:
                    self.edge(current, other, "false", node.test)
                statements = [orelse] if isinstance(orelse, cst.If) else _body(orelse.body)
                stack.append((statements, 0, other, join, ctx))
        elif isinstance(node, (cst.For, cst.While)):
            self.loop(node, current, join, ctx, stack)
        elif isinstance(node, cst.With):
            for item in node.items:
                current.elements.append(Element("enter", item))
            body = self.new()
            self.edge(current, body)
            leave = self.new()
            for item in reversed(node.items):
                leave.elements.append(Element("exit", item))
            self.edge(leave, join)
            stack.append((_body(node.body), 0, body, leave, ctx))
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self.try_(node, current, join, ctx, stack, finally_routes)
        elif isinstance(node, cst.Match):
            current.elements.append(Element("subject", node))
            previous = current
            for case in node.cases:
                test = self.new()
                self.edge(previous, test, "false" if previous is not current else "jump")
                test.elements.append(Element("case", case))
                if case.guard is not None:
                    test.elements.append(Element("test", case.guard))
                body = self.new()
                self.edge(test, body, "true", case.guard)
                stack.append((_body(case.body), 0, body, join, ctx))
                previous = test
                if _irrefutable(case):
                    previous = None
                    break
            if previous is not None:
                self.edge(previous, join, "false")
        else:  # a statement libcst adds later: treat it as opaque
            current.elements.append(Element("stmt", node))
            self.edge(current, join)

    def loop(self, node: cst.For | cst.While, current: Block, join: Block, ctx: _Context,
             stack: list) -> None:
        head = self.new()
        body = self.new()
        leave = join
        if node.orelse is not None:
            leave = self.new()
            stack.append((_body(node.orelse.body), 0, leave, join, ctx))
        inner = _Context(ctx.return_to, ctx.raise_to, break_to=join, continue_to=head,
                         in_try=ctx.in_try)
        if isinstance(node, cst.For):
            current.elements.append(Element("iter", node))
            body.elements.append(Element("target", node))
            if self.at_least_once is not None and self.at_least_once(node):
                # ``for _ in range(5)``: the first iteration runs, the state before the loop does
                # not reach the code after it
                self.edge(current, body, "loop")
            else:
                self.edge(current, head)
            self.edge(head, body, "loop")
            self.edge(head, leave, "done")
        else:
            self.edge(current, head)
            head.elements.append(Element("test", node.test))
            truth = self.truth(node)
            if truth is not False:
                self.edge(head, body, "true", node.test)
            if truth is not True:
                self.edge(head, leave, "false", node.test)
        stack.append((_body(node.body), 0, body, head, inner))

    def try_(self, node: cst.Try | cst.TryStar, current: Block, join: Block, ctx: _Context,
             stack: list, finally_routes: list) -> None:
        outer = ctx
        fin: _Finally | None = None
        after = join
        if node.finalbody is not None:
            fin = _Finally(self.new())
            fin.end = self.new()
            self.finallies.append(fin)
            finally_routes.append((fin, ctx, join))
            stack.append((_body(node.finalbody.body), 0, fin.entry, fin.end, ctx))
            self.edge(fin.end, join)  # the normal way out
            after = fin.entry
            outer = _Context(return_to=fin, raise_to=fin,
                             break_to=fin if ctx.break_to is not None else None,
                             continue_to=fin if ctx.continue_to is not None else None,
                             in_try=ctx.in_try)
        dispatch = self.new()
        inside = _Context(outer.return_to, dispatch, outer.break_to, outer.continue_to, in_try=True)
        body = self.new()
        self.edge(current, body)
        self.edge(current, dispatch, "raise")  # raised before the body's first statement finished
        body_end = after
        if node.orelse is not None:
            body_end = self.new()
            stack.append((_body(node.orelse.body), 0, body_end, after, outer))
        caught_all = False
        for handler in node.handlers:
            entry = self.new()
            entry.elements.append(Element("handler", handler))
            self.edge(dispatch, entry, "raise")
            stack.append((_body(handler.body), 0, entry, after, outer))
            if handler.type is None or (isinstance(handler.type, cst.Name)
                                        and handler.type.value == "BaseException"):
                caught_all = True
        if not caught_all:
            self.jump(dispatch, outer.raise_to, "raise")
        stack.append((_body(node.body), 0, body, body_end, inside))


def _body(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    return [suite]  # SimpleStatementSuite: ``if x: a; b``


def _irrefutable(case: cst.MatchCase) -> bool:
    """``case _:`` or ``case name:`` without a guard always matches."""
    if case.guard is not None:
        return False
    pattern = case.pattern
    return isinstance(pattern, cst.MatchAs) and pattern.pattern is None


def build_cfg(scope: cst.CSTNode,
              at_least_once: Callable[[cst.For], bool] | None = None) -> CFG:
    """The control-flow graph of a ``Module``, ``FunctionDef`` or ``ClassDef`` body.

    ``at_least_once(loop)`` may say that a ``for`` loop runs its body at least once (``range(5)``):
    then the state before the loop does not reach the code after it without passing the body.
    A branch that a literal test, or a flag only literals reach (:func:`switched_tests`), never
    takes has no way in."""
    statements = _statements(scope)
    found = _SWITCHED.get(id(scope))
    if found is not None and found[0] is scope:
        _SWITCHED.move_to_end(id(scope))
        switched = found[1]
    else:
        builder = _Builder(scope, at_least_once)
        graph = builder.build(statements)
        switched = {}
        if any(name in builder.literal_names for name, _ in builder.switch_tests.values()):
            # decided on the graph without ``at_least_once``, the same for every caller
            plain, plain_graph = builder, graph
            if at_least_once is not None:
                plain = _Builder(scope, None)
                plain_graph = plain.build(statements)
            switched = _decide_switches(scope, plain_graph, plain)
        _SWITCHED[id(scope)] = (scope, switched)  # the scope is held: its id is not reused meanwhile
        if len(_SWITCHED) > _MAX_SWITCHED:
            _SWITCHED.popitem(last=False)
        if not switched:
            return graph
    return _Builder(scope, at_least_once, switched).build(statements)


def _statements(scope: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(scope, cst.Module):
        return list(scope.body)
    if isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
        return _body(scope.body)
    raise TypeError(f"no control-flow graph for a {type(scope).__name__}")


# -- switches: a flag that only literals reach ----------------------------------------------------
#
# Course files and scripts switch a section on and off with a name: ``flag = 0  # flag = 1`` just
# before ``if flag:`` (the fourteenth audit's cause DX, the family of ``if False:``). Where every
# binding of the name that reaches the test binds a literal of one truth, the test is decided as a
# literal one is. The bindings come from reaching definitions over the scope's graph built without
# any switch (more paths than the real ones: a decision there holds in every run), so a later
# ``flag = 1``, one in a loop body that comes back to the test, or one in only one branch of an
# earlier ``if`` keeps the test open. A name is a switch only where the graph sees every way it can
# be bound; anything else that may bind it leaves it open: see :func:`_bound_otherwise`.

_SWITCHED: "OrderedDict[int, tuple[cst.CSTNode, Mapping[cst.CSTNode, bool]]]" = OrderedDict()
_MAX_SWITCHED = 512
# Calls that may bind a module's names behind the graph's back (``globals()["flag"] = 1``).
_NAMESPACE_CALLS = frozenset({"globals", "vars", "locals", "exec", "eval"})


def switch_test(test: cst.BaseExpression) -> tuple[str, bool] | None:
    """``(name, negated)`` for a test of a plain name: ``flag``, ``not flag``, ``not not flag``."""
    negated = False
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        negated = not negated
        test = test.expression
    if isinstance(test, cst.Name) and test.value not in ("True", "False", "None"):
        return test.value, negated
    return None


def switched_tests(scope: cst.CSTNode) -> Mapping[cst.CSTNode, bool]:
    """The ``if``/``while`` statements of ``scope`` (a module or function body) whose test reads a
    name that only literals of one truth reach, each with the truth of its test."""
    found = _SWITCHED.get(id(scope))
    if found is None or found[0] is not scope:
        build_cfg(scope)
        found = _SWITCHED[id(scope)]
    return found[1]


def _targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        return [node.target]
    return []


def names_in_target(target: cst.CSTNode) -> Iterator[str]:
    """The plain names an assignment target binds (``a``, ``a, (b, *c)``)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from names_in_target(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from names_in_target(target.value)


def _decide_switches(scope: cst.CSTNode, graph: CFG, builder: _Builder) -> Mapping[cst.CSTNode, bool]:
    if not isinstance(scope, (cst.Module, cst.FunctionDef)):
        return {}  # a class body's names are read through the class as well
    tests = {node.test: (node, name, negated) for node, (name, negated) in builder.switch_tests.items()
             if name in builder.literal_names}
    if not tests:
        return {}
    names = {name for _, name, _ in tests.values()}
    # Solved first, vetted after: what else may bind a name (_bound_otherwise) is a walk of the
    # scope's whole tree, a module's too, while the tests of most scopes are decided for no name
    # (torch's sources: 77 of 78). The reaching definitions of one name do not depend on the
    # other names solved with it, so a solve that leaves none decided (and is not cut short)
    # says the same of any part of ``names``; otherwise the part left open is solved again.
    decided = _decided_tests(graph, tests, names)
    if decided is not None and not decided:
        return {}
    left = names - _bound_otherwise(scope, names)
    if left == names and decided is not None:
        return decided
    if not left:
        return {}
    return _decided_tests(graph, tests, left) or {}


def _decided_tests(graph: CFG, tests: dict[cst.CSTNode, tuple[cst.CSTNode, str, bool]],
                   names: set[str]) -> dict[cst.CSTNode, bool] | None:
    """The tests that the literal bindings of ``names`` reaching them decide, with their truth;
    None when the solve is cut short."""
    from dllint.analysis.reaching import _Lattice, gen_of
    from dllint.analysis.solver import solve

    rows = []
    for _, element in graph.elements():
        node = element.node
        bound: list[tuple[str, bool | None]] = []
        if element.kind == "stmt":
            for target in _targets(node):
                if isinstance(node, cst.AnnAssign) and node.value is None:
                    continue  # ``flag: bool`` binds nothing
                value = node.value if isinstance(node, (cst.Assign, cst.AnnAssign)) else None
                literal = literal_truth(value) if value is not None and isinstance(target, cst.Name) else None
                bound.extend((name, literal) for name in names_in_target(target))
        elif element.kind == "target" and isinstance(node, cst.For):
            bound.extend((name, None) for name in names_in_target(node.target))
        elif element.kind == "enter" and isinstance(node, cst.WithItem) and node.asname is not None:
            bound.extend((name, None) for name in names_in_target(node.asname.name))
        for name, literal in bound:
            if name in names:
                rows.append(((element.kind, node), name, (node, literal), False))
    solution = solve(graph, _Lattice(gen_of(rows), None, None, None), {})
    if solution.truncated:
        return None
    decided: dict[cst.CSTNode, bool] = {}
    for block in graph.blocks:
        for element, state in solution.states(block):
            found = tests.get(element.node) if element.kind == "test" else None
            if found is None or found[1] not in names:
                continue
            node, name, negated = found
            truths = {literal for _, literal in state.get(name, ())}
            # no binding reaches: the name is unbound there, and the test raises before a branch
            if len(truths) == 1 and None not in truths:
                decided[node] = truths.pop() != negated
    return decided


def _bound_otherwise(scope: cst.CSTNode, names: set[str]) -> set[str]:
    """Those of ``names`` that something the graph does not transfer may bind in ``scope``: a
    parameter, ``global``/``nonlocal`` (a call may rebind the name between binding and test), an
    import, ``except ... as``, ``:=``, ``del``, a ``def``/``class`` name, a ``match`` capture; in a
    module, a builtin or dunder name (bound before the first line), ``from m import *`` and the
    calls that reach the namespace itself (``globals()``, ``exec``). Nested scopes are searched too,
    which only leaves more names open."""
    import builtins

    module = isinstance(scope, cst.Module)
    out: set[str] = set()
    if module:
        out.update(n for n in names if n.startswith("__") or hasattr(builtins, n))
    else:
        params = scope.params  # type: ignore[attr-defined]
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            out.add(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                out.add(star.name.value)
    for node in iter_subtree(scope):
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            out.update(item.name.value for item in node.names)
        elif isinstance(node, cst.NamedExpr):
            out.update(names_in_target(node.target))
        elif isinstance(node, cst.Del):
            out.update(names_in_target(node.target))
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            if isinstance(node.names, cst.ImportStar):
                return set(names)
            for alias in node.names:
                if alias.asname is not None:
                    out.update(names_in_target(alias.asname.name))
                else:
                    head = alias.name
                    while isinstance(head, cst.Attribute):
                        head = head.value
                    if isinstance(head, cst.Name):
                        out.add(head.value)
        elif isinstance(node, cst.ExceptHandler):
            if node.name is not None:
                out.update(names_in_target(node.name.name))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not scope:
            out.add(node.name.value)
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)):
            if node.name is not None:
                out.add(node.name.value)
        elif isinstance(node, cst.MatchMapping):
            if node.rest is not None:
                out.add(node.rest.value)
        elif module and isinstance(node, cst.Call) and isinstance(node.func, cst.Name) \
                and node.func.value in _NAMESPACE_CALLS:
            return set(names)
    return out & names
