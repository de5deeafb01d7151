"""dlcheck: runtime checks that wrap a torch model and say, in plain words, what is wrong.

    with dlcheck.watch(model, optimizer) as w:
        for x, y in loader:
            ...training step...
    print(w.report())

The public names load on first use (PEP 562): pytest imports ``dlcheck.pytest_plugin`` in every
run, which imports this package, and that must not import torch. ``dlcheck.reference`` is never
imported from here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "watch": "dlcheck.watcher",
    "wrap": "dlcheck.watcher",
    "Watcher": "dlcheck.watcher",
    "DEFAULT_CHECKS": "dlcheck.watcher",
    "expect": "dlcheck.shapes",
    "Shaped": "dlcheck.shapes",
    "ShapeSpec": "dlcheck.shapes",
    "shapecheck": "dlcheck.shapes",
    "CODES": "dlcheck.problems",
    "DCProblemError": "dlcheck.problems",
    "DCWarning": "dlcheck.problems",
    "Problem": "dlcheck.problems",
    "Report": "dlcheck.problems",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from dlcheck.problems import CODES, DCProblemError, DCWarning, Problem, Report  # noqa: F401
    from dlcheck.shapes import Shaped, ShapeSpec, expect, shapecheck  # noqa: F401
    from dlcheck.watcher import DEFAULT_CHECKS, Watcher, watch, wrap  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dlcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
