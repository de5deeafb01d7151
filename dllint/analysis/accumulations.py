"""Accumulations of values across iterations (``total += loss``, ``losses.append(loss)``,
``self.sum += val * n``) and what becomes of their accumulator: the facts behind DL101.

An accumulation is a statement that adds a value into a variable that already holds the earlier
ones: ``+=`` / ``-=``, ``total = total + x`` (also ``d[k] = d.get(k, 0) + x``),
``acc = torch.cat([acc, x])`` and ``xs.append(x)`` (:func:`accumulations`). Of each one,
:class:`Accumulations` says:

- whether the accumulator outlives a training step: the statement is inside a training loop or a
  loop over data (:func:`over_data`), and the accumulator was created outside that loop, and not
  in the body of an enclosing loop over batches (the chunks of one batch, re-created per batch);
  or it is a ``self.`` attribute of a method run once per step;
- whether its graph is wanted: the accumulator, or a name assigned from it, is back-propagated or
  differentiated by ``torch.autograd.grad`` (also through a loop or comprehension over it: the EWC
  Fisher estimate's ``[autograd.grad(l, ps) for l in lls]``), fed to a model, a training helper, ``scale`` or ``manual_backward``, or returned to a caller that
  back-propagates what it gets;
- whether the accumulated value only re-accumulates other accumulators (``hist.append(tl / n)``);
- whether it is read later as a tensor (``acc.item()``, ``torch.stack(acc)``), here or by a caller
  it is returned to;
- the methods that add one of their parameters into ``self.`` (an ``AverageMeter.update``), of this
  file or of a class imported from the project, and the calls in a step loop that pass them a graph
  tensor (:meth:`Accumulations.helper_accumulations`).

Whether a value is on the autograd graph comes from :class:`dllint.analysis.dataflow.GraphValues`,
loops, ``no_grad`` regions and callers from :class:`dllint.analysis.regions.Regions`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from dllint.analysis.calls import argument
from dllint.analysis.dataflow import GraphValues, _targets
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import project_imports
from dllint.analysis.regions import Regions
from dllint.context import FileContext
from dllint.index import iter_subtree

# The iterable of a loop over data, judged by the last part of its name: ``train_loader``,
# ``trainloader``, ``data_iter``, ``val_dl``, ``batches`` (not ``valid_lens_x_shards``).
DATA_ITERABLE = re.compile(r"loader|data|dataset|iter|batches|samples|examples|sampler|"
                           r"^dl$|^ds$|^train$|^test$|^val$|^valid$|^eval$", re.I)
# Methods Lightning calls once per step (it back-propagates the returned loss itself).
STEP_METHODS = frozenset({"training_step", "train_step", "training_step_end"})
# Functions that differentiate their first argument (``outputs``) without a ``.backward()``.
GRAD_FUNCTIONS = frozenset({"torch.autograd.grad"})
# A later use of the accumulator that needs it to stay a tensor (so ``.item()`` would break it).
# Methods that add their argument into the container they are called on.
_ADDING_METHODS = frozenset({"append", "extend", "insert"})
TENSOR_METHODS = frozenset({"item", "detach", "cpu", "cuda", "numpy", "to", "backward", "tolist",
                            "mean", "sum", "view", "size", "dim", "float", "data"})


# -- what is accumulated ------------------------------------------------------------------------
def accumulator_key(target: cst.BaseExpression) -> str | None:
    """The variable that holds the accumulation: ``stats`` for ``stats[k]``."""
    while isinstance(target, cst.Subscript):
        target = target.value
    return dotted_name(target)


def _same(ctx: FileContext, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """``a`` and ``b`` name the same variable (``total``, ``self.total``, ``stats[k]``)."""
    da, db = dotted_name(a), dotted_name(b)
    if da is not None or db is not None:
        return da == db
    if isinstance(a, cst.Subscript) and isinstance(b, cst.Subscript):
        return ctx.code_for(a).strip() == ctx.code_for(b).strip()
    return False


def _get_of(ctx: FileContext, expr: cst.BaseExpression, target: cst.BaseExpression) -> bool:
    """``expr`` reads the dict entry ``target`` with a default: ``d.get(k, 0)`` for ``d[k]``."""
    if not (isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get" and expr.args):
        return False
    index = target.slice[0].slice
    return isinstance(index, cst.Index) and dotted_name(target.value) is not None \
        and dotted_name(expr.func.value) == dotted_name(target.value) \
        and ctx.code_for(expr.args[0].value).strip() == ctx.code_for(index.value).strip()


def accumulations(ctx: FileContext) -> list[tuple[cst.CSTNode, str, cst.BaseExpression]]:
    """(statement, accumulator key, accumulated value) for each accumulation in the file: the
    ``+=`` / ``-=`` statements, then the ``a = a + x`` and ``a = torch.cat([a, x])`` assignments,
    then the ``a.append(x)`` calls."""
    found = []
    for node in ctx.index.of_type(cst.AugAssign):
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            key = accumulator_key(node.target)
            if key:
                found.append((node, key, node.value))
    for node in ctx.index.of_type(cst.Assign):
        if len(node.targets) != 1:
            continue
        key = accumulator_key(node.targets[0].target)
        if not key:
            continue
        value = node.value
        is_sum = isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract))
        is_cat = isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
            and value.func.attr.value == "cat"
        if not (is_sum or is_cat):
            continue  # most assignments: no code generation for them
        target = node.targets[0].target
        if is_sum:
            if _same(ctx, value.left, target) or _get_of(ctx, value.left, target):
                found.append((node, key, value.right))
            elif isinstance(value.operator, cst.Add) and _same(ctx, value.right, target):
                found.append((node, key, value.left))
        elif (ctx.imports.qualify(value.func) or "") == "torch.cat" \
                and value.args and isinstance(value.args[0].value, (cst.List, cst.Tuple)):
            elements = [e.value for e in value.args[0].value.elements]
            if len(elements) == 2 and _same(ctx, elements[0], target):
                found.append((node, key, elements[1]))
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "append" and len(call.args) == 1 \
                and call.args[0].keyword is None:
            key = accumulator_key(func.value)
            if key:
                found.append((call, key, call.args[0].value))
    return found


def over_data(iterable: cst.BaseExpression) -> bool:
    """A loop over this iterable runs over batches: ``loader``, ``enumerate(tqdm(train_loader))``,
    ``zip(loader_a, loader_b)``."""
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) \
            and iterable.func.value in ("enumerate", "tqdm", "zip", "iter", "islice"):
        return any(over_data(arg.value) for arg in iterable.args[:1]) \
            or iterable.func.value == "zip" and any(over_data(a.value) for a in iterable.args)
    if isinstance(iterable, cst.Call):
        dotted = dotted_name(iterable.func) or ""
        if dotted.endswith("tqdm"):
            return any(over_data(arg.value) for arg in iterable.args[:1])
        return False
    dotted = dotted_name(iterable)
    return dotted is not None and bool(DATA_ITERABLE.search(dotted.rsplit(".", 1)[-1].split("_")[-1]))


def mentioned(expr: cst.CSTNode) -> set[str]:
    """The dotted names an expression mentions (``a``, ``a.b`` and ``a.b.c`` for ``a.b.c``)."""
    names = set()
    for node in iter_subtree(expr):
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted_name(node)
            if name is not None:
                names.add(name)
    return names


def mentions(expr: cst.CSTNode, names: set[str]) -> bool:
    """``expr`` mentions one of the dotted ``names``."""
    for node in iter_subtree(expr):
        if isinstance(node, (cst.Name, cst.Attribute)) and dotted_name(node) in names:
            return True
    return False


@dataclass(frozen=True)
class HelperAccumulation:
    """A call in a step loop that passes a graph tensor to a method adding that argument into
    ``self.`` (``meter.update(loss)``)."""

    call: cst.Call
    accumulator: str  # the receiver of the call (``meter``), or the ``self.`` key when there is none
    value: cst.BaseExpression  # the graph tensor passed
    helper: str  # ``AverageMeter.update``
    key: str  # the attribute the helper accumulates into (``self.sum``)


class Accumulations:
    """The accumulations of one file and the fate of their accumulators (``ctx.analysis``)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.flow = ctx.analysis(GraphValues)
        self.regions = ctx.analysis(Regions)
        self.found = accumulations(ctx)
        # Per-scope facts, computed once: each accumulation asks about its whole scope, and a
        # notebook is one module scope with hundreds of training loops (quadratic otherwise).
        self._scope_uses: dict[cst.FunctionDef | None, _ScopeUses] = {}
        self._fresh: dict[tuple, tuple[list[int], list[int]]] = {}
        self._tensor_uses: dict[cst.FunctionDef | None, dict[str, int]] = {}
        self._caller_memo: dict[cst.CSTNode, bool] = {}
        self._buffers: dict[str, bool] = {}

    @classmethod
    def compute(cls, ctx: FileContext) -> "Accumulations":
        return cls(ctx)

    # -- does the accumulator outlive a training step? -------------------------------------------
    def step_loop(self, node: cst.CSTNode):
        """The innermost loop around ``node`` whose iterations are training steps or batches."""
        for loop in self.regions.loops_of(node):
            if self.regions.is_training_loop(loop):
                return loop
            if isinstance(loop, cst.For) and over_data(loop.iter):
                return loop
        return None

    def outlives_step(self, statement: cst.CSTNode, key: str) -> bool:
        """``key`` keeps what ``statement`` adds into it from one training step to the next."""
        ctx = self.ctx
        loop = self.step_loop(statement)
        if loop is None:
            # ``self.history.append(loss)`` in a method run once per step.
            if not key.startswith("self."):
                return False
            function = ctx.index.function_of(statement)
            return function is not None and (function.name.value in STEP_METHODS
                                             or self.regions.trains(function))
        fresh = self.fresh_definition(statement, key)
        if fresh is None:
            return True
        # Created inside the loop body: a new accumulator every step.
        around_fresh = set(ctx.index.ancestors(fresh.node))
        if loop in around_fresh:
            return False
        return not self._one_batch(statement, loop, around_fresh)

    def _one_batch(self, statement: cst.CSTNode, loop, around_fresh: set) -> bool:
        """``statement`` is in ``loop``, itself (through loops none of which runs over data)
        inside a loop over batches whose body re-creates the accumulator: ``for x, y in loader:
        outs = []; for chunk in x.chunk(k): outs.append(model(chunk)); ...`` keeps the sub-batches
        of one batch only (gradient accumulation over the chunks of one step), unless ``loop``
        steps an optimizer itself (then each of its iterations is a step)."""
        for outer in self.regions.loops_of(statement):
            if isinstance(outer, cst.For) and over_data(outer.iter):
                return outer is not loop and outer in around_fresh and not self._steps(loop)
            if outer in around_fresh:
                return False  # re-created by a loop that does not run over batches (epochs)
        return False

    def fresh_definition(self, statement: cst.CSTNode, key: str):
        """The latest assignment of ``key`` before ``statement`` that starts a new value (not an
        accumulation into it)."""
        scope = self.ctx.index.function_of(statement)
        order = self.ctx.index.order
        definitions = self.flow.definitions(scope, key)
        known = self._fresh.get((scope, key))
        if known is None or len(known[0]) != len(definitions):
            known = self._fresh[(scope, key)] = _fresh_table(definitions, order, key)
        orders, latest_fresh = known
        # The definitions before the statement, by bisection (a module of 1,000 loops
        # accumulating into one name has 1,000 definitions of it), then the latest fresh one.
        index = latest_fresh[bisect.bisect_left(orders, order[statement])]
        return definitions[index] if index >= 0 else None

    def _steps(self, loop) -> bool:
        """``loop`` steps an optimizer in its body: its iterations are training steps of their own
        (not the sub-batches of one step)."""
        return any(isinstance(node, cst.Call) and self.regions.is_step_call(node)
                   for node in iter_subtree(loop))

    def only_accumulators(self, value: cst.BaseExpression) -> bool:
        """Every graph operand of ``value`` is itself an accumulator that outlives a step
        (``hist.append(tl / n)`` after ``tl += loss``)."""
        flow = self.flow
        leaves = flow.graph_leaves(value)
        if not leaves:
            return False
        for leaf in leaves:
            key = dotted_name(leaf)
            definitions = flow.reaching_all(key, leaf) if key else []
            if not definitions:
                return False
            for definition in definitions:
                if not flow.graph_definition(definition):
                    continue
                value = definition.value
                accumulates = definition.kind in ("aug", "item") \
                    or isinstance(value, cst.BinaryOperation) and key in (dotted_name(value.left),
                                                                         dotted_name(value.right)) \
                    or isinstance(value, cst.Call) and (self.ctx.imports.qualify(value.func) or "") == "torch.cat" \
                    and mentions(value, {key})
                # ``tl += loss`` across the steps of a loop is an accumulator; ``loss += reg`` on
                # this step's fresh ``loss`` is not.
                if not accumulates or not self.outlives_step(definition.node, key):
                    return False
        return True

    # -- is the accumulated graph wanted? ---------------------------------------------------------
    def consumed(self, statement: cst.CSTNode, key: str) -> bool:
        """The accumulator (or a value derived from it) is back-propagated, fed to a model or to a
        training helper, or returned to a caller that back-propagates it."""
        if key.startswith("self."):
            klass = self.regions.enclosing_class(statement)
            scopes = [m for m in self.regions.methods(klass).values()] if klass is not None else []
        else:
            scopes = [self.ctx.index.function_of(statement)]
        if any(self._graph_use(scope, self.derived(scope, key)) for scope in scopes):
            return True
        return self._episode_buffer(statement, key)

    # -- a module-wide buffer consumed elsewhere: ``critic_net.saved_values`` ---------------------
    def _episode_buffer(self, statement: cst.CSTNode, key: str) -> bool:
        """``key`` is shared by the module's functions (a global list, or an attribute of a global
        object: ``critic_net.saved_values``, ``policy.rewards``), not local to the scope that adds
        to it, and another scope of the module back-propagates it (or a value derived from it)
        and clears it in the same function (``del policy.saved_log_probs[:]``, ``.clear()``): the
        REINFORCE idiom of pytorch/examples, where each step's log-probabilities or state values
        are kept on purpose until the end of the episode's update. A buffer back-propagated but
        never cleared still keeps every episode's graph; one never back-propagated, all of them."""
        if key.startswith(("self.", "cls.")):
            return False
        root = key.split(".", 1)[0]
        scope = self.ctx.index.function_of(statement)
        if scope is not None and not self._sees_global(scope, root):
            return False
        if not self.flow.definitions(None, root):
            return False  # bound at module level, or not a buffer the module's functions share
        known = self._buffers.get(key)
        if known is None:
            known = self._buffers[key] = any(
                self._sees_global(other, root) and self._clears(other, key)
                and self._graph_use(other, self.derived(other, key))
                for other in self._mentioning(key) if other is not scope)
        return known

    def _sees_global(self, function: cst.FunctionDef, root: str) -> bool:
        """In ``function`` (not nested in another function), ``root`` is the module's global:
        neither a parameter nor bound there, unless declared ``global``."""
        index = self.ctx.index
        if any(isinstance(a, (cst.FunctionDef, cst.Lambda)) for a in index.ancestors(function)):
            return False
        for node in iter_subtree(function.body):
            if isinstance(node, cst.Global) and any(n.name.value == root for n in node.names):
                return True
        params = function.params
        if any(p.name.value == root for p in (*params.posonly_params, *params.params,
                                              *params.kwonly_params)):
            return False
        if isinstance(params.star_arg, cst.Param) and params.star_arg.name.value == root \
                or params.star_kwarg is not None and params.star_kwarg.name.value == root:
            return False
        return not self.flow.definitions(function, root)

    def _mentioning(self, key: str) -> list[cst.FunctionDef]:
        """The functions of the module that mention ``key`` (``critic_net.saved_values``), in
        source order; found once per key."""
        found: list[cst.FunctionDef] = []
        kind = cst.Attribute if "." in key else cst.Name
        for node in self.ctx.index.of_type(kind):
            if dotted_name(node) == key:
                function = self.ctx.index.function_of(node)
                if function is not None and function not in found:
                    found.append(function)
        return found

    def _clears(self, function: cst.FunctionDef, key: str) -> bool:
        """``function`` empties ``key``: ``del key[:]``, ``key.clear()``, ``key[:] = []``, or binds
        it to a new empty list (``policy.saved_log_probs = []``)."""
        for node in iter_subtree(function.body):
            if isinstance(node, cst.Del):
                targets = [e.value for e in node.target.elements] \
                    if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
                if any(accumulator_key(t) == key for t in targets):
                    return True
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value == "clear" and not node.args \
                    and dotted_name(node.func.value) == key:
                return True
            elif isinstance(node, cst.Assign) and _empty_list(node.value) \
                    and any(accumulator_key(t.target) == key for t in node.targets):
                return True
        return False

    def derived(self, scope: cst.FunctionDef | None, key: str) -> set[str]:
        """``key`` and every name assigned from an expression mentioning it, in ``scope``."""
        readers = self._uses(scope).readers
        names = {key}
        todo = [key]
        while todo:
            for other in readers.get(todo.pop(), ()):
                if other not in names:
                    names.add(other)
                    todo.append(other)
        return names

    def _uses(self, scope: cst.FunctionDef | None) -> "_ScopeUses":
        uses = self._scope_uses.get(scope)
        if uses is None:
            uses = self._scope_uses[scope] = _ScopeUses.build(self, scope)
        return uses

    def _graph_use(self, scope: cst.FunctionDef | None, names: set[str]) -> bool:
        uses = self._uses(scope)
        if not names.isdisjoint(uses.backpropagated) or not names.isdisjoint(uses.trained_on):
            return True
        if scope is not None and not names.isdisjoint(uses.returned):
            backpropagates = self._caller_memo.get(scope)
            if backpropagates is None:
                backpropagates = self._caller_memo[scope] = self._caller_backpropagates(scope)
            return backpropagates
        return False

    def _caller_backpropagates(self, function: cst.FunctionDef) -> bool:
        ctx = self.ctx
        for call in self.regions.callers(function):
            parent = ctx.index.parent(call)
            if isinstance(parent, cst.Attribute) and parent.attr.value == "backward":
                return True
            assign = ctx.index.enclosing(call, cst.Assign)
            if assign is None:
                continue
            caller = ctx.index.function_of(call)
            keys = {key for t in assign.targets for key, _ in _targets(t.target)}
            names = set()
            for key in keys:
                names |= self.derived(caller, key)
            for other in self.calls_in(caller):
                if self.regions.is_backward_call(other):
                    receiver = other.func.value if isinstance(other.func, cst.Attribute) else None
                    if receiver is not None and mentions(receiver, names):
                        return True
        return False

    def calls_in(self, scope: cst.FunctionDef | None) -> list[cst.Call]:
        """The calls of ``scope`` (of the module body, outside functions, for None)."""
        uses = self._scope_uses.get(scope)
        if uses is not None:
            return uses.calls
        if scope is None:
            return [c for c in self.ctx.index.of_type(cst.Call) if self.ctx.index.function_of(c) is None]
        return [n for n in iter_subtree(scope.body) if isinstance(n, cst.Call)]

    # -- is the accumulator read as a tensor later? -----------------------------------------------
    def used_as_tensor_later(self, statement: cst.CSTNode, key: str) -> bool:
        """A later use reads the accumulator as a tensor (``acc.item()``, ``torch.stack(acc)``)."""
        scope = self.ctx.index.function_of(statement)
        last = self._tensor_uses.get(scope)
        if last is None:
            last = self._tensor_uses[scope] = _last_tensor_uses(self.ctx, scope)
        return last.get(key, -1) > self.ctx.index.order[statement]

    def kept_as_tensor(self, statement: cst.CSTNode, key: str) -> bool:
        """The accumulator is read as a tensor after ``statement``, or it is returned and a caller
        reads the returned value as a tensor (so a Python float in it would break that read)."""
        ctx = self.ctx
        if self.used_as_tensor_later(statement, key):
            return True
        function = ctx.index.function_of(statement)
        if function is None or not any(ret.value is not None and mentions(ret.value, {key})
                                       for ret in self.flow.returns_of(function)):
            return False
        kept = False
        for call in self.regions.callers(function):
            assign = ctx.index.enclosing(call, cst.Assign)
            if assign is None:
                continue
            for target in assign.targets:
                for name, _ in _targets(target.target):
                    if self.used_as_tensor_later(assign, name):
                        kept = True
        return kept

    # -- accumulation inside a helper: ``meter.update(loss, n)`` with ``self.sum += val * n`` -----
    def self_accumulations(self) -> dict[cst.FunctionDef, list[tuple[int, cst.CSTNode, str]]]:
        """The methods of this file that accumulate one of their parameters into ``self.``:
        function -> (index of the parameter, the statement, the ``self.`` key)."""
        found: dict[cst.FunctionDef, list[tuple[int, cst.CSTNode, str]]] = {}
        for statement, key, value in self.found:
            if not key.startswith("self."):
                continue
            function = self.ctx.index.function_of(statement)
            if function is None or function.name.value == "forward":
                continue
            for index in self.flow.accumulated_parameters(function, statement, value):
                found.setdefault(function, []).append((index, statement, key))
        return found

    def helper_accumulations(self) -> Iterator[HelperAccumulation]:
        """The calls in a step loop, outside ``no_grad``, that pass a graph tensor to a method
        accumulating that argument into ``self.`` (of this file, or of a class imported from the
        project), where the accumulating object is not made anew each step and the graph it keeps
        is not wanted; the first such argument of each call."""
        ctx, flow, regions = self.ctx, self.flow, self.regions
        helpers = self.self_accumulations()
        imported = project_imports(ctx) is not None
        if not helpers and not imported:
            return
        for call in ctx.index.of_type(cst.Call):
            positional = [a for a in call.args if a.keyword is None and not a.star]
            if not positional or regions.no_grad(call):
                continue
            target = regions.resolved(call)
            other = flow
            if target is not None and target in helpers:
                accumulated = helpers[target]
            elif target is None and imported and self.step_loop(call) is not None \
                    and any(flow.is_graph(a.value) for a in positional):
                # ``meter.update(loss)`` with the meter's class imported from another module.
                external = flow.external(call)
                if external is None:
                    continue
                other, target, _klass = external
                accumulated = other.parameter_accumulations(target)
            else:
                continue
            offset = 1 if other.regions.class_of(target) is not None and isinstance(call.func, cst.Attribute) else 0
            for index, statement, key in accumulated:
                position = index - offset
                if not 0 <= position < len(positional):
                    continue
                value = positional[position].value
                if not flow.is_graph(value) or other.regions.no_grad(statement):
                    continue
                loop = self.step_loop(call)
                if loop is None:
                    continue
                receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
                owner = dotted_name(receiver) if receiver is not None else None
                if owner and owner != "self":
                    fresh = self.fresh_definition(call, owner)
                    if fresh is not None and any(a is loop for a in ctx.index.ancestors(fresh.node)):
                        continue  # a new accumulator object every step
                if other is flow and self.consumed(statement, key):
                    continue
                helper = target.name.value
                klass = other.regions.class_of(target)
                if klass is not None:
                    helper = f"{klass.name.value}.{helper}"
                yield HelperAccumulation(call, owner or key, value, helper, key)
                break


def _empty_list(value: cst.BaseExpression) -> bool:
    """``[]`` or ``list()``."""
    if isinstance(value, cst.List):
        return not value.elements
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Name) \
        and value.func.value == "list" and not value.args


def _fresh_table(definitions, order, key: str) -> tuple[list[int], list[int]]:
    """The definitions' orders (sorted) and, for each prefix ``definitions[:i]``, the index of its
    last definition that starts a new value (-1 if none): ``total = total + x`` and ``total += x``
    accumulate, they do not start anything."""
    ranked = sorted(range(len(definitions)), key=lambda i: order[definitions[i].node])
    orders = [order[definitions[i].node] for i in ranked]
    latest_fresh = [-1]
    for i in ranked:
        definition = definitions[i]
        fresh = definition.kind not in ("aug", "item") and not (definition.value is not None and any(
            dotted_name(n) == key for n in iter_subtree(definition.value)
            if isinstance(n, (cst.Name, cst.Attribute))))
        latest_fresh.append(i if fresh else latest_fresh[-1])
    return orders, latest_fresh


@dataclass
class _ScopeUses:
    """What is asked of a scope's names, for every accumulator at once."""

    calls: list
    readers: dict[str, set[str]]  # name -> the names assigned from an expression mentioning it,
    # or holding one added into them (``value_losses.append(F.mse_loss(value, r))``)
    backpropagated: set[str]  # names a backward() or autograd.grad() call differentiates (its
    # receiver or arguments; the outputs of autograd.grad; the iterables their loop variables
    # come from)
    trained_on: set[str]  # names passed to a model, a training helper, scale or manual_backward
    returned: set[str]  # names mentioned by a return statement of the scope

    @classmethod
    def build(cls, facts: Accumulations, scope: cst.FunctionDef | None) -> "_ScopeUses":
        flow, regions = facts.flow, facts.regions
        calls = facts.calls_in(scope)
        readers: dict[str, set[str]] = {}
        for other, definitions in flow.scope_definitions(scope).items():
            for definition in definitions:
                if definition.value is not None:
                    for name in mentioned(definition.value):
                        readers.setdefault(name, set()).add(other)
        backpropagated: set[str] = set()
        trained_on: set[str] = set()
        for call in calls:
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in _ADDING_METHODS and call.args:
                # a list that receives a value computed from a name holds it: the losses built
                # from an episode's saved values, appended, then stacked and back-propagated
                holder = dotted_name(func.value)
                if holder is not None:
                    for arg in call.args:
                        for name in mentioned(arg.value):
                            if name != holder:
                                readers.setdefault(name, set()).add(holder)
            if regions.is_backward_call(call):
                differentiated: set[str] = set()
                if isinstance(func, cst.Attribute):
                    differentiated |= mentioned(func.value)
                for arg in call.args:
                    differentiated |= mentioned(arg.value)
                backpropagated |= differentiated | _iterated_into(facts.ctx, call, differentiated)
                continue
            if (facts.ctx.imports.qualify(func) or "") in GRAD_FUNCTIONS:
                # ``autograd.grad(l, params)``: the outputs are differentiated (not the inputs)
                outputs = argument(call, 0, "outputs")
                if outputs is not None:
                    differentiated = mentioned(outputs)
                    backpropagated |= differentiated | _iterated_into(facts.ctx, call, differentiated)
                continue
            if not call.args:
                continue
            target = regions.resolved(call)
            if (target is not None and regions.trains(target)) \
                    or (isinstance(func, (cst.Name, cst.Attribute)) and flow.is_model(func)) \
                    or (isinstance(func, cst.Attribute) and func.attr.value in ("scale", "manual_backward")):
                for arg in call.args:
                    trained_on |= mentioned(arg.value)
        returned: set[str] = set()
        if scope is not None:
            for ret in flow.returns_of(scope):
                if ret.value is not None:
                    returned |= mentioned(ret.value)
        return cls(calls, readers, backpropagated, trained_on, returned)


def _iterated_into(ctx: FileContext, call: cst.Call, names: set[str]) -> set[str]:
    """The names mentioned by the iterables of the loops and comprehensions around ``call`` whose
    targets are among ``names``: ``[autograd.grad(l, ps) for l in lls]`` differentiates what
    ``lls`` holds."""
    found: set[str] = set()
    for ancestor in ctx.index.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            break
        fors: list = []
        if isinstance(ancestor, cst.For):
            fors = [ancestor]
        elif isinstance(ancestor, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            comp = ancestor.for_in
            while comp is not None:
                fors.append(comp)
                comp = comp.inner_for_in
        for loop in fors:
            if not names.isdisjoint(mentioned(loop.target)):
                found |= mentioned(loop.iter)
    return found


def _last_tensor_uses(ctx: FileContext, scope: cst.FunctionDef | None) -> dict[str, int]:
    """For each name, the order of the last node that reads it as a tensor (``acc.item()``,
    ``torch.stack(acc)``) in ``scope`` (the whole file for the module scope)."""
    nodes = iter_subtree(scope.body) if scope is not None else ctx.index.of_type(cst.Attribute, cst.Call)
    order = ctx.index.order
    last: dict[str, int] = {}
    for node in nodes:
        names: list = []
        if isinstance(node, cst.Attribute) and node.attr.value in TENSOR_METHODS:
            names = [dotted_name(node.value)]
        elif isinstance(node, cst.Call) and (ctx.imports.qualify(node.func) or "").startswith("torch."):
            names = [dotted_name(arg.value) for arg in node.args]
        for name in names:
            if name is not None:
                last[name] = max(last.get(name, -1), order[node])
    return last
