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
from typing import Callable, Iterator, NamedTuple

import libcst as cst

from dllint.analysis.unreachable import literal_truth


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
    def __init__(self, scope: cst.CSTNode, at_least_once: Callable[[cst.For], bool] | None) -> None:
        self.blocks: list[Block] = []
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
            truth = literal_truth(node.test)
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
            truth = literal_truth(node.test)
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
    then the state before the loop does not reach the code after it without passing the body."""
    if isinstance(scope, cst.Module):
        statements = list(scope.body)
    elif isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
        statements = _body(scope.body)
    else:
        raise TypeError(f"no control-flow graph for a {type(scope).__name__}")
    return _Builder(scope, at_least_once).build(statements)
