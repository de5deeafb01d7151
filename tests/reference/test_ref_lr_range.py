"""Proof for dlcheck.reference.lr_range_test on a tiny synthetic linear-regression problem.

- the sweep is exactly geometric, the smoothed curve equals an independently computed
  bias-corrected moving average (1e-12), and it stops at the first point past the divergence rule;
- the suggested rate lies below the closed-form stability limit of SGD with momentum on this
  problem, 2 (1 + beta) / lambda_max, and within a factor 100 of it; training with it converges
  while 100 times it diverges;
- the model, the optimiser and the train/eval flag are restored; matplotlib stays optional.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from dlcheck.reference import LRRangeResult, lr_range_test


def _problem(device: torch.device | str = "cpu"):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 10, generator=g)
    y = x @ torch.randn(10, 1, generator=g) + 0.1 * torch.randn(512, 1, generator=g)
    loader = [(x[i : i + 32], y[i : i + 32]) for i in range(0, 512, 32)]
    torch.manual_seed(0)
    return nn.Linear(10, 1).to(device), loader, x, y


def _run(**kwargs) -> tuple[nn.Module, LRRangeResult, torch.Tensor, torch.Tensor]:
    model, loader, x, y = _problem(kwargs.setdefault("device", "cpu"))  # batches are moved by the test
    kwargs.setdefault("start_lr", 1e-5)
    kwargs.setdefault("end_lr", 10.0)
    kwargs.setdefault("num_steps", 150)
    result = lr_range_test(model, nn.functional.mse_loss, loader, **kwargs)
    return model, result, x, y


def test_curve_shape_smoothing_and_stop_rule() -> None:
    _, r, _, _ = _run(smoothing=0.05, diverge_factor=4.0)
    assert len(r.lrs) == len(r.losses) == len(r.smoothed) < 150  # stopped early
    assert r.diverged
    assert r.lrs[0] == 1e-5
    ratio = (10.0 / 1e-5) ** (1 / 149)
    assert all(abs(b / a - ratio) < 1e-9 for a, b in zip(r.lrs, r.lrs[1:]))
    avg, expected = 0.0, []
    for i, loss in enumerate(r.losses):
        avg = 0.95 * avg + 0.05 * loss
        expected.append(avg / (1 - 0.95 ** (i + 1)))
    assert max(abs(a - b) for a, b in zip(expected, r.smoothed)) < 1e-12
    # the stop rule fired at the last point and at no earlier one
    assert r.smoothed[-1] > 4.0 * min(r.smoothed[:-1])
    assert all(r.smoothed[i] <= 4.0 * min(r.smoothed[:i]) for i in range(1, len(r.smoothed) - 1))
    best = min(range(len(r.smoothed)), key=r.smoothed.__getitem__)
    assert r.lr_at_min == r.lrs[best] and r.suggested_lr == pytest.approx(r.lr_at_min / 10)


def test_suggestion_is_below_the_stability_limit_and_trains() -> None:
    model, r, x, y = _run()
    # MSE on a linear model: Hessian 2 X^T X / n; heavy-ball SGD is stable for lr < 2 (1 + beta) / lambda_max
    lam_max = float(torch.linalg.eigvalsh(2 * x.T @ x / x.shape[0]).max())
    limit = 2 * (1 + 0.9) / lam_max
    assert r.suggested_lr < limit < 100 * r.suggested_lr

    def train(lr: float) -> float:
        torch.manual_seed(0)
        m = nn.Linear(10, 1)
        opt = torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)
        for _ in range(5):
            for i in range(0, 512, 32):
                opt.zero_grad()
                nn.functional.mse_loss(m(x[i : i + 32]), y[i : i + 32]).backward()
                opt.step()
        with torch.no_grad():
            return float(nn.functional.mse_loss(m(x), y))

    with torch.no_grad():
        initial = float(nn.functional.mse_loss(model(x), y))
    assert train(r.suggested_lr) < 0.05 * initial
    too_high = train(100 * r.suggested_lr)
    assert not too_high < initial  # NaN or larger: the sweep's upper end really is unusable


def test_model_optimizer_and_mode_are_restored() -> None:
    model, loader, _, _ = _problem()
    model.eval()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam(model.parameters(), lr=0.123)
    r = lr_range_test(model, nn.functional.mse_loss, loader, opt, start_lr=1e-4, end_lr=1.0, num_steps=40)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert not model.training
    assert opt.param_groups[0]["lr"] == 0.123 and not opt.state  # optimiser state as before
    assert len(r.lrs) >= 2
    lr_range_test(model, nn.functional.mse_loss, loader, start_lr=1e-4, end_lr=1.0, num_steps=20, restore=False)
    assert not all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_no_divergence_runs_all_steps_and_says_so(device: torch.device) -> None:
    model, r, _, _ = _run(end_lr=1e-3, num_steps=40, device=device)  # 40 steps > 16 batches: cycled
    assert len(r.lrs) == 40 and not r.diverged
    assert all(p.device.type == device.type for p in model.parameters())
    assert r.lrs[-1] == pytest.approx(1e-3)
    assert any("never diverged" in note for note in r.notes)


def test_invalid_arguments() -> None:
    model, loader, _, _ = _problem()
    with pytest.raises(ValueError):
        lr_range_test(model, nn.functional.mse_loss, loader, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError):
        lr_range_test(model, nn.functional.mse_loss, [], num_steps=5)


def test_plot_with_matplotlib() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    _, r, _, _ = _run(num_steps=60)
    ax = r.plot()
    assert ax.get_xscale() == "log"
    assert len(ax.get_lines()) >= 2
    matplotlib.pyplot.close("all")


def test_plot_request_without_matplotlib_warns() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("matplotlib is installed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run(num_steps=20, plot=True)
    assert any("matplotlib" in str(w.message) for w in caught)
