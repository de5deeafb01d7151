"""Leak-free preprocessing: split first, fit on the training part only, apply everywhere.

Principle: every test instance is supposed to be an independent measurement of how the model does
on data it has never seen. If a preprocessing statistic (a mean, a standard deviation, a
vocabulary, a PCA basis) is computed on the whole data set before the split, the test instances
have contributed to what the model is given at training time: information leaks from the test
set into training, the measured performance is optimistic, and the mistake cannot be undone
after the fact. The fix is an order of operations:

1. split into train / validation / test;
2. fit the preprocessing on the training part only;
3. apply that fitted preprocessing, unchanged, to validation and test.

The training mean is a slightly worse estimate than the whole-data mean, and that is the point:
it is the only one a deployed model would have. :class:`Standardizer` is the small fitted
preprocessing step; :func:`split_then_fit` does the three steps in the right order. For time-ordered
data (e-mails, logs, prices) pass ``shuffle=False`` so that the test set lies after the training
data, as it would in deployment. (dllint rule DL401 flags the wrong order statically.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import torch

__all__ = ["Standardizer", "DataSplit", "split_then_fit"]

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _as_float(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return x if x.is_floating_point() else x.to(torch.get_default_dtype())
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


class Standardizer:
    """Per-feature standardisation ``(x - mean) / std`` with statistics from :meth:`fit` only.

    Works on numpy arrays and torch tensors of shape ``(n, *features)``; the statistics are taken
    over the first (instance) axis. The standard deviation is the population one (``ddof=0``), as in
    scikit-learn's StandardScaler. A feature that is constant in the training data has standard
    deviation zero; it is divided by 1 instead, so it maps to 0 rather than to NaN or infinity.
    """

    def __init__(self) -> None:
        self.mean_: Any = None
        self.std_: Any = None
        self.n_fit_: int = 0

    def fit(self, x: Array) -> Standardizer:
        """Compute the mean and standard deviation of ``x`` (the training data, and only that)."""
        x = _as_float(x)
        if x.shape[0] < 2:
            raise ValueError("Standardizer.fit needs at least two instances to estimate a spread")
        if isinstance(x, torch.Tensor):
            self.mean_ = x.mean(dim=0)
            std = x.std(dim=0, unbiased=False)
            self.std_ = torch.where(std > 0, std, torch.ones_like(std))
        else:
            self.mean_ = x.mean(axis=0)
            std = x.std(axis=0)
            self.std_ = np.where(std > 0, std, 1.0)
        self.n_fit_ = int(x.shape[0])
        return self

    def _stats_like(self, x: Any) -> tuple[Any, Any]:
        if self.mean_ is None:
            raise RuntimeError("Standardizer used before fit(): fit it on the training data first")
        if isinstance(x, torch.Tensor):
            mean = torch.as_tensor(self.mean_, dtype=x.dtype, device=x.device)
            std = torch.as_tensor(self.std_, dtype=x.dtype, device=x.device)
        else:
            mean = self.mean_.detach().cpu().numpy() if isinstance(self.mean_, torch.Tensor) else self.mean_
            std = self.std_.detach().cpu().numpy() if isinstance(self.std_, torch.Tensor) else self.std_
        if tuple(mean.shape) != tuple(x.shape[1:]):
            raise ValueError(
                f"fitted on features of shape {tuple(mean.shape)}, got instances of shape {tuple(x.shape[1:])}"
            )
        return mean, std

    def transform(self, x: Array) -> Array:
        """Standardise ``x`` with the *fitted* statistics (never re-estimated from ``x``)."""
        x = _as_float(x)
        mean, std = self._stats_like(x)
        return (x - mean) / std

    def fit_transform(self, x: Array) -> Array:
        """Fit on ``x`` and transform it; use it on the training part only."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z: Array) -> Array:
        """Map standardised values back to the original units."""
        z = _as_float(z)
        mean, std = self._stats_like(z)
        return z * std + mean


@dataclass
class DataSplit(Generic[Array]):
    """The three parts after :func:`split_then_fit`, standardised with the training statistics."""

    x_train: Array
    x_val: Array
    x_test: Array
    y_train: Array | None
    y_val: Array | None
    y_test: Array | None
    standardizer: Standardizer
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray


def _take(x: Any, idx: np.ndarray) -> Any:
    if isinstance(x, torch.Tensor):
        return x[torch.as_tensor(idx, dtype=torch.long, device=x.device)]
    return np.asarray(x)[idx]


def split_then_fit(
    x: Array,
    y: Array | None = None,
    *,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    shuffle: bool = True,
    seed: int = 0,
    standardizer: Standardizer | None = None,
) -> DataSplit[Array]:
    """Split ``x`` (and ``y``) into train/validation/test, then fit ``standardizer`` on the training
    part only and apply it to all three parts.

    ``shuffle=True`` draws a random split with ``seed`` (reproducible); ``shuffle=False`` keeps the
    order, training on the first part and testing on the last, which is the honest split for
    time-ordered data. Labels are split with the same indices and not transformed. The returned
    :class:`DataSplit` also holds the indices, so the split can be saved and reused: the test set
    should stay the same for the whole project.
    """
    n = int(x.shape[0])
    if y is not None and int(y.shape[0]) != n:
        raise ValueError(f"x has {n} instances but y has {y.shape[0]}")
    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise ValueError("val_fraction and test_fraction must be >= 0 and leave room for training data")
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    if n_train < 2:
        raise ValueError(f"only {n_train} training instances left; need at least 2 to fit the statistics")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    train_idx, val_idx, test_idx = order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]
    scaler = standardizer if standardizer is not None else Standardizer()
    scaler.fit(_take(x, train_idx))  # the training part only: the whole point of this function
    return DataSplit(
        x_train=scaler.transform(_take(x, train_idx)),
        x_val=scaler.transform(_take(x, val_idx)),
        x_test=scaler.transform(_take(x, test_idx)),
        y_train=None if y is None else _take(y, train_idx),
        y_val=None if y is None else _take(y, val_idx),
        y_test=None if y is None else _take(y, test_idx),
        standardizer=scaler,
        train_idx=train_idx,
        val_idx=val_idx,
        test_idx=test_idx,
    )
