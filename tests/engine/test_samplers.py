"""The hyper-parameter sampler facts: which draws are linear, and their bounds."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.imports import ImportMap
from dllint.analysis.samplers import linear_sample


def _sample(imports: dict[str, str], source: str):
    mapping = ImportMap()
    mapping.aliases.update(imports)
    call = cst.parse_expression(source)
    assert isinstance(call, cst.Call)
    return linear_sample(mapping, call)


@pytest.mark.parametrize("imports, source, low, high, label", [
    ({}, "trial.suggest_uniform('lr', 1e-5, 1e-1)", 1e-5, 1e-1, "lr"),
    ({}, "trial.suggest_float('wd', 1e-6, 1e-2, log=False)", 1e-6, 1e-2, "wd"),
    ({}, "trial.suggest_float(name='lr', low=0.001, high=0.1)", 0.001, 0.1, "lr"),
    ({}, "trial.suggest_discrete_uniform('lr', 0.0001, 0.1, 0.0001)", 0.0001, 0.1, "lr"),
    ({"tune": "ray.tune"}, "tune.uniform(1e-4, 1e-1)", 1e-4, 1e-1, None),
    ({"hp": "hyperopt.hp"}, "hp.uniform('eta', 0.001, 0.5)", 0.001, 0.5, "eta"),
    # scipy's uniform takes a start and a width, not two bounds
    ({"uniform": "scipy.stats.uniform"}, "uniform(0.01, 0.09)", 0.01, 0.1, None),
    ({"np": "numpy"}, "np.random.uniform(1e-5, 1e-1)", 1e-5, 1e-1, None),
    ({"random": "random"}, "random.uniform(a=1e-5, b=1e-2)", 1e-5, 1e-2, None),
])
def test_linear_draws_and_their_bounds(imports, source, low, high, label) -> None:
    sample = _sample(imports, source)
    assert sample is not None
    assert sample.low == pytest.approx(low) and sample.high == pytest.approx(high)
    assert sample.label == label


@pytest.mark.parametrize("imports, source", [
    ({}, "trial.suggest_float('lr', 1e-5, 1e-1, log=True)"),
    ({}, "trial.suggest_float('lr', 1e-5, 1e-1, log=use_log)"),  # unknown flag: not known linear
    ({}, "trial.suggest_loguniform('lr', 1e-5, 1e-1)"),
    ({}, "trial.suggest_uniform('lr', low, high)"),  # bounds not literals
    ({"tune": "ray.tune"}, "tune.loguniform(1e-4, 1e-1)"),
    ({"hp": "hyperopt.hp"}, "hp.loguniform('lr', -9, -2)"),
    ({"uniform": "scipy.stats.loguniform"}, "uniform(1e-4, 1e-1)"),
    ({}, "uniform(1e-4, 1e-1)"),  # not imported from a library we know
    ({}, "np.random.uniform(1e-4, 1e-1)"),
])
def test_other_draws_are_not_linear_samples(imports, source) -> None:
    assert _sample(imports, source) is None
