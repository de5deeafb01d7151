"""How much a test accuracy can be trusted: confidence intervals and differences.

Principle: a test accuracy is an *estimate* of the probability that the model classifies a new
random instance correctly, and the test set size is the sample size of that estimate. Each test
instance is a coin flip that lands "correct" with the true accuracy ``p``, so the count of correct
answers is binomial and the estimate has standard error ``sqrt(p (1 - p) / n)``. At ``p = 0.5`` and
``n = 100`` that is 0.05, and the 95% interval is about +-0.1: 40% and 60% cannot be told apart.
To separate 99.4% from 99.5% you need tens of thousands of test instances.

Two intervals are offered:

- ``"normal"`` (Wald): ``p_hat +- z * sqrt(p_hat (1 - p_hat) / n)``, the textbook formula; it
  substitutes the estimate for the unknown ``p``, which is fine for large ``n`` and ``p`` not near 0
  or 1, but gives a zero-width interval at 100% accuracy.
- ``"wilson"`` (default): inverts the same normal test without substituting ``p_hat`` into the
  standard error. It stays inside [0, 1] and keeps close to the promised coverage for small ``n`` and
  extreme accuracies, which is where classifiers often live.

Comparing two models on the *same* test set: their errors are correlated (both get the easy
instances right), so the unpaired test that treats the two accuracies as independent is
conservative. If you know on how many instances only A and only B was right, :func:`differ` uses
the paired test, which is sharper and is the right one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, NamedTuple

__all__ = ["Interval", "Comparison", "z_value", "accuracy_ci", "differ", "test_set_size"]

Method = Literal["wilson", "normal"]


def z_value(level: float) -> float:
    """Two-sided standard-normal quantile: ``z`` with ``P(|Z| <= z) = level`` (1.96 for 0.95)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


class Interval(NamedTuple):
    """A point estimate with its confidence interval ``[low, high]`` at confidence ``level``."""

    estimate: float
    low: float
    high: float
    level: float
    method: str

    @property
    def half_width(self) -> float:
        """Half the interval's width: the "+-" to quote next to the estimate."""
        return (self.high - self.low) / 2.0

    def __str__(self) -> str:
        return f"{self.estimate:.4f} ({self.level:.0%} CI {self.low:.4f} to {self.high:.4f}, {self.method})"


def accuracy_ci(correct: int, n: int, level: float = 0.95, method: Method = "wilson") -> Interval:
    """Confidence interval of an accuracy from ``correct`` right answers out of ``n`` test instances.

    ``correct`` is a *count*, not a fraction (``accuracy_ci(50, 100)``), so that a count of 1 cannot
    be mistaken for an accuracy of 100%. ``method`` is ``"wilson"`` (default) or ``"normal"``; see
    the module docstring for the difference.
    """
    # plain Python numbers from here on: numpy scalars or 0-d tensors would leak into the result
    correct, n = float(correct), int(n)
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if correct != int(correct) or not 0 <= correct <= n:
        raise ValueError(f"correct must be a whole count between 0 and n={n}, got {correct}")
    z = z_value(level)
    p = correct / n
    if method == "normal":
        half = z * math.sqrt(p * (1.0 - p) / n)
        return Interval(p, max(0.0, p - half), min(1.0, p + half), level, method)
    if method == "wilson":
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
        return Interval(p, max(0.0, centre - half), min(1.0, centre + half), level, method)
    raise ValueError(f"method must be 'wilson' or 'normal', got {method!r}")


def test_set_size(half_width: float, accuracy: float = 0.5, level: float = 0.95) -> int:
    """Number of test instances for an interval of ``+- half_width`` around ``accuracy`` (normal
    approximation). ``accuracy=0.5`` is the worst case, so it is the safe choice when unknown."""
    if not 0.0 < half_width < 1.0:
        raise ValueError("half_width must be in (0, 1)")
    z = z_value(level)
    return math.ceil(z * z * accuracy * (1.0 - accuracy) / half_width**2)


test_set_size.__test__ = False  # type: ignore[attr-defined]  # its name starts with "test"; not a pytest test


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`differ`; true in a boolean context when the difference is significant."""

    difference: float
    low: float
    high: float
    level: float
    significant: bool
    method: str

    def __bool__(self) -> bool:
        return self.significant

    def __str__(self) -> str:
        verdict = "differ" if self.significant else "do not differ beyond the noise"
        return (
            f"accuracies {verdict}: difference {self.difference:+.4f} "
            f"({self.level:.0%} CI {self.low:+.4f} to {self.high:+.4f}, {self.method})"
        )


def differ(
    acc_a: float,
    acc_b: float,
    n: int,
    level: float = 0.95,
    *,
    only_a: int | None = None,
    only_b: int | None = None,
) -> Comparison:
    """Do accuracies ``acc_a`` and ``acc_b``, measured on the same ``n`` test instances, differ by
    more than the sampling noise?

    Without more information the two accuracies are treated as independent estimates: the
    difference has standard error ``sqrt(a (1 - a) / n + b (1 - b) / n)``. On the same test set the
    real error is usually smaller (the models agree on most instances), so this errs on the side of
    "no difference", which is the safe side for a claim of improvement.

    Given ``only_a`` and ``only_b``, the numbers of instances that only A, respectively only B, got
    right, the paired test is used: each instance contributes ``+1``, ``-1`` or ``0`` to the difference,
    and only the instances where the models disagree carry noise (the idea behind McNemar's test).

    The returned :class:`Comparison` is truthy when the ``level`` confidence interval of the
    difference ``acc_a - acc_b`` excludes zero.
    """
    acc_a, acc_b, n = float(acc_a), float(acc_b), int(n)  # accept numpy scalars and 0-d tensors
    for name, acc in (("acc_a", acc_a), ("acc_b", acc_b)):
        if not 0.0 <= acc <= 1.0:
            raise ValueError(f"{name} must be an accuracy in [0, 1], got {acc}")
    if n <= 1:
        raise ValueError(f"n must be larger than 1, got {n}")
    z = z_value(level)
    diff = acc_a - acc_b
    if (only_a is None) != (only_b is None):
        raise ValueError("give both only_a and only_b, or neither")
    if only_a is not None and only_b is not None:
        if only_a < 0 or only_b < 0 or only_a + only_b > n:
            raise ValueError("only_a and only_b must be counts that add up to at most n")
        paired = (only_a - only_b) / n
        if abs(paired - diff) > 1.0 / n + 1e-12:
            raise ValueError(
                f"only_a - only_b = {only_a - only_b} instances does not match acc_a - acc_b = {diff:.6f} on n={n}"
            )
        diff = paired
        var = (only_a + only_b) / n - diff * diff  # variance of one instance's +1/0/-1
        se = math.sqrt(max(var, 0.0) / n)
        method = "paired"
    else:
        se = math.sqrt(acc_a * (1.0 - acc_a) / n + acc_b * (1.0 - acc_b) / n)
        method = "unpaired"
    half = z * se
    significant = bool(abs(diff) > half) if se > 0.0 else diff != 0.0
    return Comparison(diff, diff - half, diff + half, level, significant, method)
