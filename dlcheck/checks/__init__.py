"""The built-in checks, registered through the ``dlcheck`` entry point like any third-party pack."""

from __future__ import annotations

import inspect
from typing import Any

from dlcheck import arguments
from dlcheck.hookspecs import hookimpl

from dlcheck.checks.dead_units import DeadUnits
from dlcheck.checks.eval_leak import EvalLeak
from dlcheck.checks.grad_scaler import GradScalerSkips
from dlcheck.checks.gradients import GradFlow, GradNorm
from dlcheck.checks.graph import GraphRetained
from dlcheck.checks.input_scale import InputScale
from dlcheck.checks.labels import Labels
from dlcheck.checks.loss import LossSpike
from dlcheck.checks.mode import Mode
from dlcheck.checks.nonfinite import NonFinite
from dlcheck.checks.optimizer import OptimizerCoverage, OptimizerStep
from dlcheck.checks.repeated_batch import RepeatedBatch
from dlcheck.checks.replicas import Replicas
from dlcheck.checks.shapes import Shapes

BUILTIN = {
    cls.name: cls
    for cls in (NonFinite, Shapes, DeadUnits, GradFlow, GradNorm, Mode, GraphRetained,
                OptimizerCoverage, OptimizerStep, LossSpike, GradScalerSkips, Labels, InputScale,
                RepeatedBatch, EvalLeak, Replicas)
}


@hookimpl
def dlcheck_make_checks(config: dict[str, Any]) -> list[Any]:
    # names this pack does not know may belong to a third-party pack: leave them to it (the
    # watcher refuses a name that no pack built a check for)
    made = []
    for name, opts in config.items():
        cls = BUILTIN.get(name)
        if cls is None:
            continue
        opts = opts or {}
        accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        arguments.options("dlcheck.watch", name, opts, accepted)
        made.append(cls(**opts))
    return made
