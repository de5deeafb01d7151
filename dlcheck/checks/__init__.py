"""The built-in checks, registered through the ``dlcheck`` entry point like any third-party pack."""

from __future__ import annotations

from typing import Any

from dlcheck.hookspecs import hookimpl

from dlcheck.checks.dead_units import DeadUnits
from dlcheck.checks.gradients import GradFlow, GradNorm
from dlcheck.checks.graph import GraphRetained
from dlcheck.checks.mode import Mode
from dlcheck.checks.nonfinite import NonFinite
from dlcheck.checks.shapes import Shapes

BUILTIN = {
    cls.name: cls
    for cls in (NonFinite, Shapes, DeadUnits, GradFlow, GradNorm, Mode, GraphRetained)
}


@hookimpl
def dlcheck_make_checks(config: dict[str, Any]) -> list[Any]:
    # names this pack does not know may belong to a third-party pack: leave them to it
    return [BUILTIN[name](**(opts or {})) for name, opts in config.items() if name in BUILTIN]
