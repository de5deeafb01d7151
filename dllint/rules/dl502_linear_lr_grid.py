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

Not reported: a sampler on a finished trial (it draws nothing), an array read one element per loop
step (a schedule), a learning-rate or weight-decay range from 1 up, a quantised draw whose step is
as wide as half its range or wider (it draws one or two values: ``suggest_discrete_uniform('lr',
1e-4, 0.1, 1)`` always returns 1e-4) (``dllint.analysis.search_spaces``).
"""
from __future__ import annotations

from dllint.analysis.search_spaces import linear_grid, linear_scale_draws, scale_grids
from dllint.context import FileContext
from dllint.rule import Rule


class LinearLearningRateGrid(Rule):
    """A learning rate or regularisation strength searched on a linear grid: search it on a log
    scale."""

    code = "DL502"
    name = "linear-scale-grid"
    summary = "Learning rate (or another scale parameter) searched on a linear grid; use a log scale."
    # On by default since 2026-12-03: a fresh sample of public code, never used before, gave 24
    # right findings of 25 (0.96), and 62 of 66 pooled with every earlier judged finding
    # (docs/precision.md, "Off-by-default rules, a fresh sample").
    default_enabled = True
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
        # A sampler on a finished trial returns the stored value: nothing is drawn.
        "import optuna\nstudy = optuna.create_study()\nstudy.optimize(objective, n_trials=50)\n"
        "best = study.best_trial\nlr = best.suggest_uniform('lr', 1e-5, 1e-1)\n",
        "import optuna\nstudy = optuna.load_study(study_name='s', storage=url)\n"
        "model = build(study.trials[3].suggest_float('learning_rate', 1e-5, 1e-1))\n",
        "import optuna\ndef objective(trial):\n"
        "    return train(lr=trial.suggest_float('lr', 1e-5, 1e-1, log=True))\n"
        "score = objective(optuna.trial.FixedTrial({'lr': 1e-3}))\n",
        "from optuna.trial import FixedTrial\ntrial = FixedTrial({'weight_decay': 1e-4})\n"
        "wd = trial.suggest_float('weight_decay', 1e-6, 1e-2)\n",
        # A linear ramp read one element per step by the loop's counter: a schedule.
        "import numpy as np\nepochs = 100\nweight_decay = np.linspace(0, 1, epochs * 10)\n"
        "for it in range(epochs * 10):\n    loss = a + weight_decay[it] * b\n",
        "import numpy as np\nlrs = np.linspace(1e-4, 1e-2, num_steps)\n"
        "for step, (x, y) in enumerate(loader):\n"
        "    for group in opt.param_groups:\n        group['lr'] = lrs[step]\n"
        "    loss = crit(model(x), y)\n    loss.backward()\n    opt.step()\n",
        # A step as wide as the range: the draw returns the lower bound every time.
        "def objective(trial):\n    lr = trial.suggest_discrete_uniform('lr', 0.0001, 0.1, 1)\n"
        "    return train(lr)\n",
        "from hyperopt import hp\nspace = {'lr': hp.quniform('lr', 1e-4, 1e-1, 0.1)}\n",
        "def objective(trial):\n    wd = trial.suggest_float('weight_decay', 1e-5, 1e-2, step=0.01)\n"
        "    return fit(wd)\n",
        # A "learning rate" range from 1 up is some other quantity: rates and decays live below 1.
        "import numpy as np\nlrs = np.linspace(1, 45, 45)\nfor lr in lrs:\n    phantom(lr)\n",
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
        # Quantised draws whose step leaves many values are linear grids all the same.
        "def objective(trial):\n"
        "    wd = trial.suggest_float('weight_decay', 1e-5, 1e-2, step=1e-5)  # expect: DL502\n"
        "    return fit(wd)\n",
        "from hyperopt import hp\nspace = {'lr': hp.quniform('lr', 1e-4, 1e-1, 1e-4)}  # expect: DL502\n",
        "from ray import tune\nconfig = {'lr': tune.quniform(1e-4, 1e-1, 5e-3)}  # expect: DL502\n",
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
        # Twins of the silent cases: the objective's own (live) trial beside a replay of the best
        # one; a grid read by index but handed to a training per value; an L2 strength from 1 up.
        "import optuna\ndef objective(trial):\n"
        "    lr = trial.suggest_uniform('lr', 1e-5, 1e-1)  # expect: DL502\n    return train(lr)\n"
        "study = optuna.create_study()\nstudy.optimize(objective, n_trials=50)\n"
        "lr = study.best_trial.suggest_uniform('lr', 1e-5, 1e-1)\n",
        "import numpy as np\nlrs = np.linspace(1e-4, 1e-1, 10)  # expect: DL502\n"
        "for i in range(len(lrs)):\n    scores[i] = train(model, lr=lrs[i])\n",
        "import numpy as np\nweight_decay = np.linspace(0, 1, 11)  # expect: DL502\n"
        "for it in range(11):\n    loss = a + weight_decay[it] * b\n    results.append(fit(weight_decay))\n",
        "import numpy as np\nfor l2 in np.linspace(1, 100, 12):  # expect: DL502\n    fit(l2)\n",
    ]

    def check(self, ctx: FileContext) -> None:
        for draw in linear_scale_draws(ctx):
            what = f"`{draw.name}`" if draw.passed_as is None else f"`{draw.name}` (passed as {draw.passed_as}=)"
            sample = draw.sample
            ctx.report(
                draw.call,
                f"{what} is drawn uniformly on a linear scale between {sample.low:g} and "
                f"{sample.high:g} ({sample.library}): almost every trial falls in the top order of "
                "magnitude. Draw it on a log scale (suggest_float(..., log=True), "
                "tune.loguniform, hp.loguniform, scipy.stats.loguniform)",
            )
        for name, grid in scale_grids(ctx):
            described = linear_grid(ctx, grid, name)
            if described:
                ctx.report(
                    grid,
                    f"`{name}` is searched on a linear grid ({described}): most points fall in "
                    "the top order of magnitude. Use a log scale, e.g. np.logspace or "
                    "10 ** uniform(low, high)",
                )
