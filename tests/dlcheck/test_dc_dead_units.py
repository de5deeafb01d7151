"""DC401: fraction of ReLU units (features or channels) never positive over a window."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck


def _dead_mlp(dead: int, width: int = 10) -> nn.Sequential:
    model = nn.Sequential(nn.Linear(4, width), nn.ReLU(inplace=True), nn.Linear(width, 1))
    with torch.no_grad():
        model[0].bias[:dead] = -1e3  # these units can never fire
    return model


def _run(model, device, steps=3, shape=(16, 4), **opts):
    checks = {"dead_units": opts} if opts else ["dead_units"]
    with dlcheck.watch(model.to(device), checks=checks, on_problem="log") as w:
        for _ in range(steps):
            model(torch.randn(*shape, device=device))
            w.step()
    return w.report()


def test_dead_layer_reported(device):
    report = _run(_dead_mlp(8), device)
    [p] = report.by_code("DC401")
    assert p.module == "1" and p.data["dead_units"] == 8 and p.data["units"] == 10
    assert p.data["dead_fraction"] == 0.8


def test_below_threshold_is_quiet(device):
    assert not _run(_dead_mlp(6), device).problems  # 60% < 70%


def test_threshold_is_configurable(device):
    assert _run(_dead_mlp(6), device, threshold=0.5).by_code("DC401")


def test_window_end_reports_during_training(device):
    model = _dead_mlp(9)
    with dlcheck.watch(model.to(device), checks={"dead_units": {"window": 2}}, on_problem="log") as w:
        for _ in range(2):
            model(torch.randn(8, 4, device=device))
            w.step()
        # found at the end of the 2-step window, before any report() call
        assert [p.step for p in w.problems] == [1]


def test_conv_channels_are_the_units(device):
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    with torch.no_grad():
        model[0].bias[:7] = -1e3
    report = _run(model, device, shape=(2, 3, 8, 8))
    [p] = report.by_code("DC401")
    assert p.data["units"] == 8 and p.data["dead_units"] == 7


def test_units_of_a_sequence_model_are_features(device):
    model = nn.Sequential(nn.Linear(4, 10), nn.GELU())
    with torch.no_grad():
        model[0].bias[:8] = -1e3
    [p] = _run(model, device, shape=(2, 5, 4)).by_code("DC401")
    assert p.data["units"] == 10


def _rarely_firing(device):
    # units 0-2 are positive in 1 forward pass out of 20, unit 3 in all of them
    model = nn.Sequential(nn.Linear(1, 4), nn.ReLU()).to(device)
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.copy_(torch.tensor([-5.0, -5.0, -5.0, 1.0]))
    return model


def _feed_rarely(model, device, **opts):
    with dlcheck.watch(model, checks={"dead_units": opts}, on_problem="log") as w:
        for i in range(20):
            model(torch.full((4, 1), 10.0 if i == 7 else 0.0, device=device))
            w.step()
    return w.report()


def test_a_unit_positive_once_is_alive_by_default(device):
    assert not _feed_rarely(_rarely_firing(device), device, window=20).problems


def test_min_active_counts_rarely_firing_units_as_dead(device):
    [p] = _feed_rarely(_rarely_firing(device), device, window=20, min_active=0.1).by_code("DC401")
    assert p.data["dead_units"] == 3 and p.data["forward_passes"] == 20


@pytest.mark.parametrize("fire_at", [0, 15, 16, 39])
@pytest.mark.parametrize("min_active, dead", [(0.0, False), (0.02, False), (0.03, True)])
def test_forty_passes_in_one_step_are_all_counted(device, fire_at, min_active, dead):
    # an evaluation loop between two steps: the per-pass maxima are folded in groups, and the
    # one pass in which units 0-2 fire counts wherever it falls (1/40 = 2.5% of the passes)
    model = _rarely_firing(device)
    checks = {"dead_units": {"window": 1, "min_active": min_active}}
    with dlcheck.watch(model, checks=checks, on_problem="log") as w:
        for i in range(40):
            model(torch.full((4, 1), 10.0 if i == fire_at else 0.0, device=device))
        w.step()
        found = w.report().by_code("DC401")
    if dead:
        [p] = found
        assert p.data["dead_units"] == 3 and p.data["forward_passes"] == 40
    else:
        assert not found
