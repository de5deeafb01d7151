"""Repeated stochastic passes: a model run again and again over the same input to draw samples.

``[net(x_test) for _ in range(100)]`` or ``for _ in range(T): preds.append(net(x))``: in eval mode
every pass of the same model over the same input computes the same output, so repeating it and
keeping every output is only meaningful because the passes differ, and what makes them differ is
training mode (Monte Carlo dropout: "resample the dropout mask at each forward pass"). Training mode
is the point of such a pass, not an oversight: DL301 does not take it as an evaluation.

A model call is a *sampling pass* (:func:`sampling_pass`) when:

- its innermost loop is a repetition: a ``for`` statement or a comprehension (one ``for``, no
  ``if``) over ``range(...)`` / ``trange(...)`` (under ``tqdm``/``enumerate`` too), not
  ``range(1)``;
- its input is the same at every pass: at least one argument, each a plain or dotted name
  (``x``, ``batch.x``; no call such as ``augment(x)``, no subscript by the counter) that the loop's
  variable is not part of and that the loop body does not rebind;
- nothing in the loop trains (no backward/step there, directly or through a helper: the model would
  change between the passes, as in an epoch loop that validates on a fixed ``x_val``);
- every pass's output is kept: the call is in a comprehension's element, or, in a ``for`` body, its
  statement appends or extends it (``preds.append(net(x))``), stores it by index
  (``preds[i] = net(x)``), adds it up (``total += net(x)``), or binds a name that such a statement of
  the loop body reads (``out = net(x)`` then ``preds.append(out.softmax(-1))``).

A timing loop (outputs dropped), test-time augmentation (``net(augment(x))``), an autoregressive or
generative loop (``x = net(x)``, ``z = torch.randn(...)`` inside the loop) are no sampling passes. Not
told apart: a model that samples in eval mode too (a VAE's reparameterisation) and also holds a batch
norm; its repeated passes are taken as sampling.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.name_reaching import names_in_target, walk_body

if TYPE_CHECKING:
    from dllint.analysis.modes import Modes

_REPEAT_ITERABLES = frozenset({"range", "trange"})
_ITERABLE_WRAPPERS = frozenset({"tqdm", "enumerate"})
_KEEPING_METHODS = frozenset({"append", "extend", "add", "put"})
_COMPREHENSIONS = (cst.ListComp, cst.GeneratorExp, cst.SetComp)


def sampling_pass(modes: "Modes", call: cst.Call) -> bool:
    """``call`` (a model call) is one of repeated passes over the same input whose outputs are all
    kept (see the module docstring)."""
    if not call.args:
        return False
    loop, element = _repetition(modes, call)
    if loop is None:
        return False
    counters = set(names_in_target(loop.target if isinstance(loop, cst.For) else loop.for_in.target))
    rebound = _bound_in(loop.body) if isinstance(loop, cst.For) else set()
    for arg in call.args:
        name = dotted_name(arg.value) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
        if name is None or arg.star:
            return False
        if name.split(".", 1)[0] in counters | rebound:
            return False
    if _trains_inside(modes, loop):
        return False
    if isinstance(loop, cst.For):
        return _kept_in_loop(modes, call, loop)
    return element


def _repetition(modes: "Modes", call: cst.Call) -> tuple[cst.For | cst.BaseComp | None, bool]:
    """The innermost loop that runs ``call`` at each of its iterations, when it repeats a count
    (``range``), with whether ``call`` is in a comprehension's element; (None, False) otherwise."""
    index = modes.index
    previous: cst.CSTNode = call
    for ancestor in index.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.While)):
            return None, False
        if isinstance(ancestor, cst.For):
            if previous is ancestor.body:
                return (ancestor, False) if _counts(ancestor.iter) else (None, False)
        elif isinstance(ancestor, _COMPREHENSIONS):
            if previous is ancestor.elt:
                for_in = ancestor.for_in
                if for_in.inner_for_in is None and not for_in.ifs and _counts(for_in.iter):
                    return ancestor, True
            return None, False
        previous = ancestor
    return None, False


def _counts(iterable: cst.BaseExpression) -> bool:
    """``range(T)``, ``trange(T)``, ``tqdm(range(T))``, ``enumerate(range(T))``."""
    while isinstance(iterable, cst.Call) and iterable.args \
            and (dotted_name(iterable.func) or "").rsplit(".", 1)[-1] in _ITERABLE_WRAPPERS:
        iterable = iterable.args[0].value
    if not (isinstance(iterable, cst.Call) and iterable.args
            and (dotted_name(iterable.func) or "").rsplit(".", 1)[-1] in _REPEAT_ITERABLES):
        return False
    only = iterable.args[0].value if len(iterable.args) == 1 else None
    return not (isinstance(only, cst.Integer) and int(only.value, 0) <= 1)  # ``range(1)``: one pass


def _bound_in(body: cst.CSTNode) -> set[str]:
    """The plain names a loop body binds (assignments, ``for``/``with`` targets, walrus)."""
    bound: set[str] = set()
    for node in walk_body(body):
        if isinstance(node, cst.AssignTarget):
            bound.update(names_in_target(node.target))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            bound.update(names_in_target(node.target))
        elif isinstance(node, cst.AsName):
            bound.update(names_in_target(node.name))
    return bound


def _trains_inside(modes: "Modes", loop: cst.CSTNode) -> bool:
    """A backward or optimizer step runs inside ``loop``, itself or through a helper."""
    if loop in modes.training_loops or loop in modes.step_loops:
        return True
    regions = modes.regions
    for node in walk_body(loop):
        if isinstance(node, cst.Call):
            if node in regions.training_calls:
                return True
            target = regions.resolved(node)
            if target is not None and target in regions.training_functions:
                return True
    return False


def _kept_in_loop(modes: "Modes", call: cst.Call, loop: cst.For) -> bool:
    """The output of ``call`` is kept by a statement of ``loop``'s body (appended, stored by
    index, added up), directly or through the name its own statement binds."""
    statement = _small_statement(modes, call)
    if statement is None:
        return False
    if _keeps(statement, call):
        return True
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0].target, cst.Name):
        name = statement.targets[0].target.value
        for node in walk_body(loop.body):
            if isinstance(node, cst.BaseSmallStatement) and node is not statement \
                    and _keeps(node, None, name):
                return True
    return False


def _small_statement(modes: "Modes", node: cst.CSTNode) -> cst.BaseSmallStatement | None:
    for ancestor in modes.index.ancestors(node):
        if isinstance(ancestor, cst.BaseSmallStatement):
            return ancestor
        if isinstance(ancestor, (cst.BaseCompoundStatement, cst.FunctionDef)):
            return None
    return None


def _keeps(statement: cst.BaseSmallStatement, call: cst.Call | None, name: str | None = None) -> bool:
    """``statement`` keeps a value: the node ``call``, or a read of ``name``."""
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
        kept = statement.value
        if not (isinstance(kept.func, cst.Attribute) and kept.func.attr.value in _KEEPING_METHODS):
            return False
        return any(_holds(arg.value, call, name) for arg in kept.args)
    if isinstance(statement, cst.AugAssign):
        return _holds(statement.value, call, name)
    if isinstance(statement, cst.Assign) and any(isinstance(t.target, cst.Subscript)
                                                 for t in statement.targets):
        return _holds(statement.value, call, name)
    return False


def _holds(expr: cst.BaseExpression, call: cst.Call | None, name: str | None) -> bool:
    """``expr`` contains the node ``call``, or reads the plain name ``name`` (not an attribute's)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if call is not None and node is call:
            return True
        if name is not None and isinstance(node, cst.Name) and node.value == name:
            return True
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif not isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            stack.extend(node.children)
    return False
