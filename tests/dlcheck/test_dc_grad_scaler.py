"""DC505: a GradScaler that skips every step, beside a scaler that calibrates (a few skips) and
one that never skips. CPU GradScaler: the same code path as CUDA's."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck
from dc_trace import leftovers, snapshot
from dlcheck.checks import grad_scaler as scaler_check


def _run(steps: int, poison: bool = False, init_scale: float = 2.0 ** 16, give_opt: bool = True,
         checks=("grad_scaler",), **kw):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)
    before = snapshot(model)
    with dlcheck.watch(model, opt if give_opt else None, checks=checks if isinstance(checks, (str, dict)) else list(checks), on_problem="log",
                       **kw) as w:
        for i in range(steps):
            x = torch.randn(16, 4)
            if poison:
                x[0, 0] = float("nan")  # one bad sample: every gradient is NaN, at any scale
            opt.zero_grad()
            loss = model(x).pow(2).mean() * 10
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            if not give_opt:
                w.step()
    assert leftovers(model, before, opt) == []
    return w.report(), scaler


@pytest.mark.parametrize("give_opt", [True, False], ids=["optimizer", "w.step"])
def test_scaler_skipping_every_step_is_reported(give_opt):
    report, scaler = _run(25, poison=True, give_opt=give_opt)
    [p] = report.by_code("DC505")
    assert p.data["skipped_in_a_row"] == 20
    assert p.data["scale"] == pytest.approx(2.0 ** 16 * 0.5 ** 19)  # before that step's update()
    assert "non-finite" in p.suggestion


def test_scaler_calibrating_from_a_huge_scale_is_quiet():
    # the first steps overflow and are skipped while the scale halves; then training runs
    report, scaler = _run(40, init_scale=1e38)
    assert scaler.get_scale() < 1e38
    assert not report.problems, str(report)


def test_healthy_scaler_is_quiet_under_default_checks():
    report, _ = _run(25, checks="default")
    assert not report.problems, str(report)


def test_patience_option_and_wrap_removed_after_close():
    report, _ = _run(6, poison=True, checks={"grad_scaler": {"patience": 5}})
    assert report.by_code("DC505")[0].data["skipped_in_a_row"] == 5
    assert not scaler_check.installed()
    assert not hasattr(torch.amp.GradScaler.step, "__dlcheck_original__")


def test_scaler_of_another_model_is_not_counted():
    model = nn.Linear(4, 1)
    other = nn.Linear(4, 1)
    opt = torch.optim.SGD(other.parameters(), lr=0.01)
    scaler = torch.amp.GradScaler("cpu")
    with dlcheck.watch(model, checks=["grad_scaler"], on_problem="log") as w:
        for _ in range(25):
            opt.zero_grad()
            scaler.scale(other(torch.full((2, 4), float("nan"))).sum()).backward()
            scaler.step(opt)
            scaler.update()
            model(torch.randn(2, 4))
            w.step()
    assert not w.report().problems


def test_raise_mode_raises_from_the_scaler_step():
    with pytest.raises(dlcheck.DCProblemError, match="DC505"):
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        scaler = torch.amp.GradScaler("cpu")
        with dlcheck.watch(model, opt, checks=["grad_scaler"], on_problem="raise"):
            for _ in range(25):
                opt.zero_grad()
                scaler.scale(model(torch.full((2, 4), float("nan"))).sum()).backward()
                scaler.step(opt)
                scaler.update()
    assert not scaler_check.installed()
