"""Hyper-parameter samplers of the common search libraries, and the distribution each one draws.

A search library draws a hyper-parameter from a distribution named by the call: optuna's
``trial.suggest_*`` methods, Ray Tune's ``tune.uniform``, hyperopt's ``hp.uniform``, scipy.stats
distributions handed to scikit-learn's RandomizedSearchCV. What a rule needs to know is whether the
draw is uniform on a linear scale, its bounds, and the name the library is given for it, and whether
the call draws at all: optuna's ``suggest_*`` on a finished trial (``study.best_trial``,
``study.trials[i]``, ``FixedTrial``/``FrozenTrial``) returns the stored value (:func:`replays_stored_value`).
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from dllint.analysis.calls import argument, keyword, method_name, number, string
from dllint.analysis.imports import ImportMap, dotted_name
from dllint.context import FileContext

# optuna's Trial methods: distinctive enough to be read on any receiver (the trial is usually a
# parameter of the objective, not an import). Each maps to the positions of (name, low, high).
_OPTUNA_LINEAR = {"suggest_uniform", "suggest_float", "suggest_discrete_uniform"}
# Linear draws of imported libraries: qualified name -> position of the label (None: no label)
# and of the low and high bounds.
_LIBRARY_LINEAR = {
    "ray.tune.uniform": (None, 0, 1),
    "ray.tune.quniform": (None, 0, 1),
    "hyperopt.hp.uniform": (0, 1, 2),
    "hyperopt.hp.quniform": (0, 1, 2),
    # A hand-written random search draws with numpy or the standard library.
    "numpy.random.uniform": (None, 0, 1),
    "random.uniform": (None, 0, 1),
}
_BOUND_KEYWORDS = {"hyperopt": ("label", "low", "high"), "ray": (None, "lower", "upper"),
                   "random": (None, "a", "b")}
_SCIPY_UNIFORM = {"scipy.stats.uniform"}
# Quantised draws: where the step is given (position, keyword). optuna's ``suggest_float`` takes
# ``step`` by keyword only.
_STEP_AT = {"ray.tune.quniform": (2, "q"), "hyperopt.hp.quniform": (3, "q"),
            "suggest_discrete_uniform": (3, "q"), "suggest_float": (None, "step")}

# The keywords through which a value becomes an optimiser's learning rate or weight decay.
SCALE_KEYWORDS = frozenset({"lr", "learning_rate", "weight_decay", "wd", "base_lr", "max_lr"})


@dataclass(frozen=True)
class LinearSample:
    """A draw that is uniform on a linear scale between ``low`` and ``high``."""

    low: float
    high: float
    label: str | None  # the name the library is given for the parameter, if a literal
    library: str       # for messages: "ray.tune.uniform", "optuna suggest_uniform", ...
    step: float | None = None  # a quantised draw's step, when a literal

    def few_values(self) -> bool:
        """Whether a quantised draw can return at most two values: a step as wide as the range
        (``suggest_discrete_uniform('lr', 1e-4, 0.1, 1)`` always draws 1e-4) searches nothing
        across the decades, linear or not."""
        if self.step is None or self.step <= 0:
            return False
        return abs(self.high - self.low) / self.step < 2


def _step(call: cst.Call, where: tuple[int | None, str] | None) -> float | None:
    if where is None:
        return None
    position, name = where
    if position is None:
        found = keyword(call, name)
        return number(found.value) if found is not None else None
    return number(argument(call, position, name))


def linear_sample(imports: ImportMap, call: cst.Call) -> LinearSample | None:
    """The linear uniform draw ``call`` makes, when its bounds are numeric literals; None for a
    log-scale draw (``suggest_float(..., log=True)``, ``suggest_loguniform``, ``tune.loguniform``)
    and for anything else."""
    qualified = imports.qualify(call.func)
    if qualified in _LIBRARY_LINEAR:
        label_at, low_at, high_at = _LIBRARY_LINEAR[qualified]
        names = _BOUND_KEYWORDS.get(qualified.split(".")[0], (None, "low", "high"))
        label = string(argument(call, label_at, "label")) if label_at is not None else None
        low = number(argument(call, low_at, names[1]))
        high = number(argument(call, high_at, names[2]))
        if low is None or high is None:
            return None
        return LinearSample(low, high, label, qualified, _step(call, _STEP_AT.get(qualified)))
    if qualified in _SCIPY_UNIFORM:
        loc = number(argument(call, 0, "loc"))
        scale = number(argument(call, 1, "scale"))
        if loc is None or scale is None:
            return None
        return LinearSample(loc, loc + scale, None, qualified)
    if method_name(call) in _OPTUNA_LINEAR:
        log = keyword(call, "log")
        if log is not None and not (isinstance(log.value, cst.Name) and log.value.value == "False"):
            return None  # log=True, or a flag we cannot read: not known to be linear
        low = number(argument(call, 1, "low"))
        high = number(argument(call, 2, "high"))
        if low is None or high is None:
            return None
        return LinearSample(low, high, string(argument(call, 0, "name")), f"optuna {method_name(call)}",
                            _step(call, _STEP_AT.get(method_name(call) or "")))
    return None


# A study's finished trials: ``study.best_trial``, ``study.trials[i]``, ``study.best_trials[0]``,
# ``study.get_trials()[i]``; and the trial classes that hold fixed values.
_FINISHED_TRIAL_ATTRIBUTES = {"best_trial"}
_FINISHED_TRIAL_LISTS = {"trials", "best_trials", "get_trials"}
_FIXED_TRIAL_CLASSES = {"FixedTrial", "FrozenTrial", "create_trial"}


def _finished_trials(expr: cst.BaseExpression) -> bool:
    """``study.trials``, ``study.best_trials``, ``study.get_trials(...)``: a list of finished trials."""
    if isinstance(expr, cst.Call):
        expr = expr.func
    return isinstance(expr, cst.Attribute) and expr.attr.value in _FINISHED_TRIAL_LISTS


def _finished_trial(imports: ImportMap, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute) and expr.attr.value in _FINISHED_TRIAL_ATTRIBUTES:
        return True
    if isinstance(expr, cst.Subscript) and _finished_trials(expr.value):
        return True
    if isinstance(expr, cst.Call):
        qualified = imports.qualify(expr.func) or dotted_name(expr.func) or ""
        return qualified.rsplit(".", 1)[-1] in _FIXED_TRIAL_CLASSES and \
            (qualified.startswith("optuna.") or "." not in qualified)
    return False


def replays_stored_value(ctx: FileContext, call: cst.Call) -> bool:
    """Whether ``call`` is an optuna ``suggest_*`` on a finished or fixed trial: it returns the value
    stored in the trial and draws nothing. The receiver is such a trial written in place, or a name
    of the same function every binding of which is one (``best = study.best_trial``,
    ``for t in study.trials``); a parameter (the objective's ``trial``) is a live trial."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value.startswith("suggest_")):
        return False
    receiver = func.value
    if _finished_trial(ctx.imports, receiver):
        return True
    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    scope = ctx.index.function_of(call)
    if scope is not None and any(p.name.value == name for p in _parameters(scope)):
        return False
    bindings = 0
    for node in ctx.index.of_type(cst.Assign, cst.For, cst.AnnAssign, cst.WithItem):
        if ctx.index.function_of(node) is not scope:
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    bindings += 1
                    if not _finished_trial(ctx.imports, node.value):
                        return False
        elif isinstance(node, cst.For):
            if isinstance(node.target, cst.Name) and node.target.value == name:
                bindings += 1
                if not _finished_trials(node.iter):
                    return False
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name) and node.target.value == name:
                bindings += 1
                if node.value is None or not _finished_trial(ctx.imports, node.value):
                    return False
        elif node.asname is not None and isinstance(node.asname.name, cst.Name) and \
                node.asname.name.value == name:
            return False
    return bindings > 0


def _parameters(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params,
            *([params.star_arg] if isinstance(params.star_arg, cst.Param) else []),
            *([params.star_kwarg] if params.star_kwarg is not None else [])]
