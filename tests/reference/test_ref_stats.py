"""Proof for dlcheck.reference.stats against closed forms and simulation.

- the normal interval is p +- z sqrt(p(1-p)/n) with z from the normal quantile (n=100 at 50% gives
  +-0.098, the lecture's "about +-0.1");
- the Wilson interval's endpoints solve (p_hat - p)^2 = z^2 p (1 - p) / n, checked with numpy's
  polynomial root finder;
- coverage by simulation (seeded binomial draws): Wilson covers the true accuracy 93-97% of the time at
  95%, including at 98% accuracy where the normal interval falls short;
- differ: the lecture's examples, and its false-positive rate under the null (simulated) is at most
  the nominal 5% for the unpaired test and about 5% for the paired test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcheck.reference.stats import accuracy_ci, differ, test_set_size, z_value

Z95 = 1.959963984540054  # the standard normal 97.5% quantile, to double precision


def test_z_values() -> None:
    assert z_value(0.95) == pytest.approx(Z95, rel=1e-12)
    assert z_value(0.90) == pytest.approx(1.6448536269514722, rel=1e-12)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_lecture_example_100_instances_at_50_percent() -> None:
    ci = accuracy_ci(50, 100, method="normal")
    assert ci.half_width == pytest.approx(Z95 * 0.05, rel=1e-12)  # 0.098: "about +-0.1"
    assert ci.low == pytest.approx(0.5 - Z95 * 0.05) and ci.high == pytest.approx(0.5 + Z95 * 0.05)
    wilson = accuracy_ci(50, 100)
    assert 0.09 < wilson.half_width < 0.1
    assert 0.4 < wilson.low < 0.41  # 40% and 60% cannot be told apart on 100 instances


@pytest.mark.parametrize(
    ("correct", "n", "level"), [(994, 1000, 0.95), (30, 40, 0.9), (7, 10, 0.99), (5000, 10000, 0.95)]
)
def test_normal_closed_form(correct: int, n: int, level: float) -> None:
    p = correct / n
    half = z_value(level) * math.sqrt(p * (1 - p) / n)
    ci = accuracy_ci(correct, n, level, method="normal")
    assert ci.estimate == p
    assert ci.low == pytest.approx(max(0.0, p - half), abs=1e-15)
    assert ci.high == pytest.approx(min(1.0, p + half), abs=1e-15)


@pytest.mark.parametrize(("correct", "n"), [(50, 100), (98, 100), (100, 100), (0, 20), (7, 10), (9950, 10000)])
def test_wilson_endpoints_solve_the_score_equation(correct: int, n: int) -> None:
    p_hat, z2 = correct / n, Z95**2
    # (p_hat - p)^2 = z^2 p (1 - p) / n  <=>  (1 + z2/n) p^2 - (2 p_hat + z2/n) p + p_hat^2 = 0
    roots = sorted(np.roots([1 + z2 / n, -(2 * p_hat + z2 / n), p_hat**2]).real)
    ci = accuracy_ci(correct, n)
    assert ci.low == pytest.approx(max(0.0, roots[0]), abs=1e-12)
    assert ci.high == pytest.approx(min(1.0, roots[1]), abs=1e-12)
    assert 0.0 <= ci.low <= p_hat <= ci.high <= 1.0


def _coverage(p: float, n: int, method: str, draws: int = 4000) -> float:
    rng = np.random.default_rng(0)
    counts = rng.binomial(n, p, size=draws)
    cache: dict[int, bool] = {}
    for c in np.unique(counts):
        ci = accuracy_ci(int(c), n, method=method)  # type: ignore[arg-type]
        cache[int(c)] = ci.low <= p <= ci.high
    return float(np.mean([cache[int(c)] for c in counts]))


@pytest.mark.parametrize("p", [0.5, 0.8, 0.98])
def test_wilson_coverage_by_simulation(p: float) -> None:
    assert 0.93 <= _coverage(p, 100, "wilson") <= 0.975


def test_normal_interval_undercovers_near_100_percent() -> None:
    """Why Wilson is the default: at 98% on 100 instances the textbook interval covers far less."""
    normal, wilson = _coverage(0.98, 100, "normal"), _coverage(0.98, 100, "wilson")
    assert normal < 0.9 < wilson


def test_invalid_counts() -> None:
    with pytest.raises(ValueError):
        accuracy_ci(101, 100)
    with pytest.raises(ValueError):
        accuracy_ci(0.5, 100)  # type: ignore[arg-type]  # a fraction, not a count
    with pytest.raises(ValueError):
        accuracy_ci(1, 0)


def test_test_set_size_closed_form() -> None:
    assert test_set_size(0.1) == math.ceil(Z95**2 * 0.25 / 0.01)  # 97
    assert test_set_size(0.001, accuracy=0.995) == math.ceil(Z95**2 * 0.995 * 0.005 / 1e-6)


def test_differ_lecture_examples() -> None:
    small = differ(0.60, 0.59, 100)
    assert not small and not small.significant and small.method == "unpaired"
    assert small.low < 0 < small.high
    assert differ(0.60, 0.50, 10_000)  # 10 points on 10 000 instances is real
    assert not differ(0.995, 0.994, 10_000)  # 99.5 vs 99.4 needs more than 10 000
    se = math.sqrt(0.6 * 0.4 / 100 + 0.59 * 0.41 / 100)
    assert small.high - small.difference == pytest.approx(Z95 * se, rel=1e-12)


def _simulate_same_test_set(n: int, p: float, agree: float, shift: float, trials: int, rng):
    """Two classifiers on the same n instances: B copies A's outcome with probability `agree`."""
    a = rng.random((trials, n)) < p
    copy = rng.random((trials, n)) < agree
    b = np.where(copy, a, rng.random((trials, n)) < p + shift)
    return a, b


def test_differ_false_positive_rate_under_the_null() -> None:
    rng = np.random.default_rng(1)
    n, trials = 500, 1500
    a, b = _simulate_same_test_set(n, 0.8, 0.8, 0.0, trials, rng)
    unpaired = paired = 0
    for ra, rb in zip(a, b):
        acc_a, acc_b = ra.mean(), rb.mean()
        unpaired += bool(differ(acc_a, acc_b, n))
        paired += bool(differ(acc_a, acc_b, n, only_a=int((ra & ~rb).sum()), only_b=int((~ra & rb).sum())))
    # correlated models: the unpaired test is conservative, the paired one is at its nominal 5%
    assert unpaired / trials < 0.02
    assert 0.03 < paired / trials < 0.075


def test_paired_test_has_more_power() -> None:
    rng = np.random.default_rng(2)
    n, trials = 500, 300
    a, b = _simulate_same_test_set(n, 0.8, 0.8, 0.15, trials, rng)  # B is really better
    unpaired = paired = 0
    for ra, rb in zip(a, b):
        unpaired += bool(differ(ra.mean(), rb.mean(), n))
        paired += bool(differ(ra.mean(), rb.mean(), n, only_a=int((ra & ~rb).sum()), only_b=int((~ra & rb).sum())))
    assert paired > unpaired
    assert paired / trials > 0.5


def test_paired_interval_closed_form() -> None:
    """Each instance contributes d_i in {+1, 0, -1}; the interval is mean(d) +- z sd(d) / sqrt(n)."""
    n, only_a, only_b = 2000, 140, 64
    d = np.array([1] * only_a + [-1] * only_b + [0] * (n - only_a - only_b), dtype=float)
    result = differ(0.912, 0.874, n, only_a=only_a, only_b=only_b)
    assert result.method == "paired" and result.difference == pytest.approx(d.mean(), abs=1e-15)
    assert result.high - result.difference == pytest.approx(Z95 * d.std() / math.sqrt(n), rel=1e-12)
    assert result  # 3.8 points with 204 disagreements is beyond the noise


def test_numpy_and_torch_scalars_are_accepted() -> None:
    import torch

    assert differ(np.float64(0.9), np.float32(0.5), np.int64(100)).significant is True
    assert accuracy_ci(np.int64(50), 100) == accuracy_ci(50, 100)
    assert accuracy_ci(torch.tensor(50), 100) == accuracy_ci(50, 100)


def test_differ_validation() -> None:
    with pytest.raises(ValueError):
        differ(1.2, 0.5, 100)
    with pytest.raises(ValueError):
        differ(0.6, 0.5, 100, only_a=3)
    with pytest.raises(ValueError):
        differ(0.6, 0.5, 100, only_a=3, only_b=1)  # 2 instances cannot make a 10-point difference
    assert differ(1.0, 0.0, 10)  # no noise at all, and a difference
    assert not differ(1.0, 1.0, 10)
