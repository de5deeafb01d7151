"""Modules built in eval mode: a wrapper whose ``__init__`` puts the submodules that matter in eval mode.

``self.model = torch.jit.load(path).eval()`` (or a helper method that returns a module after
``.eval()``) in the ``__init__`` of an ``nn.Module`` whose ``forward`` runs ``self.model``: a fresh
wrapper is in training mode, but its own flag changes nothing, and the layers it runs are in eval mode
until someone calls ``.train()`` on the wrapper or on the submodule (``nn.Module.train`` sets every
child). Evaluating it under ``no_grad`` without ``.eval()`` is then no evaluation in training mode:
the same fact as a model fresh from ``from_pretrained``, one level down (eleventh audit CN: tqch's
``VGGFeatureExtractor``, family of N, BK and CC).

A class of the file is *built in eval mode* (:func:`class_built_in_eval`) when:

- running its ``__init__`` (the mode analysis, through the methods it calls and the helpers that
  return a module: :meth:`dllint.analysis.modes.Modes.run`) leaves at least one attribute
  ``self.x`` in eval mode on every path;
- what is left once those submodules are taken out computes the same in both modes: the class's
  mode dependence (:meth:`dllint.analysis.models.Models.dependence_without`) without the calls that
  build them (the value of ``self.x = ...``, a method of the class called only there) or act on
  them in ``__init__`` (``self.x.eval()``, ``self.x.parameters()``) is ``no``;
- nothing in the class can put them back in training mode: no ``train``/``eval`` method of its
  own, no mode switch outside ``__init__`` and the methods it calls, no other binding of those
  attributes.

A model evaluated is *in eval mode as built* (:func:`built_in_eval`) when every binding of its name
constructs such a class (moved, cast, wrapped: ``Extractor().to(device)``,
``nn.DataParallel(Extractor())``) and no ``.train()`` of the file names it, a part of its dotted
name or one of those attributes (``extractor.train()``, ``extractor.model.train()``). A class of
another module is not judged (a limit).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.models import NO_DEPENDENCE, ModuleClass, _init_methods, unwrap_module
from dllint.analysis.name_reaching import walk_body

if TYPE_CHECKING:
    from dllint.analysis.modes import Modes


def built_in_eval(modes: "Modes", expr: cst.BaseExpression, at: cst.CSTNode, key: str) -> bool:
    """The model ``expr`` (known as ``key``) evaluated at ``at`` runs its layers in eval mode as
    built, and nothing in the file switches it back (see the module docstring)."""
    from dllint.analysis.modes import train_calls_named

    models = modes.models
    values = models.definition_values(expr, at)
    if not values:
        return False
    names: set[str] = set()
    for value in values:
        value = unwrap_module(value, modes.imports)
        if not isinstance(value, cst.Call):
            return False
        klass = models.module_class(value.func)
        if klass is None:
            return False
        attributes = class_built_in_eval(modes, klass)
        if not attributes:
            return False
        names |= attributes
    names.update(part for part in key.split(".") if part != "self")
    return not any(train_calls_named(modes, name) for name in sorted(names))


def class_built_in_eval(modes: "Modes", klass: ModuleClass) -> frozenset[str]:
    """The attributes that ``klass``'s ``__init__`` leaves in eval mode, when the class is built in
    eval mode (see the module docstring); empty otherwise. Cached per class."""
    cache = modes.eval_built_cache
    found = cache.get(klass.node)
    if found is None:
        cache[klass.node] = frozenset()  # recursion guard (a class whose __init__ builds itself)
        found = _attributes(modes, klass)
        cache[klass.node] = found
    return found


def _attributes(modes: "Modes", klass: ModuleClass) -> frozenset[str]:
    from dllint.analysis.modes import is_eval_token, mode_call

    node = klass.node
    methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
    init = methods.get("__init__")
    if init is None or "train" in methods or "eval" in methods:
        return frozenset()
    models = modes.models
    if models.class_dependence(klass).value == NO_DEPENDENCE:
        return frozenset()  # mode-free whatever its mode: nothing to add
    run = modes.run(init)
    if run.truncated:
        return frozenset()
    evaluated = frozenset(
        key[5:] for key, tokens in run.exit.items()
        if key.startswith("self.") and key.count(".") == 1 and tokens and all(is_eval_token(t) for t in tokens))
    if not evaluated:
        return frozenset()
    building = _init_methods(node)
    skip: set[cst.CSTNode] = set()
    own_calls = _own_call_counts(node)
    for method in methods.values():
        for inner in walk_body(method.body):
            if method not in building:
                if isinstance(inner, cst.Call) and mode_call(inner) is not None:
                    return frozenset()  # ``self.model.train()`` in forward: not eval as built
                if isinstance(inner, cst.AssignTarget) and _attribute(inner.target) in evaluated:
                    return frozenset()  # rebound later: what it holds then is not known
                continue
            if isinstance(inner, cst.Assign) and any(_attribute(t.target) in evaluated for t in inner.targets):
                skip.update(_calls_in(inner.value))
                builder = _own_method(inner.value)
                if builder is not None and own_calls.get(builder) == 1 and builder in methods:
                    skip.update(_calls_in(methods[builder].body))  # ``self._load_model()``: builds it only
            elif isinstance(inner, cst.Call) and _attribute(_receiver_root(inner.func)) in evaluated:
                skip.add(inner)  # ``self.model.eval()``, ``self.model.parameters()``
    if models.dependence_without(klass, frozenset(skip)) != NO_DEPENDENCE:
        return frozenset()
    return evaluated


def _attribute(target: cst.BaseExpression | None) -> str | None:
    """``x`` for ``self.x``."""
    name = dotted_name(target) if target is not None else None
    if name is None or not name.startswith("self.") or name.count(".") != 1:
        return None
    return name[5:]


def _receiver_root(func: cst.BaseExpression) -> cst.BaseExpression | None:
    """``self.model`` for ``self.model.parameters`` and ``self.model.fc.weight.normal_``."""
    if not isinstance(func, cst.Attribute):
        return None
    value = func.value
    while isinstance(value, cst.Attribute) and not (isinstance(value.value, cst.Name)
                                                     and value.value.value == "self"):
        value = value.value
    return value if isinstance(value, cst.Attribute) else None


def _own_method(value: cst.BaseExpression) -> str | None:
    """``m`` for ``self.m(...)``, under moves and ``.eval()`` (``self.m().eval()``)."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        func = value.func
        if isinstance(func.value, cst.Name) and func.value.value == "self":
            return func.attr.value
        value = func.value
    return None


def _own_call_counts(klass: cst.ClassDef) -> dict[str, int]:
    counts: dict[str, int] = {}
    methods = [s for s in klass.body.body if isinstance(s, cst.FunctionDef)]
    for inner in (node for method in methods for node in walk_body(method.body)):
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) \
                and isinstance(inner.func.value, cst.Name) and inner.func.value.value == "self":
            counts[inner.func.attr.value] = counts.get(inner.func.attr.value, 0) + 1
    return counts


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    return [inner for inner in walk_body(node) if isinstance(inner, cst.Call)]
