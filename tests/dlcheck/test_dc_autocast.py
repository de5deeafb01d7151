"""Autocast (bfloat16 on CPU) and torch.amp.GradScaler: no false alarm from bfloat16's range, no
crash, the detections still work; inf gradients of a step the scaler skips are the scaler's
business, not a NaN problem of the model."""

from __future__ import annotations

import torch
from torch import nn

import dlcheck
from dlcheck.watcher import DEFAULT_CHECKS


def _mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                         nn.Linear(32, 4))


def _train(model: nn.Module, steps: int, scaler=None, lr: float = 0.05, scale_x: float = 1.0,
           **watch):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    skipped = 0
    with dlcheck.watch(model, opt, on_problem="log", **watch) as w:
        for _ in range(steps):
            x, y = torch.randn(16, 8) * scale_x, torch.randint(0, 4, (16,))
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = nn.functional.cross_entropy(model(x), y)
            if scaler is None:
                loss.backward()
                opt.step()
            else:
                before = scaler.get_scale()
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                skipped += scaler.get_scale() < before
    return w.report(), skipped


def test_bfloat16_autocast_training_is_quiet():
    # activations of 1e4 and more: within bfloat16's range, whose sums the probes take in float32.
    # Inputs of 1e4 are far from standardised and input_scale says so (DC604, its own test); here
    # every other default check must stay quiet on them.
    checks = [name for name in DEFAULT_CHECKS if name != "input_scale"]
    report, _ = _train(_mlp(), steps=12, scale_x=1e4, lr=1e-6, checks=checks)
    assert not report.problems, str(report)
    assert report.steps == 12


def test_nan_under_autocast_is_found_at_its_module_and_step():
    model = _mlp()
    with torch.no_grad():
        model[2].bias[3] = float("nan")
    report, _ = _train(model, steps=3, checks=["nonfinite"])
    forward = [p for p in report.by_code("DC203") if "forward" in p.message]
    assert [(p.module, p.step) for p in forward] == [("2", 0)]


def test_dead_units_under_autocast_are_found_at_their_layer():
    model = _mlp()
    with torch.no_grad():
        model[2].bias.fill_(-1e3)  # the second ReLU never fires
    report, _ = _train(model, steps=3, lr=0.0, checks={"dead_units": {"window": 3}})
    assert [(p.code, p.module) for p in report.problems] == [("DC401", "3")]


def test_gradient_checks_see_bfloat16_autocast_gradients():
    model = _mlp()
    model[4].bias.requires_grad_(True)
    report, _ = _train(model, steps=4, checks=["grad_flow", "grad_norm"])
    assert not report.problems, str(report)


def test_steps_a_grad_scaler_skips_are_not_a_nan_of_the_model():
    # an initial scale that overflows the scaled gradients: the scaler finds inf gradients,
    # skips optimizer.step() and backs off; the watcher, counting steps by the optimizer's
    # step hooks, sees neither the inf gradients nor a step
    scaler = torch.amp.GradScaler("cpu", init_scale=3e38, backoff_factor=2.0 ** -120)
    report, skipped = _train(_mlp(), steps=6, scaler=scaler, scale_x=1e3)
    assert skipped >= 1
    assert not report.by_code("DC203"), str(report)
    assert report.steps == 6 - skipped  # a skipped step is not a training step


def test_a_nan_in_the_model_under_a_grad_scaler_is_still_found():
    # every step is skipped (NaN gradients): the forward NaN is told when the report is made
    scaler = torch.amp.GradScaler("cpu")
    model = _mlp()
    with torch.no_grad():
        model[0].weight[1, 1] = float("nan")
    report, skipped = _train(model, steps=3, scaler=scaler, checks=["nonfinite"])
    assert skipped == 3
    forward = [p for p in report.by_code("DC203") if "forward" in p.message]
    assert [p.module for p in forward] == ["0"]
