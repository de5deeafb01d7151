"""DL502: a learning rate (or another scale parameter) searched on a linear grid.

Why: for a scale parameter the interesting differences are between orders of magnitude (0.001 vs
0.01 vs 0.1), not between 0.05 and 0.06. A linear grid from 1e-4 to 1e-1 with 10 points puts nine of
them between 0.01 and 0.1 and only one below 0.01: the region where the best value often lies is
barely searched. A log-spaced grid (``np.logspace(-4, -1, 10)``, ``10 ** rng.uniform(-4, -1)``)
spends the same budget evenly across the orders of magnitude.

Reported when the grid is tied to a scale parameter by name (learning rate, weight decay, L1/L2
strength) and spans at least one order of magnitude; grids over a narrow range are fine.

A random search has the same flaw when it draws from a uniform distribution: optuna's
``trial.suggest_uniform`` / ``suggest_float`` without ``log=True`` / ``suggest_discrete_uniform``,
Ray Tune's ``tune.uniform``, hyperopt's ``hp.uniform``, scipy's ``uniform(loc, scale)`` in a
RandomizedSearchCV distribution. The sampler is tied to a scale parameter by the name it is given
or stored under, or by flowing into an optimiser's ``lr=`` / ``weight_decay=``; it is reported when
its bounds span at least two orders of magnitude (a uniform draw over one decade loses little).
"""
from __future__ import annotations

import re

import libcst as cst

from dllint.analysis.calls import argument, number
from dllint.analysis.imports import dotted_name
from dllint.analysis.samplers import SCALE_KEYWORDS, LinearSample, linear_sample
from dllint.rule import Rule

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


def _scale_name(name: str | None) -> bool:
    return bool(name) and bool(_SCALE_NAME.match(name) or _SCALE_SUFFIX.search(name))  # type: ignore[arg-type]


def _spans_decades(sample: LinearSample) -> bool:
    low, high = sorted((sample.low, sample.high))  # numpy and Ray accept the bounds either way
    return low > 0 and high / low >= _SAMPLE_SPAN


def _stored_under(ctx, call: cst.Call) -> str | None:
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


def _assigned_name(ctx, call: cst.Call) -> str | None:
    parent = ctx.index.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and \
            isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


def _flows_into_optimiser(ctx, call: cst.Call, name: str) -> str | None:
    """The optimiser keyword (``lr``, ``weight_decay``) that ``name``, assigned from ``call``, is
    passed as in the same function, if any."""
    scope = ctx.index.function_of(call)
    for arg in ctx.index.of_type(cst.Arg):
        if arg.keyword is not None and arg.keyword.value in SCALE_KEYWORDS and \
                isinstance(arg.value, cst.Name) and arg.value.value == name and \
                ctx.index.function_of(arg) is scope:
            return arg.keyword.value
    return None


class LinearLearningRateGrid(Rule):
    """A learning rate or regularisation strength searched on a linear grid: search it on a log
    scale."""

    code = "DL502"
    name = "linear-scale-grid"
    summary = "Learning rate (or another scale parameter) searched on a linear grid; use a log scale."
    # Off by default: judged where it fires on public code, 38 findings right of 41 (0.93), under
    # the 0.95 a default rule needs (docs/precision.md). Enable with --extend-select DL502.
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
        # Samplers on a log scale.
        "def objective(trial):\n    lr = trial.suggest_float('lr', 1e-5, 1e-1, log=True)\n    return train(lr)\n",
        "def objective(trial):\n    lr = trial.suggest_loguniform('lr', 1e-5, 1e-1)\n    return train(lr)\n",
        "from ray import tune\nconfig = {'lr': tune.loguniform(1e-5, 1e-1)}\n",
        "from hyperopt import hp\nspace = {'lr': hp.loguniform('lr', -11, -2)}\n",
        "from scipy.stats import loguniform\nparams = {'learning_rate': loguniform(1e-5, 1e-1)}\n",
        # A narrow range: a uniform draw over less than two decades loses little.
        "def objective(trial):\n    lr = trial.suggest_uniform('lr', 1e-3, 5e-3)\n    return train(lr)\n",
        # Uniform over dropout or momentum: not scale parameters.
        "def objective(trial):\n    p = trial.suggest_uniform('dropout', 0.0, 0.5)\n"
        "    momentum = trial.suggest_float('momentum', 0.001, 0.99)\n    return train(p, momentum)\n",
        "from ray import tune\nconfig = {'dropout': tune.uniform(0.001, 0.5)}\n",
        # A schedule's other knobs: the decay factor, the step size, the final-rate fraction.
        "def objective(trial):\n    gamma = trial.suggest_float('lr_gamma', 0.001, 0.99)\n"
        "    step = trial.suggest_float('lr_step_size', 10, 1000)\n    return fit(gamma, step)\n",
        # Uniform over the exponent is a log-scale draw of the learning rate.
        "import torch\ndef objective(trial):\n    lr = 10 ** trial.suggest_uniform('log_lr', -5, -1)\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=lr)\n",
        "import numpy as np\nfor trial in range(20):\n    lr = 10 ** np.random.uniform(-5, -1)\n    run(lr)\n",
        # A range starting at zero cannot be drawn on a log scale.
        "def objective(trial):\n    wd = trial.suggest_float('weight_decay', 0.0, 1e-2)\n    return train(wd)\n",
        # A wide linear draw that never reaches an optimiser's lr.
        "import torch\ndef objective(trial):\n    steps = trial.suggest_float('warmup', 10, 10000)\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n    return run(opt, steps)\n",
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
        # Random search with a linear sampler: optuna, in an objective function.
        "import torch\ndef objective(trial):\n"
        "    lr = trial.suggest_uniform('lr', 1e-5, 1e-1)  # expect: DL502\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=lr)\n",
        "def objective(trial):\n"
        "    weight_decay = trial.suggest_float('weight_decay', 1e-10, 1e-3)  # expect: DL502\n"
        "    return fit(weight_decay)\n",
        "def objective(trial):\n"
        "    wd = trial.suggest_float('wd', 1e-6, 1e-2, log=False)  # expect: DL502\n"
        "    return fit(wd)\n",
        "def objective(trial):\n"
        "    kwargs = {}\n"
        "    kwargs['learning_rate'] = trial.suggest_uniform('adam_learning_rate', 1e-5, 1e-1)  # expect: DL502\n"
        "    return fit(**kwargs)\n",
        "def objective(trial):\n"
        "    return fit(lr=trial.suggest_discrete_uniform('lr', 0.0001, 0.1, 0.0001))  # expect: DL502\n",
        # The name says nothing, the optimiser's lr= does.
        "import torch\nclass Tuner:\n    def objective(self, trial):\n"
        "        alpha = trial.suggest_float('alpha', 1e-5, 1e-2)  # expect: DL502\n"
        "        opt = torch.optim.SGD(self.model.parameters(), lr=alpha, momentum=0.9)\n",
        # A hand-written random search.
        "import numpy as np\nfor trial in range(20):\n"
        "    lr = np.random.uniform(1e-5, 1e-2)  # expect: DL502\n"
        "    run(lr)\n",
        # Ray Tune, hyperopt and a scikit-learn random search.
        "from ray import tune\nconfig = {'lr': tune.uniform(1e-5, 1e-1), 'batch_size': 64}  # expect: DL502\n",
        "import ray\nspace = {'lr0': ray.tune.uniform(1e-5, 1e-1), 'momentum': ray.tune.uniform(0.6, 0.98)}  # expect: DL502\n",
        "from ray import tune\nhpo = {'optimization.learning_rate': tune.uniform(1e-2, 1e-5)}  # expect: DL502\n",
        "from hyperopt import hp\nspace = {'learning_rate': hp.uniform('learning_rate', 0.0001, 0.1)}  # expect: DL502\n",
        "from scipy.stats import uniform\nfrom sklearn.model_selection import RandomizedSearchCV\n"
        "dist = {'alpha': uniform(1e-5, 1e-1), 'learning_rate_init': uniform(1e-4, 1e-1)}  # expect: DL502\n"
        "search = RandomizedSearchCV(MLPClassifier(), dist)\n",
    ]

    def check(self, ctx) -> None:
        self._check_samplers(ctx)
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
    def _check_samplers(ctx) -> None:
        for call in ctx.index.of_type(cst.Call):
            sample = linear_sample(ctx.imports, call)
            if sample is None or not _spans_decades(sample):
                continue
            stored = _stored_under(ctx, call)
            if _scale_name(stored):
                what = f"`{stored}`"
            elif _scale_name(sample.label):
                what = f"`{sample.label}`"
            else:
                assigned = _assigned_name(ctx, call)
                into = _flows_into_optimiser(ctx, call, assigned) if assigned else None
                if into is None:
                    continue
                what = f"`{assigned}` (passed as {into}=)"
            ctx.report(
                call,
                f"{what} is drawn uniformly on a linear scale between {sample.low:g} and "
                f"{sample.high:g} ({sample.library}): almost every trial falls in the top order of "
                "magnitude. Draw it on a log scale (suggest_float(..., log=True), "
                "tune.loguniform, hp.loguniform, scipy.stats.loguniform)",
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
