"""What a hand-written function does with the data of one parameter: a function summary.

``model.fit(train, test)`` of the file's own class is training on ``test`` only if the method
learns from it or decides on it. :func:`learns_from` follows the values made from the parameter
through the function's bindings (in source order, twice, so that a value made in one pass of a
loop reaches the next) and says whether one of them reaches

* a training call: a ``fit``/``backward``/``step``/``minimize``-like call, or a call that reads an
  update (``self.train_op``, ``updates``, an optimizer) — TensorFlow's ``session.run`` of a train
  op, Theano's compiled training function;
* a decision: the test of an ``if`` or ``while`` (early stopping, keeping the best epoch);
* the caller or the object: a ``return``, an attribute of ``self`` (it could be used later);
* a hand-written function or method (of the file or the project) whose own summary says one
  of the above.

A value that only reaches predictions, arithmetic, ``print`` and local lists of scores learns
nothing: the test score is reported each epoch, no update, stopping or choice uses it. The
summary is conservative the other way: what it cannot follow (a nested function, ``*args``) is
taken as learning.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.analysis.data import Binding, DataProvenance

_TRAINING_CALLS = frozenset({
    "fit", "partial_fit", "fit_transform", "fit_generator", "train_on_batch", "backward",
    "minimize", "step", "apply_gradients", "compute_gradients", "train", "train_step",
    "update", "grad", "gradients",
})
# Words of a name read by a call that make it an update (``self.train_op``, ``updates``).
_UPDATE_WORDS = frozenset({"train", "update", "updates", "optimizer", "optim", "opt", "optimiser",
                           "grad", "grads", "gradients", "step"})
_MAX_DEPTH = 2


def learns_from(provenance: "DataProvenance", function: cst.FunctionDef, parameter: str,
                depth: int = 0) -> bool:
    """The function may learn from, or decide on, the data of ``parameter`` (see the module
    docstring)."""
    return _reaches_learning(provenance, function, parameter, None, False, depth)


def trains_on(provenance: "DataProvenance", function: cst.FunctionDef, binding: "Binding") -> bool:
    """A value made from ``binding`` (one binding of ``function``: the training part of a split)
    reaches a training call of the function (a ``fit``/``backward``/``step``-like call, a call
    that reads an update such as ``session.run(self.train_op, ...)``, a hand-written callee whose
    own summary trains on it). Decisions, returns and ``self`` attributes do not count: the
    question is whether the rows are trained on, not whether anything is done with them."""
    return _reaches_learning(provenance, function, None, binding, True, 0)


def _reaches_learning(provenance: "DataProvenance", function: cst.FunctionDef, parameter: str | None,
                      seed: "Binding | None", training_only: bool, depth: int) -> bool:
    from dllint.analysis.data import chains, name_tokens

    if depth > _MAX_DEPTH:
        return not training_only
    bindings = sorted(provenance.bindings(function), key=lambda b: b.order)
    tainted: set[int] = {id(seed)} if seed is not None else set()

    def reads_tainted(node: cst.CSTNode, names) -> bool:
        # the bindings that reach ``node`` (over the control flow), not every binding of a name:
        # the loop variables of the test loop are not the symbolic inputs bound before it
        for name in names:
            if "." in name and not name.startswith("self."):
                continue
            found = provenance.lookup(node, name)
            if (not found and name == parameter) or any(id(b) in tainted for b in found):
                return True
        return False

    changed = True
    while changed and len(tainted) < len(bindings) + 1:
        changed = False
        for binding in bindings:
            if id(binding) not in tainted and binding.targets \
                    and reads_tainted(_at(binding), _reads(binding)):
                tainted.add(id(binding))
                changed = True
    for binding in bindings:
        if binding is seed or not reads_tainted(_at(binding), _reads(binding)):
            continue  # (the seed's own value, the split, trains nothing)
        node = binding.node
        if not training_only:
            if isinstance(node, cst.If) or (isinstance(node, cst.Return) and depth == 0):
                return True  # a method's return goes back to its caller, which follows it
            if any(t.startswith("self.") for t in binding.targets):
                return True
        value = binding.value
        if value is None:
            continue
        for call in (n for n in iter_subtree(value) if isinstance(n, cst.Call)):
            if not reads_tainted(binding.node, set(chains(call))):
                continue
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else None)
            if last in _TRAINING_CALLS:
                return True
            if any(set(name_tokens(name.rsplit(".", 1)[-1])) & _UPDATE_WORDS for name in chains(call)):
                return True
            if _callee_learns(provenance, call, lambda expr: reads_tainted(binding.node, set(chains(expr))),
                              depth, training_only):
                return True
    if training_only:
        return False
    for loop in (n for n in iter_subtree(function.body) if isinstance(n, cst.While)):
        if reads_tainted(loop, set(chains(loop.test))):
            return True
    return False


def _at(binding: "Binding") -> cst.CSTNode:
    """Where a binding's reads are looked up: the test of an ``if``, the iterable of a ``for``
    (the statement itself is placed where its body starts)."""
    if isinstance(binding.node, (cst.If, cst.For)) and binding.value is not None:
        return binding.value
    return binding.node


def _reads(binding: "Binding") -> frozenset[str]:
    """What a binding reads; one target of ``a, b = shuffle(a, b)`` reads only its own argument
    (a joint shuffle keeps the parts' rows apart)."""
    value = binding.value
    if binding.position is not None and isinstance(value, cst.Call) and (
            value.func.attr.value if isinstance(value.func, cst.Attribute)
            else getattr(value.func, "value", None)) == "shuffle":
        data = [a.value for a in value.args if a.keyword is None and not a.star]
        if len(data) == binding.count == len(value.args):
            from dllint.analysis.data import chains

            return frozenset(chains(data[binding.position]))
    return binding.reads


def _callee_learns(provenance: "DataProvenance", call: cst.Call, tainted, depth: int,
                   training_only: bool = False) -> bool:
    """``self.get_sse(x, xt)`` or ``run_epoch(model, xt)`` with ``xt`` made from the parameter,
    where the callee is a hand-written function of the file or the project: its own summary for
    the parameters that receive it (a starred argument or one without a parameter learns). An
    attribute called (a compiled function) or a library function is judged by the words it
    reads, above."""
    resolved = provenance.resolve(call)
    if resolved is None:
        return False
    callee_provenance, callee, is_method = resolved
    for arg in call.args:
        if not tainted(arg.value):
            continue
        target = parameter_for(callee, call, arg, is_method)
        if target is None:
            if not training_only:
                return True
            continue
        if _reaches_learning(callee_provenance, callee, target, None, training_only, depth + 1):
            return True
    return False


def parameter_for(function: cst.FunctionDef, call: cst.Call, arg: cst.Arg, is_method: bool) -> str | None:
    """The parameter of ``function`` that ``arg`` of ``call`` is bound to; None when unknown."""
    if arg.star:
        return None
    if arg.keyword is not None:
        return arg.keyword.value
    params = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    if is_method and not _static(function):
        params = params[1:]
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional):
        return None
    position = next(i for i, a in enumerate(positional) if a is arg)
    return params[position] if position < len(params) else None


def _static(function: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) == "staticmethod" for d in function.decorators)
