"""Hyper-parameter samplers of the common search libraries, and the distribution each one draws.

A search library draws a hyper-parameter from a distribution named by the call: optuna's
``trial.suggest_*`` methods, Ray Tune's ``tune.uniform``, hyperopt's ``hp.uniform``, scipy.stats
distributions handed to scikit-learn's RandomizedSearchCV. What a rule needs to know is whether the
draw is uniform on a linear scale, its bounds, and the name the library is given for it.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from dllint.analysis.calls import argument, keyword, method_name, number, string
from dllint.analysis.imports import ImportMap

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

# The keywords through which a value becomes an optimiser's learning rate or weight decay.
SCALE_KEYWORDS = frozenset({"lr", "learning_rate", "weight_decay", "wd", "base_lr", "max_lr"})


@dataclass(frozen=True)
class LinearSample:
    """A draw that is uniform on a linear scale between ``low`` and ``high``."""

    low: float
    high: float
    label: str | None  # the name the library is given for the parameter, if a literal
    library: str       # for messages: "ray.tune.uniform", "optuna suggest_uniform", ...


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
        return LinearSample(low, high, label, qualified)
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
        return LinearSample(low, high, string(argument(call, 0, "name")), f"optuna {method_name(call)}")
    return None
