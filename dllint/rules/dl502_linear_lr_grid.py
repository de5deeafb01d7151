"""DL502: a learning rate (or another scale parameter) searched on a linear grid.

Why: for a scale parameter the interesting differences are between orders of magnitude (0.001 vs
0.01 vs 0.1), not between 0.05 and 0.06. A linear grid from 1e-4 to 1e-1 with 10 points puts nine of
them between 0.01 and 0.1 and only one below 0.01: the region where the best value often lies is
barely searched. A log-spaced grid (``np.logspace(-4, -1, 10)``, ``10 ** rng.uniform(-4, -1)``)
spends the same budget evenly across the orders of magnitude.

Reported when the grid is tied to a scale parameter by name (learning rate, weight decay, L1/L2
strength) and spans at least one order of magnitude; grids over a narrow range are fine.
"""
from __future__ import annotations

import re

import libcst as cst

from dllint.analysis.calls import argument, number
from dllint.analysis.imports import dotted_name
from dllint.rule import Rule

_SCALE_NAME = re.compile(
    r"^(lr|lrs|learning_?rates?|base_lr|max_lr|weight_?decays?|wds?|l1|l2|l2_?reg|reg|"
    r"reg_strength|l1_?lambda|l2_?lambda)(_?(grid|values|list|candidates|range|space|options|search))?$",
    re.IGNORECASE,
)
_LINEAR_FUNCTIONS = {"numpy.linspace", "torch.linspace", "numpy.arange", "torch.arange"}
_SPAN = 10.0  # one order of magnitude
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


def linear_grid(ctx, expr: cst.BaseExpression) -> str | None:
    """A short description of ``expr`` when it is a linear grid spanning an order of magnitude."""
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        values = [number(e.value) for e in expr.elements]
        if any(v is None for v in values) or not _evenly_spaced(values):  # type: ignore[arg-type]
            return None
        numbers = [v for v in values if v is not None]
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
        if _spans_magnitude(min(start, stop), max(start, stop)):
            return f"{qualified.split('.')[-1]}({start:g}, {stop:g}, ...)"
    return None


class LinearLearningRateGrid(Rule):
    """A learning rate or regularisation strength searched on a linear grid: search it on a log
    scale."""

    code = "DL502"
    name = "linear-scale-grid"
    summary = "Learning rate (or another scale parameter) searched on a linear grid; use a log scale."
    # Off by default: too few findings on public training code to measure its precision (fewer
    # than 10 judged; docs/precision.md). Enable with --extend-select DL502.
    default_enabled = False
    severity = "info"

    VALID = [
        "import numpy as np\nlrs = np.logspace(-4, -1, 10)\n",
        "import numpy as np\nfor lr in [1e-4, 1e-3, 1e-2, 1e-1]:\n    train(lr)\n",
        # narrow range: linear spacing is fine
        "import numpy as np\nfor lr in np.linspace(0.01, 0.05, 5):\n    train(lr)\n",
        "dropouts = [0.1, 0.2, 0.3, 0.4, 0.5]\n",
        # a mixing coefficient, not a scale parameter
        "for lam in (0.0, 0.25, 0.5, 0.75, 1.0):\n    mix(lam)\n",
        # not a scale parameter
        "import numpy as np\nxs = np.linspace(0, 10, 100)\n",
        # Two values are a switch, not a scale searched over.
        "import numpy as np\nfor lr in np.linspace(0, 1, num=2):\n    run(lr)\n",
        # A linear decay schedule, read one value per step.
        "import numpy as np\nlr_list = np.linspace(1e-3, 5e-5, num=50000)\n"
        "optimizer = torch.optim.Adam(model.parameters(), lr=lr_list[0])\n",
        "import torch\nfor epoch in range(10):\n    pass\n",
        "import numpy as np\nbatch_sizes = [16, 32, 48, 64, 80, 96, 112, 128, 144, 160]\n",
        # random search on a log scale
        "import numpy as np\nlr = 10 ** np.random.uniform(-5, -1)\n",
        "import numpy as np\nparam_grid = {'lr': [1e-3, 3e-3, 1e-2, 3e-2], 'momentum': [0.8, 0.85, 0.9, 0.95]}\n",
    ]
    INVALID = [
        "import numpy as np\nfor lr in np.linspace(1e-4, 1e-1, 10):  # expect: DL502\n    train(lr)\n",
        "import numpy as np\nlearning_rates = np.linspace(0.001, 0.1, 20)  # expect: DL502\n",
        "lrs = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1]  # expect: DL502\n",
        "import numpy as np\nparam_grid = {'lr': np.linspace(0.0001, 0.01, 5), 'momentum': [0.9]}  # expect: DL502\n",
        "import torch\nfor weight_decay in torch.linspace(0, 1e-2, 11):  # expect: DL502\n    run(weight_decay)\n",
        "import numpy as np\ngrid = dict(learning_rate=np.arange(0.001, 0.1, 0.001))  # expect: DL502\n",
        "for l2 in (0.0, 0.25, 0.5, 0.75, 1.0):  # expect: DL502\n    fit(l2)\n",
        "import numpy as np\ndef search():\n    lr_grid = np.linspace(1e-5, 1e-2, num=8)  # expect: DL502\n    return lr_grid\n",
        "import numpy as np\nconfig = {\"weight_decay\": [0.0, 0.001, 0.002, 0.003]}  # expect: DL502\n",
    ]

    def check(self, ctx) -> None:
        for node in ctx.index.of_type(cst.Assign, cst.For, cst.DictElement, cst.Arg):
            for name, grid in self._named_grids(node):
                if not name or not _SCALE_NAME.match(name):
                    continue
                described = linear_grid(ctx, grid)
                if described:
                    ctx.report(
                        grid,
                        f"`{name}` is searched on a linear grid ({described}): most points fall in "
                        "the top order of magnitude. Use a log scale, e.g. np.logspace or "
                        "10 ** uniform(low, high)",
                    )

    @staticmethod
    def _named_grids(node: cst.CSTNode):
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
