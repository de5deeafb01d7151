"""Training mode stated for a pass: an explicit ``.train()`` that a forward pass follows with no
training step between.

DL301 is about an evaluation that *forgot* ``.eval()``: a model built or trained, then run for its
outputs in the mode training left it in. A ``net.train()`` written in the same function just before
the pass, with nothing on the way that trains the model or changes its mode, is the author stating
the mode of that pass, not forgetting one: re-estimating batch-norm statistics
(``net.train()``, then ``with torch.no_grad(): net(z)`` in a loop, then ``net.eval()``: BigGAN's
standing statistics, eleventh audit CL), Monte Carlo dropout written without a repeated input. It is
the same fact as the engine's other deliberate training modes, one step wider: ``.train()`` under a
condition or inside a no-grad region (``CHOSEN_TRAIN`` in :mod:`dllint.analysis.modes`), repeated
sampling passes (:mod:`dllint.analysis.sampling_passes`).

:func:`stated_training` holds for a model call and its model key when, walking the function's
control-flow graph back from the call, every path meets a ``key.train()`` (or a ``.train()`` of a
parent key: children follow it) that undoes no ``.eval()`` (the model may not be in eval mode just
before it: ``net.eval(); export(net); net.train()`` restores training mode for the training to
come, and an evaluation after it forgot ``.eval()``), before any of:

- the start of the scope (the mode would be what the caller or the construction left);
- a training step: a backward pass, an optimizer step, a call of a function of the file or another
  project module that trains (:class:`~dllint.analysis.regions.Regions` training calls and
  functions): a ``.train()`` at the top of an epoch loop states the mode of the training steps, and
  the validation after them in the same loop forgot ``.eval()``;
- another mode switch of the model or of any model under the same root (``net.eval()``,
  ``net.encoder.train()``), a binding of the root name, a call handed the root (``fit(net)``), a
  method of the root (``net.load_state_dict(...)``, ``net.fit(x)``) outside a no-grad region (in
  one, nothing back-propagates: ``net(z, net.shared(y))`` computes values; a mode switch there is
  the mode analysis' to see), but not a forward pass (``net(z)``: it runs a module and changes no
  mode) nor ``net.apply(f)`` with an ``f`` that switches no mode (:func:`mode_neutral_apply`:
  ``net.apply(reset_bn)`` before re-estimating batch-norm statistics); for a root that is no
  parameter of the function (``self``, a global), also any call of a function of the file, which
  may switch it.

Never for a call over data named as held out (``for x in val_loader:``, ``[net(x) for x, _ in
test_loader]``, ``net(x_test)``): there each
pass is an evaluation, and a ``.train()`` before it is the bug (as ``CHOSEN_TRAIN`` excludes it).
The walk visits each block of the graph at most twice; results are cached per call and key.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.cfg import CFG, Block, Element, build_cfg
from dllint.analysis.imports import dotted_name
from dllint.analysis.name_reaching import names_in_target, statement_targets

if TYPE_CHECKING:
    from dllint.analysis.modes import Modes

_SKIP = (cst.Lambda, cst.FunctionDef, cst.ClassDef)


def stated_training(modes: "Modes", call: cst.Call, key: str) -> bool:
    """The model ``key``, run by the model call ``call``, is in training mode there only because
    an explicit ``.train()`` of the same scope put it so for this pass (see the module docstring)."""
    from dllint.analysis.evaluations import held_out_argument  # evaluations imports this module
    from dllint.analysis.modes import over_held_out_data

    cache = modes.stated_cache
    found = cache.get((call, key))
    if found is None:
        found = not (over_held_out_data(modes, call) or held_out_argument(call)
                     or _over_held_out_comprehension(modes, call)) and _walk(modes, call, key)
        cache[(call, key)] = found
    return found


def _over_held_out_comprehension(modes: "Modes", call: cst.Call) -> bool:
    """``[net(x) for x, _ in test_loader]``: a comprehension over a loader named as held out."""
    from dllint.analysis.modes import HELD_OUT_DATA, _iterated

    for ancestor in modes.index.ancestors(call):
        if isinstance(ancestor, _SKIP):
            return False
        if isinstance(ancestor, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            for_in: cst.CompFor | None = ancestor.for_in
            while for_in is not None:
                name = dotted_name(_iterated(for_in.iter))
                if name and HELD_OUT_DATA.search(name.rsplit(".", 1)[-1]):
                    return True
                for_in = for_in.inner_for_in
    return False


def _walk(modes: "Modes", call: cst.Call, key: str) -> bool:
    scope = modes.scope_of(call)
    graph = modes.stated_graphs.get(scope)
    if graph is None:
        graph = build_cfg(scope, at_least_once=modes.runs_at_least_once)
        modes.stated_graphs[scope] = graph
    start = _element_of(modes, graph, call)
    if start is None:
        return False
    block, position = start
    judge = _Judge(modes, scope, key)
    # the elements before the call in its own block, then each predecessor block from its end
    for element in reversed(block.elements[:position]):
        verdict = judge.element(element)
        if verdict is not None:
            return verdict
    seen: set[int] = set()
    stack: list[Block] = [edge.source for edge in block.preds]
    if block is graph.entry:
        return False
    while stack:
        current = stack.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        stopped = False
        for element in reversed(current.elements):
            verdict = judge.element(element)
            if verdict is False:
                return False
            if verdict is True:
                stopped = True
                break
        if stopped:
            continue
        if current is graph.entry:
            return False  # the mode the scope was entered or the model built with
        stack.extend(edge.source for edge in current.preds)
    return True


def _element_of(modes: "Modes", graph: CFG, call: cst.Call) -> tuple[Block, int] | None:
    """The block and index of the element of ``graph`` that evaluates ``call``."""
    nodes: set[cst.CSTNode] = set()
    for ancestor in modes.index.ancestors(call):
        nodes.add(ancestor)
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            break
    for block in graph.blocks:
        for position, (kind, node) in enumerate(block.elements):
            if kind in ("target", "exit", "def"):
                continue
            if node in nodes or node is call:
                return block, position
    return None


class _Judge:
    """What one element of the graph says on the walk back from the pass: True (the ``.train()``
    that states the mode), False (something that trains, switches, rebinds or may touch the
    model), None (nothing about it)."""

    def __init__(self, modes: "Modes", scope: cst.CSTNode, key: str) -> None:
        self.modes = modes
        self.key = key
        self.root = key.split(".", 1)[0]
        params = set(modes._param_names(scope)) if isinstance(scope, cst.FunctionDef) else set()
        self.local_root = self.root in params

    def element(self, element: Element) -> bool | None:
        kind, node = element
        if kind == "def":
            return None
        if kind == "target":
            return False if self.root in names_in_target(node.target) else None  # type: ignore[attr-defined]
        if kind == "exit":
            return None  # its ``enter`` (met on the same path) judges the context manager
        if kind == "stmt":
            if self._binds_root(node):
                return False
            return self._calls(node)
        if kind == "iter":
            return self._calls(node.iter)  # type: ignore[attr-defined]
        if kind == "enter":
            asname = node.asname  # type: ignore[attr-defined]
            if asname is not None and self.root in names_in_target(asname.name):
                return False
            return self._calls(node.item)  # type: ignore[attr-defined]
        if kind == "subject":
            return self._calls(node.subject)  # type: ignore[attr-defined]
        if kind == "test":
            return self._calls(node)
        if kind == "handler":
            handler_type = getattr(node, "type", None)  # the body's statements are elements of their own
            return self._calls(handler_type) if handler_type is not None else None
        if kind == "case":
            guard = getattr(node, "guard", None)
            return self._calls(guard) if guard is not None else None
        return False

    def _binds_root(self, node: cst.CSTNode) -> bool:
        return any(self.root in names_in_target(t) for t in statement_targets(node))

    def _calls(self, node: cst.CSTNode) -> bool | None:
        """The calls of ``node``, last first (the one that runs last is met first going back)."""
        calls = [n for n in _walk_calls(node)]
        for inner in reversed(calls):
            verdict = self._call(inner)
            if verdict is not None:
                return verdict
        return None

    def _call(self, call: cst.Call) -> bool | None:
        modes = self.modes
        regions = modes.regions
        switched = modes.switch(call)
        if switched is not None:
            switched_key, token = switched
            if switched_key.split(".", 1)[0] != self.root:
                return None
            from dllint.analysis.modes import TRAIN, is_eval_token
            if token == TRAIN and (switched_key == self.key or self.key.startswith(switched_key + ".")):
                # (under an ``if``, the path that skips it goes on to what is before); a
                # ``.train()`` that undoes an ``.eval()`` of the scope restores training mode for
                # the training to come: no mode stated for this pass
                return not any(is_eval_token(t) for t in modes.state_at(call, switched_key))
            return False
        if regions.is_backward_call(call) or regions.is_step_call(call) \
                or call in regions.training_calls or modes.is_external_step(call):
            return False
        target = regions.resolved(call)
        if target is not None and (target in regions.training_functions or not self.local_root):
            return False
        if modes.model_of_call(call) is not None:
            return None  # a forward pass (``net(z)``) changes no mode
        if self._hands_root(call):
            return False
        if self._on_root(call) and not modes.maybe_no_grad(call) and not mode_neutral_apply(modes, call):
            return False
        return None

    def _on_root(self, call: cst.Call) -> bool:
        """``call`` is a method of the root (``net.load_state_dict(...)``, ``net.shared(y)``)."""
        func = call.func
        while isinstance(func, (cst.Attribute, cst.Subscript, cst.Call)):
            func = func.value if not isinstance(func, cst.Call) else func.func
        return isinstance(func, cst.Name) and func.value == self.root and call.func is not func

    def _hands_root(self, call: cst.Call) -> bool:
        """``call`` is handed the root (``fit(net)``, ``f([net])``) among its arguments."""
        stack: list[cst.CSTNode] = [arg.value for arg in call.args]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name) and node.value == self.root:
                return True
            if isinstance(node, cst.Attribute):
                stack.append(node.value)
            elif not isinstance(node, _SKIP):
                stack.extend(node.children)
        return False

# How many functions one ``apply`` question follows (through the calls of the function applied).
_APPLY_BUDGET = 16


def mode_neutral_apply(modes: "Modes", call: cst.Call) -> bool:
    """``call`` is ``m.apply(f)`` with ``f`` a lambda or a plain function of this file or of a
    project module that switches no mode (fifteenth audit, EF): ``apply`` hands ``f`` every
    submodule and keeps nothing it returns, so the modes change only if ``f`` (or a function or
    method of the project it calls, followed) calls ``.train(...)``/``.eval()``, assigns a
    ``.training`` attribute or calls ``setattr``/``getattr``; nor may it back-propagate or step.
    SWAG's ``bn_update``: ``model.train(); model.apply(reset_bn)`` (zeroes the running
    statistics) still states the mode of the no-grad passes after it. A function that cannot be
    seen (a parameter, a library's) may switch modes: not neutral."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "apply" and len(call.args) == 1
            and not call.args[0].keyword and not call.args[0].star):
        return False
    budget = [_APPLY_BUDGET]
    return _neutral(modes.models, call.args[0].value, set(), budget)


def _neutral(models, applied: cst.BaseExpression, seen: set, budget: list[int]) -> bool:
    """The function ``applied`` names (or the lambda it is) switches no mode (see
    :func:`mode_neutral_apply`), read with ``models`` (of the module where it is written)."""
    if isinstance(applied, cst.Lambda):
        return _body_neutral(models, applied.body, seen, budget)
    if not isinstance(applied, cst.Name):
        return False
    from dllint.analysis.regions import Regions

    definitions = models.ctx.analysis(Regions).functions.get(applied.value)
    if definitions:
        found = [(models, function) for function in definitions]
    else:
        other = models._project_function(applied)
        if other is None:
            return False
        found = [other]
    return all(_function_neutral(owner, function, seen, budget) for owner, function in found)


def _function_neutral(models, function: cst.FunctionDef, seen: set, budget: list[int]) -> bool:
    if function in seen:
        return True  # already being judged (recursion): its other calls decide
    budget[0] -= 1
    if budget[0] < 0:
        return False
    seen.add(function)
    return _body_neutral(models, function.body, seen, budget)


def _body_neutral(models, body: cst.CSTNode, seen: set, budget: list[int]) -> bool:
    from dllint.analysis.regions import Regions

    regions = models.ctx.analysis(Regions)
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not body:
            continue  # defined, not run (a call of it is followed where it is made)
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            target = node.target
            if any(isinstance(n, cst.Attribute) and n.attr.value == "training" for n in _subtree(target)):
                return False  # ``module.training = True``
        if isinstance(node, cst.Call):
            called = node.func
            if isinstance(called, cst.Attribute) and called.attr.value in ("train", "eval"):
                return False
            if isinstance(called, cst.Name) and called.value in ("setattr", "exec", "eval", "getattr"):
                return False  # may set ``training`` (or call ``train``) by a computed name
            if regions.is_backward_call(node) or regions.is_step_call(node):
                return False
            target = regions.resolved(node)
            if target is not None and not _function_neutral(models, target, seen, budget):
                return False
            if target is None and isinstance(called, cst.Attribute):
                # ``module.freeze()`` on a submodule of unknown class: every method of that name in
                # the file's classes may be the one run
                name = called.attr.value
                if not all(_function_neutral(models, method, seen, budget)
                           for methods in regions._methods.values()
                           for method_name, method in methods.items() if method_name == name):
                    return False
            if target is None and isinstance(called, cst.Name) and not _library_or_builtin(models, called) \
                    and not _neutral(models, called, seen, budget):
                return False
        stack.extend(node.children)
    return True


def _library_or_builtin(models, name: cst.Name) -> bool:
    """A plain name called in an applied function that is no function of the project: a builtin
    (``isinstance``) or a library's import (``torch.zeros_like``): neither switches a mode."""
    import builtins

    from dllint.analysis.regions import Regions

    if name.value in models.ctx.analysis(Regions).functions:
        return False
    qualified = models.imports.qualify(name)
    if qualified is not None:
        return models._project_function(name) is None
    return hasattr(builtins, name.value)


def _subtree(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.children)
    return out


def _walk_calls(node: cst.CSTNode) -> list[cst.Call]:
    """The calls in ``node`` in post-order (arguments before the call that takes them), nested
    scopes left out."""
    out: list[cst.Call] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if done:
            out.append(current)  # type: ignore[arg-type]
            continue
        if isinstance(current, cst.Call):
            stack.append((current, True))
        for child in reversed(current.children):
            if not isinstance(child, _SKIP):
                stack.append((child, False))
    return out

