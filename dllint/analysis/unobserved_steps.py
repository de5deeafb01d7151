"""Optimiser steps whose weights nothing observes (DL103, fourteenth audit DT).

A timing or memory benchmark builds a layer and an optimiser in a function, runs forward, backward
and ``step()`` a thousand times on constant inputs and prints the time it took
(``test_NSA(args, input_len)``). Whether the gradients are cleared changes the weights the steps
write, and nothing reads them: the layer and the optimiser are locals that die with the function,
and what the layer computes is only back-propagated. The missing ``zero_grad()`` has no effect.

:func:`unobserved_step` says so of ``opt.step()`` (no argument) in a function when all of these hold:

* ``opt`` is a local of the function (no parameter, no ``global``/``nonlocal``, no read in a nested
  scope), every binding of it a ``torch.optim`` constructor given ``m.parameters()``, and its only
  reads are ``opt.step()`` / ``opt.zero_grad()`` statements;
* each such ``m`` is a local too, every binding of it a fresh module (``nn.*``, a module class of the
  file, a torchvision / timm model; through ``.to(device)``-style moves) whose arguments name no
  model, and its only reads are that ``m.parameters()``, ``m.train()``/``m.eval()``/``m.to(...)``
  statements, and calls ``m(x)`` on tensors the code made
  (:func:`dllint.analysis.optimised_tensors.created_tensor`) whose value is only back-propagated
  (:meth:`dllint.analysis.backward_reach.BackwardReach.only_back_propagated`: combined on the way
  only with literals and made tensors, through torch functions and tensor methods);
* the function reads no ``.grad`` and the file asks nothing for gradients (no ``requires_grad``, no
  ``retain_grad``), so the backward passes fill no gradient but the layer's.

Not looked into: what a module class's own ``forward`` does besides computing (a print in it), and
what a tensor made in another project module asks for. An argument of the module's constructor that
the engine takes for a model (by its bindings, or by its name: ``d_model``) keeps the finding.
A model passed in (the caller may read it), a model saved, evaluated, returned or stored after the
loop, a loss printed or appended, keep the finding.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.backward_reach import BackwardReach
from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument
from dllint.analysis.models import Models
from dllint.analysis.optimised_tensors import created_tensor
from dllint.analysis.regions import is_optimizer_constructor
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext

# Methods of a module whose call as a statement reads none of its numbers.
_MODULE_STATEMENTS = frozenset({"train", "eval", "to", "cuda", "cpu", "float", "double", "half",
                                "zero_grad"})
_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train"})
_OPTIMISER_STATEMENTS = frozenset({"step", "zero_grad"})


def unobserved_step(ctx: "FileContext", step: cst.Call) -> bool:
    """``step`` (``opt.step()``) updates only the weights of a local module that nothing observes
    (see the module's docstring)."""
    func = step.func
    if step.args or not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    function = ctx.index.function_of(step)
    if function is None or _asks_for_gradients(ctx, function):
        return False
    reach = ctx.analysis(BackwardReach)
    optimiser = func.value.value
    constructors = _local_values(ctx, reach, function, optimiser)
    if not constructors:
        return False
    modules: set[str] = set()
    for value in constructors:
        if not isinstance(value, cst.Call) or any(a.star for a in value.args) \
                or not is_optimizer_constructor(ctx.imports.qualify(value.func) or ""):
            return False
        params = argument(value, 0, "params")
        if not (isinstance(params, cst.Call) and not params.args and isinstance(params.func, cst.Attribute)
                and params.func.attr.value == "parameters" and isinstance(params.func.value, cst.Name)):
            return False
        modules.add(params.func.value.value)
    reads = reach.scope_reads(function)[0]
    for read in reads.get(optimiser, ()):
        if not _statement_call(ctx, read, _OPTIMISER_STATEMENTS):
            return False
    return all(_unobserved_module(ctx, reach, function, name, constructors) for name in sorted(modules))


def _local_values(ctx: "FileContext", reach: BackwardReach, function: cst.FunctionDef,
                  name: str) -> list[cst.BaseExpression] | None:
    """Every value bound to ``name`` in ``function``, when it is a local of it that no nested scope
    reads and no statement declares global; None otherwise or when a binding is not followed."""
    params = function.params
    if any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
        return None
    if name in reach.scope_reads(function)[1]:
        return None
    entries = ctx.analysis(Bindings).values.get((function, name))
    if not entries or any(value is None for _, value in entries):
        return None
    return [value for _, value in entries]


def _unobserved_module(ctx: "FileContext", reach: BackwardReach, function: cst.FunctionDef, name: str,
                       constructors: list[cst.BaseExpression]) -> bool:
    values = _local_values(ctx, reach, function, name)
    if not values:
        return False
    models = ctx.analysis(Models)
    for value in values:
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in _MOVES:
            value = value.func.value
        if not isinstance(value, cst.Call) or models.constructor_kind(value) not in ("nn", "class", "known"):
            return False
        for arg in value.args:
            for node in iter_subtree(arg.value):
                if isinstance(node, (cst.Name, cst.Attribute)) and models.is_model(node, node):
                    return False  # ``Head(backbone)``: another model's weights inside
    given = [argument(c, 0, "params") for c in constructors]
    for read in reach.scope_reads(function)[0].get(name, ()):
        parent = ctx.index.parent(read)
        if isinstance(parent, cst.Attribute) and parent.value is read:
            holder = ctx.index.parent(parent)
            if any(holder is g for g in given) or _statement_call(ctx, read, _MODULE_STATEMENTS):
                continue
            return False
        if isinstance(parent, cst.Call) and parent.func is read:
            if not all(not a.star and created_tensor(ctx, a.value) for a in parent.args):
                return False
            if not reach.only_back_propagated(parent):
                return False
            continue
        return False
    return True


def _statement_call(ctx: "FileContext", read: cst.Name, methods: frozenset) -> bool:
    """``read.method(...)`` as a statement of its own, ``method`` one of ``methods``."""
    parent = ctx.index.parent(read)
    if not (isinstance(parent, cst.Attribute) and parent.value is read and parent.attr.value in methods):
        return False
    call = ctx.index.parent(parent)
    return isinstance(call, cst.Call) and call.func is parent and isinstance(ctx.index.parent(call), cst.Expr)


def _asks_for_gradients(ctx: "FileContext", function: cst.FunctionDef) -> bool:
    """``function`` reads a ``.grad``, or the file makes a tensor that requires gradients or keeps
    a non-leaf's (``requires_grad``, ``requires_grad_``, ``retain_grad``)."""
    for node in iter_subtree(function.body):
        if isinstance(node, cst.Attribute) and node.attr.value == "grad":
            return True
    for node in ctx.index.of_type(cst.Name):
        if node.value in ("requires_grad", "requires_grad_", "retain_grad", "Parameter", "Variable"):
            return True
    return False
