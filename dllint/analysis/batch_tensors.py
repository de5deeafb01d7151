"""Which tensors hold a batch (their first dimension is the batch), and ``squeeze()`` calls without
a dimension: the facts behind DL202.

A batch tensor: the input of a module's ``forward``; the values a ``for`` loop takes from a data
loader (``Shapes.loader_target``) and items of such a batch container (``x, y = batch``,
``batch["image"]``, ``batch[0]`` where the scope also reads ``batch[1]``); the ``batch`` parameter
of a ``*_step`` function (Lightning, ignite); what those become through shape-keeping calls,
element-wise arithmetic, slicing that keeps the first dimension, and calls of a model on them; and
a tensor whose known first dimension (``dllint.analysis.shapes``) is a batch or is named like a
batch size. Names are followed in statement order within each scope (:class:`BatchTensors`).

A full batch: a batch only through the batches of a ``DataLoader(..., drop_last=True)`` whose size
is never below 2 (:func:`full_batches`), which never has one row.
"""
from __future__ import annotations

import bisect

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.calls import keyword
from dllint.analysis.models import Models
from dllint.analysis.settings import SUPPLIED, setting_values
from dllint.analysis.shapes import _LOOP_WRAPPERS, SAME_SHAPE, Shapes, dataloader_batches, is_batch_dim
from dllint.context import FileContext

_BATCH_DIMS = frozenset({"b", "B", "bs", "bsz", "batch", "batch_size", "batchsize", "n_batch",
                         "nbatch", "batch_sz"})
# Callees that are not models: a batch passed to them does not give a batch back.
_NOT_MODELS = frozenset({
    "len", "print", "float", "int", "str", "list", "tuple", "dict", "set", "sum", "max", "min",
    "abs", "round", "sorted", "zip", "enumerate", "range", "isinstance", "type", "repr", "iter",
    "next", "map", "filter", "any", "all", "id", "hash", "getattr", "hasattr", "setattr", "vars",
    "criterion", "loss_fn", "loss_func", "lossfn", "accuracy", "compute_loss", "loss",
})
_CONVERSIONS_OUT = frozenset({"numpy", "tolist", "item"})
_DISPLAY = frozenset({"imshow", "imsave", "plot", "scatter", "hist", "show", "print",
                      "save_image", "make_grid", "add_image", "add_images", "matshow"})


# -- squeeze() calls -----------------------------------------------------------------------------
def bare_squeeze_subject(ctx: FileContext, call: cst.Call) -> cst.BaseExpression | None:
    """What ``call`` squeezes when it is a torch ``squeeze()`` without a dimension
    (``x.squeeze()``, ``x.squeeze_()``, ``torch.squeeze(x)``); None for anything else, numpy's
    ``np.squeeze`` included."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("squeeze", "squeeze_"):
        qualified = ctx.imports.qualify(func)
        if qualified is None:  # x.squeeze(), x.squeeze_(): a method
            return func.value if not call.args else None
        # torch.squeeze(x); np.squeeze(a) is numpy's and out of scope.
        bare = qualified == "torch.squeeze" and len(call.args) == 1 \
            and call.args[0].keyword is None and not call.args[0].star
        return call.args[0].value if bare else None
    if isinstance(func, cst.Name):
        bare = ctx.imports.qualify(func) == "torch.squeeze" and len(call.args) == 1 \
            and call.args[0].keyword is None and not call.args[0].star
        return call.args[0].value if bare else None
    return None


def converted_for_display(ctx: FileContext, call: cst.Call) -> bool:
    """``x.squeeze().numpy()``, ``plt.imshow(x.squeeze())``: squeezed to be shown, where
    dropping every singleton is what the author wants."""
    index = ctx.index
    node: cst.CSTNode = call
    for _ in range(4):
        parent = index.parent(node)
        if isinstance(parent, cst.Arg):
            outer = index.parent(parent)
            func = outer.func if isinstance(outer, cst.Call) else None
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else None)
            return last in _DISPLAY
        if not isinstance(parent, cst.Attribute) or parent.value is not node:
            return False
        if parent.attr.value in _CONVERSIONS_OUT:
            return True
        call2 = index.parent(parent)
        if not isinstance(call2, cst.Call):
            return False
        node = call2
    return False


# -- loaders whose batches are all full ---------------------------------------------------------
def full_batches(ctx: FileContext, call: cst.Call) -> bool:
    """A ``DataLoader(..., batch_size=n, drop_last=True)`` call: every batch it gives has ``n``
    rows (a data set of fewer than ``n`` items gives none), so no batch of one comes at the end of
    an epoch. ``n`` must batch (not ``None``, no ``batch_sampler``) and may not be 1 on any path
    the file shows (:func:`dllint.analysis.settings.setting_values`): a literal or name of 2 or
    more, or a size supplied from outside the file (``args.batch_size``), the same for every batch;
    anything computed (``min(64, len(ds))``) is not known and does not count."""
    qualified = ctx.imports.qualify(call.func) if isinstance(call.func, (cst.Name, cst.Attribute)) \
        else None
    if not dataloader_batches(call, qualified):
        return False
    drop = keyword(call, "drop_last")
    if drop is None or not (isinstance(drop.value, cst.Name) and drop.value.value == "True") \
            or keyword(call, "batch_sampler") is not None:
        return False
    size = keyword(call, "batch_size")
    if size is None:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if len(positional) < 2:
            return False
        value = positional[1]
    else:
        value = size.value
    outcomes = setting_values(ctx, value)
    return bool(outcomes) and all(
        outcome == SUPPLIED if isinstance(outcome, str) else outcome >= 2 for outcome in outcomes)


# -- batch tensors -------------------------------------------------------------------------------
class BatchTensors:
    """Whether an expression of one file holds a batch. Each scope's batch names are computed once,
    on first request, in statement order."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._shapes = ctx.analysis(Shapes)
        self._batch_by_scope: dict[cst.CSTNode | None, tuple[list[int], list[tuple[cst.CSTNode | None, set[str]]]]] = {}
        self._containers: set[str] = set()  # loop targets that may hold (x, y) or {"x": ...}
        self._container_cache: dict[tuple[str, cst.CSTNode | None], bool] = {}
        # Per scope, after each event: the batch names that come only from loaders of full batches.
        self._full_by_scope: dict[cst.CSTNode | None, list[frozenset[str]]] = {}
        self._full_loader_names: dict[object, bool] | None = None

    def is_batch(self, expr: cst.BaseExpression) -> bool:
        """``expr``'s first dimension is the batch, where it stands."""
        shape = self._shapes.shape_of(expr)
        if shape is not None:
            return shape.rank > 0 and (shape.dims[0] in _BATCH_DIMS or is_batch_dim(shape.dims[0]))
        scope = self._ctx.index.function_of(expr)
        return self._batch_expr(expr, self._names_at(scope, expr))

    def is_full_batch(self, expr: cst.BaseExpression) -> bool:
        """``expr`` is a batch only through the batches of loaders whose batches are all full
        (:func:`full_batches`): ``model(x)`` for ``x`` of ``DataLoader(ds, 128, drop_last=True)``.
        Its first dimension is never 1 by the end of an epoch."""
        scope = self._ctx.index.function_of(expr)
        k = self._event_at(scope, expr)
        if k < 0:
            return False
        names = self._batch_by_scope[scope][1][k][1]
        full = self._full_by_scope[scope][k]
        return bool(full) and self._batch_expr(expr, names) and not self._batch_expr(expr, names - full)

    def _names_at(self, scope: cst.CSTNode | None, expr: cst.CSTNode) -> set[str]:
        """The batch names where ``expr`` stands (statement order; the statement itself excluded)."""
        k = self._event_at(scope, expr)
        return self._batch_by_scope[scope][1][k][1] if k >= 0 else set()

    def _event_at(self, scope: cst.CSTNode | None, expr: cst.CSTNode) -> int:
        """The index of the last event of ``scope`` before ``expr``'s statement (-1: none)."""
        history = self._batch_names(scope)
        index = self._ctx.index
        here = index.order[expr]
        statement = index.statement_of(expr)
        k = bisect.bisect_left(history[0], here) - 1
        while k >= 0 and history[1][k][0] is statement:
            k -= 1
        return k

    def _full_loader(self, iterable: cst.BaseExpression) -> bool:
        """The ``for`` loop's iterable is a loader of full batches: ``DataLoader(...)`` itself
        (through ``enumerate``/``tqdm``), or a name every binding of which in the file is one."""
        for _ in range(8):
            if not isinstance(iterable, cst.Call) or not iterable.args:
                break
            if full_batches(self._ctx, iterable):
                return True
            last = (dotted_name(iterable.func) or "").rsplit(".", 1)[-1]
            if last not in _LOOP_WRAPPERS:
                return False
            iterable = iterable.args[0].value
        name = dotted_name(iterable)
        if name is None:
            return False
        if self._full_loader_names is None:
            # (scope, name) and (None-free) name -> every binding there is a loader of full batches
            self._full_loader_names = {}
            for assign in self._ctx.index.of_type(cst.Assign):
                full = isinstance(assign.value, cst.Call) and full_batches(self._ctx, assign.value)
                scope = self._ctx.index.function_of(assign)
                for t in assign.targets:
                    bound = dotted_name(t.target)
                    if bound is not None:
                        for key in ((scope, bound), bound):
                            self._full_loader_names[key] = self._full_loader_names.get(key, True) and full
        # a local name bound in the loop's own scope is one of those bindings; else any in the file
        local = (self._ctx.index.function_of(iterable), name)
        if isinstance(iterable, cst.Name) and local in self._full_loader_names:
            return self._full_loader_names[local]
        return self._full_loader_names.get(name, False)

    def _batch_expr(self, expr: cst.BaseExpression, names: set[str], depth: int = 0) -> bool:
        if depth > 12:
            return False
        if isinstance(expr, cst.Name):
            return expr.value in names
        if isinstance(expr, cst.BinaryOperation):
            return self._batch_expr(expr.left, names, depth + 1) or \
                self._batch_expr(expr.right, names, depth + 1)
        if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
            return self._batch_expr(expr.left, names, depth + 1)
        if isinstance(expr, cst.UnaryOperation):
            return self._batch_expr(expr.expression, names, depth + 1)
        if isinstance(expr, cst.Subscript):
            first = expr.slice[0].slice if expr.slice else None
            if isinstance(first, cst.Slice) and first.lower is None and first.upper is None:
                return self._batch_expr(expr.value, names, depth + 1)
            if isinstance(first, cst.Index) and isinstance(first.value, cst.Ellipsis):
                return self._batch_expr(expr.value, names, depth + 1)
            # batch[0], batch["x"]: an item of a loader's batch container.
            if isinstance(expr.value, cst.Name) and expr.value.value in names and \
                    expr.value.value in self._containers and len(expr.slice) == 1 and \
                    isinstance(first, cst.Index) and isinstance(
                        first.value, (cst.Integer, cst.SimpleString)):
                return self._is_container(expr.value.value, self._ctx.index.function_of(expr))
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            positional = [a.value for a in expr.args if a.keyword is None and not a.star]
            qualified = self._ctx.imports.qualify(func) \
                if isinstance(func, (cst.Name, cst.Attribute)) else None
            if qualified is not None:
                short = qualified.rsplit(".", 1)[-1]
                return qualified.startswith("torch.") and short in SAME_SHAPE and \
                    bool(positional) and self._batch_expr(positional[0], names, depth + 1)
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method in SAME_SHAPE and method not in _CONVERSIONS_OUT:
                    if self._batch_expr(func.value, names, depth + 1):
                        return True
                # self.model(x), self.net.encoder(x): a model call.
                if isinstance(func.value, cst.Name) and func.value.value == "self" or \
                        isinstance(func.value, cst.Attribute):
                    return bool(positional) and self._is_model_call(expr, positional, names, depth)
                return False
            if isinstance(func, cst.Name):
                return self._is_model_call(expr, positional, names, depth)
        return False

    def _is_container(self, name: str, scope: cst.CSTNode | None) -> bool:
        """A loop target is a (x, y) or {"x": ...} container, not a tensor, when the scope reads
        a string key or a second item from it: ``batch[0]`` alone could be the first sample."""
        key = (name, scope)
        found = self._container_cache.get(key)
        if found is None:
            found = False
            for sub in self._ctx.index.of_type(cst.Subscript):
                if not (isinstance(sub.value, cst.Name) and sub.value.value == name
                        and len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index)):
                    continue
                value = sub.slice[0].slice.value
                if (isinstance(value, cst.SimpleString) or (
                        isinstance(value, cst.Integer) and value.value != "0")) \
                        and self._ctx.index.function_of(sub) is scope:
                    found = True
                    break
            self._container_cache[key] = found
        return found

    def _is_model_call(self, call: cst.Call, positional: list[cst.BaseExpression], names: set[str],
                       depth: int) -> bool:
        callee = dotted_name(call.func) or ""
        last = callee.rsplit(".", 1)[-1]
        if last in _NOT_MODELS or "loss" in last.lower() or last[:1].isupper():
            return False
        return bool(positional) and self._batch_expr(positional[0], names, depth + 1)

    def _batch_names(self, scope: cst.CSTNode | None
                     ) -> tuple[list[int], list[tuple[cst.CSTNode | None, set[str]]]]:
        """(orders, [(event, names after it)]) for the loops and assignments of a scope."""
        found = self._batch_by_scope.get(scope)
        if found is not None:
            return found
        names: set[str] = set()
        # training_step(self, batch, batch_idx) (Lightning), train_step(engine, batch) (ignite):
        # the framework passes a loader's batch.
        if isinstance(scope, cst.FunctionDef) and scope.name.value.endswith("_step") and \
                any(p.name.value == "batch" for p in scope.params.params):
            names.add("batch")
            self._containers.add("batch")
        # forward(self, x) of an nn.Module: x is what the model is called on, a batch.
        if isinstance(scope, cst.FunctionDef) and scope.name.value == "forward" \
                and len(scope.params.params) > 1 and scope.params.params[0].name.value == "self" \
                and self._ctx.analysis(Models).enclosing_module_class(scope) is not None:
            names.add(scope.params.params[1].name.value)
        orders: list[int] = [-1]
        history: list[tuple[cst.CSTNode | None, set[str]]] = [(None, names)]
        full: frozenset[str] = frozenset()
        fulls: list[frozenset[str]] = [full]
        # Loop targets over loaders, then assignments from batch expressions, in source order.
        events: list[cst.CSTNode] = []
        for node in self._ctx.index.of_type(cst.For, cst.Assign):
            if self._ctx.index.function_of(node) is scope:
                events.append(node)
        for node in events:
            if isinstance(node, cst.For):
                target = self._shapes.loader_target(node.iter, node.target)
                if target is None:
                    continue
                names = set(names)
                if isinstance(target, cst.Name):
                    names.add(target.value)
                    self._containers.add(target.value)
                else:
                    names.update(_names_in(target))
                bound = frozenset(_names_in(target))
                full = full | bound if self._full_loader(node.iter) else full - bound
                orders.append(self._ctx.index.order[node])
                history.append((node, names))
                fulls.append(full)
                continue
            value = node.value
            batch = self._batch_expr(value, names)
            # a batch made only of full batches is one: model(x) for x of a drop_last loader
            value_full = batch and bool(full) and not self._batch_expr(value, names - full)
            assigned = frozenset(n for t in node.targets for n in _names_in(t.target))
            full = full | assigned if value_full else full - assigned
            names = set(names)
            for t in node.targets:
                target = t.target
                if isinstance(target, cst.Name):
                    if batch:
                        names.add(target.value)
                    else:
                        names.discard(target.value)
                elif isinstance(target, (cst.Tuple, cst.List)):
                    elements = [e.value for e in target.elements]
                    if isinstance(value, cst.Name) and value.value in self._containers \
                            and value.value in names:
                        names.update(_names_in(target))  # x, y = batch
                    elif isinstance(value, (cst.Tuple, cst.List)) and \
                            len(value.elements) == len(elements):
                        for e, v in zip(elements, value.elements):
                            if isinstance(e, cst.Name):
                                if self._batch_expr(v.value, names):
                                    names.add(e.value)
                                else:
                                    names.discard(e.value)
                    else:
                        for n in _names_in(target):
                            names.discard(n)
            orders.append(self._ctx.index.order[node])
            history.append((node, names))
            fulls.append(full & names)
            full = fulls[-1]
        self._full_by_scope[scope] = fulls
        self._batch_by_scope[scope] = (orders, history)
        return orders, history


def _names_in(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for e in target.elements:
            out.extend(_names_in(e.value))
        return out
    return []
