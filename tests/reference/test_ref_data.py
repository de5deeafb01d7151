"""Proof for dlcheck.reference.data: statistics come from the training part only.

- Standardizer: closed-form mean 0 / std 1 on the data it was fitted on (numpy and torch, to 1e-12),
  constant features map to 0, inverse_transform round-trips;
- split_then_fit: the fitted mean is the training rows' mean (not the whole data's), and changing the
  test rows changes nothing about the training data or the fitted statistics: the test set cannot
  leak. The wrong order (fit on everything) is shown to leak by the same measurement.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcheck.reference.data import Standardizer, split_then_fit


def _data(n: int = 200, d: int = 4) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(loc=[1.0, -5.0, 100.0, 0.0][:d], scale=[1.0, 3.0, 0.1, 10.0][:d], size=(n, d))


def test_standardizer_numpy_closed_form() -> None:
    x = _data()
    z = Standardizer().fit_transform(x)
    assert np.allclose(z.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(z.std(axis=0), 1.0, atol=1e-12)
    s = Standardizer().fit(x)
    assert np.allclose(s.inverse_transform(s.transform(x)), x, atol=1e-10)


def test_standardizer_torch_closed_form(device: torch.device) -> None:
    x = torch.as_tensor(_data(), device=device)
    s = Standardizer().fit(x)
    z = s.transform(x)
    assert z.device == x.device
    assert torch.allclose(z.mean(dim=0), torch.zeros(4, dtype=z.dtype, device=device), atol=1e-12)
    assert torch.allclose(z.std(dim=0, unbiased=False), torch.ones(4, dtype=z.dtype, device=device), atol=1e-12)
    # fitted on numpy, applied to torch (and back): the statistics travel with the object
    s_np = Standardizer().fit(_data())
    assert np.allclose(s_np.transform(x).cpu().numpy(), z.cpu().numpy(), atol=1e-12)


def test_standardizer_constant_feature_and_misuse() -> None:
    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    z = Standardizer().fit_transform(x)
    assert np.all(np.isfinite(z)) and np.all(z[:, 1] == 0.0)
    with pytest.raises(RuntimeError):
        Standardizer().transform(x)  # not fitted
    with pytest.raises(ValueError):
        Standardizer().fit(x).transform(np.zeros((3, 5)))  # wrong number of features
    z_int = Standardizer().fit_transform(np.arange(12).reshape(6, 2))  # integer input becomes float
    assert z_int.dtype == np.float64


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_split_then_fit_uses_training_statistics_only(kind: str) -> None:
    x = _data(300)
    # make the last rows very different, so a leaked statistic would be visible
    x[-60:] += 50.0
    y = np.arange(300)
    if kind == "torch":
        x, y = torch.as_tensor(x), torch.as_tensor(y)
    split = split_then_fit(x, y, val_fraction=0.2, test_fraction=0.2, seed=3)
    xs = np.asarray(x)
    idx = np.concatenate([split.train_idx, split.val_idx, split.test_idx])
    assert sorted(idx.tolist()) == list(range(300))  # a partition: nothing lost, nothing shared
    assert (len(split.train_idx), len(split.val_idx), len(split.test_idx)) == (180, 60, 60)
    assert np.allclose(np.asarray(split.standardizer.mean_), xs[split.train_idx].mean(axis=0), atol=1e-12)
    assert not np.allclose(np.asarray(split.standardizer.mean_), xs.mean(axis=0), atol=1.0)
    assert np.array_equal(np.asarray(split.y_test), split.test_idx)  # labels follow their rows
    assert np.allclose(np.asarray(split.x_train).mean(axis=0), 0.0, atol=1e-12)


def test_test_rows_cannot_leak() -> None:
    x = _data(200)
    first = split_then_fit(x, seed=1)
    x_changed = x.copy()
    x_changed[first.test_idx] *= 1000.0  # change only the test rows, drastically
    second = split_then_fit(x_changed, seed=1)
    assert np.array_equal(first.x_train, second.x_train)
    assert np.array_equal(first.x_val, second.x_val)
    assert np.array_equal(first.standardizer.mean_, second.standardizer.mean_)
    # the wrong order, fitting before the split, does let the test rows change the training data
    wrong_first = Standardizer().fit_transform(x)[first.train_idx]
    wrong_second = Standardizer().fit_transform(x_changed)[first.train_idx]
    assert not np.allclose(wrong_first, wrong_second)


def test_unshuffled_split_keeps_time_order_and_seed_reproduces() -> None:
    x = _data(100)
    split = split_then_fit(x, shuffle=False, val_fraction=0.1, test_fraction=0.2)
    assert split.train_idx.tolist() == list(range(70))
    assert split.test_idx.tolist() == list(range(80, 100))  # the most recent rows are the test set
    a, b = split_then_fit(x, seed=5), split_then_fit(x, seed=5)
    assert np.array_equal(a.test_idx, b.test_idx)
    assert not np.array_equal(a.test_idx, split_then_fit(x, seed=6).test_idx)


def test_split_validation() -> None:
    with pytest.raises(ValueError):
        split_then_fit(_data(10), np.arange(9))
    with pytest.raises(ValueError):
        split_then_fit(_data(10), val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError):
        split_then_fit(_data(3), val_fraction=0.3, test_fraction=0.4)
