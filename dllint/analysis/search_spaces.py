"""Hyper-parameter search spaces over a scale parameter (a learning rate, a weight decay, an L1/L2
strength) that are linear: the facts behind DL502.

A grid is tied to a scale parameter by the name it is bound to, iterated as, stored under in a dict
or passed as (:func:`scale_grids`), and is linear when it is an evenly spaced literal list or a
``linspace``/``arange`` (:func:`linear_grid`) spanning an order of magnitude. A random draw
(``dllint.analysis.samplers``) is tied to one by the name it is stored or passed under, by the name
the library is given, or by flowing into an optimiser's ``lr=``/``weight_decay=``
(:func:`linear_scale_draws`), and counts when its bounds span two orders of magnitude.

Not searches: an array read one element per iteration of a loop, by the loop's counter, into the
arithmetic of a step or a setting (``loss = ce + wd[it] * reg``, ``group['lr'] = lrs[step]``) is a
schedule (:func:`_read_as_schedule`); a learning-rate or weight-decay range whose lower end is 1 or
more is not one of those (:func:`_implausible_rate`); a sampler on a finished trial draws nothing
(``dllint.analysis.samplers.replays_stored_value``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from dllint.analysis.calls import argument, number
from dllint.analysis.imports import dotted_name
from dllint.analysis.samplers import SCALE_KEYWORDS, LinearSample, linear_sample, replays_stored_value
from dllint.context import FileContext

_SCALE_NAME = re.compile(
    r"^(lr|lrs|learning_?rates?|base_lr|max_lr|weight_?decays?|wds?|l1|l2|l2_?reg|reg|"
    r"reg_strength|l1_?lambda|l2_?lambda)(_?(grid|values|list|candidates|range|space|options|search))?$",
    re.IGNORECASE,
)
_LINEAR_FUNCTIONS = {"numpy.linspace", "torch.linspace", "numpy.arange", "torch.arange"}
_SPAN = 10.0  # one order of magnitude
# A random draw is reported from two orders of magnitude: over one decade a uniform draw still puts
# a tenth of its trials in the lower part, and narrow searches (1e-3..5e-3) are common and fine.
_SAMPLE_SPAN = 100.0
# A name given to a sampler (``'adam_learning_rate'``, ``'actor_lr'``) may carry a prefix.
# A name may also be a path into a nested configuration (``'optimization.learning_rate'``) or
# number the rate (``lr0``).
_SCALE_SUFFIX = re.compile(r"(^|[_./])(lr\d?|learning_?rate|weight_?decay)(_init)?$", re.IGNORECASE)
_REL_TOLERANCE = 1e-6


def _evenly_spaced(values: list[float]) -> bool:
    if len(values) < 3:
        return False
    ordered = sorted(values)
    step = ordered[1] - ordered[0]
    if step <= 0:
        return False
    return all(abs((b - a) - step) <= _REL_TOLERANCE * max(abs(b), 1e-12) + 1e-15
               for a, b in zip(ordered, ordered[1:]))


def _spans_magnitude(low: float, high: float) -> bool:
    return low >= 0 and high > 0 and (low == 0 or high / low >= _SPAN)


# Learning rates and weight decays live below 1 (SGD's largest usual rates are about 1, and a decay
# of 1 or more shrinks every weight to nothing in a few steps): a range of these names that starts at
# 1 or more (``lrs = np.linspace(1, 45, 45)``) is some other quantity under a short name. L1/L2
# strengths are not restricted: an inverse strength like scikit-learn's C is searched up to 1e3.
_RATE_NAME = re.compile(r"(^|[_./])(lrs?\d?|learning_?rates?|weight_?decays?|wds?)($|[_./])", re.IGNORECASE)


def _implausible_rate(name: str | None, low: float) -> bool:
    return low >= 1 and bool(name) and bool(_RATE_NAME.search(name))  # type: ignore[arg-type]


def linear_grid(ctx: FileContext, expr: cst.BaseExpression, name: str | None = None) -> str | None:
    """A short description of ``expr`` when it is a linear grid spanning an order of magnitude
    (``name``, the parameter's, rules out a learning rate from 1 up: :func:`_implausible_rate`)."""
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        values = [number(e.value) for e in expr.elements]
        if any(v is None for v in values) or not _evenly_spaced(values):  # type: ignore[arg-type]
            return None
        numbers = [v for v in values if v is not None]
        if _implausible_rate(name, min(numbers)):
            return None
        if _spans_magnitude(min(numbers), max(numbers)):
            return f"an evenly spaced list from {min(numbers):g} to {max(numbers):g}"
        return None
    if isinstance(expr, cst.Call):
        qualified = ctx.imports.qualify(expr.func)
        if qualified not in _LINEAR_FUNCTIONS:
            return None
        start = number(argument(expr, 0, "start"))
        stop = number(argument(expr, 1, "stop") or argument(expr, 1, "end"))
        count = number(argument(expr, 2, "num") or argument(expr, 2, "steps")) \
            if qualified.endswith("linspace") else None
        if count is not None and count < 3:
            return None  # two values (``linspace(0, 1, num=2)``): a switch, not a scale searched
        if start is None or stop is None or start > stop:
            # A descending ramp (``np.linspace(1e-3, 5e-5, num=total_steps)``) is a decay
            # schedule read step by step, not a grid searched over.
            return None
        if _implausible_rate(name, min(start, stop)):
            return None
        if _spans_magnitude(min(start, stop), max(start, stop)):
            return f"{qualified.split('.')[-1]}({start:g}, {stop:g}, ...)"
    return None


def _scale_name(name: str | None) -> bool:
    return bool(name) and bool(_SCALE_NAME.match(name) or _SCALE_SUFFIX.search(name))  # type: ignore[arg-type]


def _spans_decades(sample: LinearSample) -> bool:
    low, high = sorted((sample.low, sample.high))  # numpy and Ray accept the bounds either way
    return low > 0 and high / low >= _SAMPLE_SPAN and not sample.few_values()


def _stored_under(ctx: FileContext, call: cst.Call) -> str | None:
    """The name a sampled value is stored or passed under: ``lr = <call>``,
    ``kwargs['learning_rate'] = <call>``, ``{'lr': <call>}``, ``Adam(lr=<call>)`` (through a
    ``float(...)`` conversion)."""
    node: cst.CSTNode = call
    parent = ctx.index.parent(node)
    if isinstance(parent, cst.Arg) and isinstance(ctx.index.parent(parent), cst.Call) and \
            dotted_name(ctx.index.parent(parent).func) in ("float", "int") and parent.keyword is None:
        node = ctx.index.parent(parent)
        parent = ctx.index.parent(node)
    if isinstance(parent, cst.Arg) and parent.keyword is not None:
        return parent.keyword.value
    if isinstance(parent, cst.DictElement) and isinstance(parent.key, cst.SimpleString) and \
            isinstance(parent.key.evaluated_value, str):
        return parent.key.evaluated_value
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        for target in targets:
            if isinstance(target, cst.Subscript) and len(target.slice) == 1 and \
                    isinstance(target.slice[0].slice, cst.Index):
                key = target.slice[0].slice.value
                if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                    return key.evaluated_value
            name = dotted_name(target)
            if name:
                return name.rsplit(".", 1)[-1]
    return None


def _assigned_name(ctx: FileContext, call: cst.Call) -> str | None:
    parent = ctx.index.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and \
            isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


def _flows_into_optimiser(ctx: FileContext, call: cst.Call, name: str) -> str | None:
    """The optimiser keyword (``lr``, ``weight_decay``) that ``name``, assigned from ``call``, is
    passed as in the same function, if any."""
    scope = ctx.index.function_of(call)
    for arg in ctx.index.of_type(cst.Arg):
        if arg.keyword is not None and arg.keyword.value in SCALE_KEYWORDS and \
                isinstance(arg.value, cst.Name) and arg.value.value == name and \
                ctx.index.function_of(arg) is scope:
            return arg.keyword.value
    return None


def scale_grids(ctx: FileContext) -> Iterator[tuple[str, cst.BaseExpression]]:
    """(name, value) for every value bound to, iterated as, stored under or passed as a scale
    parameter's name (``lrs = [...]``, ``for lr in ...``, ``{"lr": ...}``, ``f(lr=...)``)."""
    for node in ctx.index.of_type(cst.Assign, cst.For, cst.DictElement, cst.Arg):
        for name, grid in _named_values(node):
            if name and _SCALE_NAME.match(name) and not _read_as_schedule(ctx, node):
                yield name, grid


def _read_as_schedule(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether ``node`` binds an array (``wd = np.linspace(0, 1, steps)``) that its scope reads only
    one element per iteration of a loop, by that loop's counter, into arithmetic or a setting:
    ``a + wd[it] * b``, ``group['lr'] = lrs[step]``. A search hands each value to a training
    (``train(lrs[i])``, ``SGD(lr=lrs[i])``) or iterates the values; an array never read is a grid."""
    if not (isinstance(node, cst.Assign) and len(node.targets) == 1 and
            isinstance(node.targets[0].target, cst.Name)):
        return False
    name = node.targets[0].target.value
    scope = ctx.index.function_of(node)
    reads = [n for n in ctx.index.of_type(cst.Name) if n.value == name and
             ctx.index.function_of(n) is scope and not isinstance(ctx.index.parent(n), cst.AssignTarget)]
    return bool(reads) and all(_element_per_step(ctx, read) for read in reads)


def _element_per_step(ctx: FileContext, read: cst.Name) -> bool:
    subscript = ctx.index.parent(read)
    if not (isinstance(subscript, cst.Subscript) and subscript.value is read and len(subscript.slice) == 1
            and isinstance(subscript.slice[0].slice, cst.Index)
            and isinstance(subscript.slice[0].slice.value, cst.Name)):
        return False
    counter = subscript.slice[0].slice.value.value
    if not any(isinstance(loop, cst.For) and counter in _bound_names(loop.target)
               for loop in ctx.index.ancestors(subscript)):
        return False
    arithmetic = False
    previous: cst.CSTNode = subscript
    for ancestor in ctx.index.ancestors(subscript):
        if isinstance(ancestor, cst.Call) and previous is not ancestor.func:
            return False  # handed to a call: a value tried, as in ``train(lrs[i])``
        if isinstance(ancestor, (cst.BinaryOperation, cst.UnaryOperation)):
            arithmetic = True
        if isinstance(ancestor, (cst.Assign, cst.AugAssign)):
            targets = [t.target for t in ancestor.targets] if isinstance(ancestor, cst.Assign) \
                else [ancestor.target]
            return arithmetic or all(isinstance(t, (cst.Subscript, cst.Attribute)) for t in targets)
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return arithmetic
        previous = ancestor
    return False


def _bound_names(target: cst.BaseExpression) -> set[str]:
    """The names a ``for`` target binds (``i``, ``i, x``)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _bound_names(e.value)}
    return set()


def _named_values(node: cst.CSTNode) -> Iterator[tuple[str | None, cst.BaseExpression]]:
    if isinstance(node, cst.Assign):
        for target in node.targets:
            name = dotted_name(target.target)
            yield (name.rsplit(".", 1)[-1] if name else None), node.value
    elif isinstance(node, cst.For):
        yield dotted_name(node.target), node.iter
    elif isinstance(node, cst.DictElement):
        key = node.key
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            yield key.evaluated_value, node.value
    elif isinstance(node, cst.Arg) and node.keyword is not None:
        yield node.keyword.value, node.value


@dataclass(frozen=True)
class LinearScaleDraw:
    """A linear draw of a scale parameter over two orders of magnitude or more: the parameter's
    ``name``, and ``passed_as`` when only its flow into an optimiser's keyword ties it to one."""

    call: cst.Call
    sample: LinearSample
    name: str
    passed_as: str | None = None


def linear_scale_draws(ctx: FileContext) -> Iterator[LinearScaleDraw]:
    """Every sampler call of the file that draws a scale parameter uniformly on a linear scale."""
    for call in ctx.index.of_type(cst.Call):
        sample = linear_sample(ctx.imports, call)
        if sample is None or not _spans_decades(sample) or replays_stored_value(ctx, call):
            continue
        stored = _stored_under(ctx, call)
        if _implausible_rate(stored or sample.label, min(sample.low, sample.high)):
            continue
        if _scale_name(stored):
            yield LinearScaleDraw(call, sample, stored)  # type: ignore[arg-type]
        elif _scale_name(sample.label):
            yield LinearScaleDraw(call, sample, sample.label)  # type: ignore[arg-type]
        else:
            assigned = _assigned_name(ctx, call)
            into = _flows_into_optimiser(ctx, call, assigned) if assigned else None
            if into is not None and not _implausible_rate(into, min(sample.low, sample.high)):
                yield LinearScaleDraw(call, sample, assigned, into)  # type: ignore[arg-type]
