"""dlcheck.history: per-layer series over the recorded steps, bounded in memory."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

import dlcheck
from dlcheck.history import History


def _mlp(dead: int = 0) -> nn.Sequential:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    if dead:
        with torch.no_grad():
            model[0].bias[:dead] = -1e3  # these units never fire
    return model


def _train(model, steps, lr=0.1, **watch):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    with dlcheck.watch(model, opt, on_problem="log", **watch) as w:
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(torch.randn(16, 4)), torch.randn(16, 1))
            loss.backward()
            opt.step()
    return w


def test_series_per_layer_match_the_model():
    model = _mlp(dead=6)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    with dlcheck.watch(model, opt, history=True, on_problem="log") as w:
        opt.zero_grad()
        out = model(x)
        loss = nn.functional.mse_loss(out, y)
        loss.backward()
        grad0 = torch.linalg.vector_norm(torch.cat([model[0].weight.grad.flatten(),
                                                    model[0].bias.grad.flatten()])).item()
        before = torch.cat([model[2].weight.flatten(), model[2].bias.flatten()]).clone()
        with torch.no_grad():  # not recorded: an evaluation pass
            hidden = model[1](model[0](x))
        opt.step()
        after = torch.cat([model[2].weight.flatten(), model[2].bias.flatten()])
    h = w.history
    assert h["steps"] == [0] and h["stride"] == 1
    assert list(h["layers"]) == ["0", "1", "2"]  # order of first appearance
    assert h["layers"]["0"]["grad_norm"][0] == pytest.approx(grad0, rel=1e-5)
    ratio = (torch.linalg.vector_norm(after - before) / torch.linalg.vector_norm(after)).item()
    assert h["layers"]["2"]["update_ratio"][0] == pytest.approx(ratio, rel=1e-4)
    assert h["layers"]["1"]["dead_fraction"] == [6 / 8]
    assert "dead_fraction" not in h["layers"]["0"] and "grad_norm" not in h["layers"]["1"]
    assert h["layers"]["1"]["act_min"][0] == 0.0
    assert h["layers"]["1"]["act_max"][0] == pytest.approx(hidden.max().item())
    assert h["layers"]["2"]["act_max"][0] == pytest.approx(out.max().item())
    assert h["loss"] == [pytest.approx(loss.item())]


def test_off_by_default_and_nothing_recorded():
    w = _train(_mlp(), 3)
    assert w.history is None
    assert "history" not in w.report().to_dict()


def test_memory_is_bounded_and_the_stride_doubles():
    w = _train(_mlp(), 50, history=8)
    h = w.history
    assert len(h["steps"]) < 8
    assert h["stride"] == 8
    assert h["steps"] == list(range(0, 50, 8))
    for series in h["layers"].values():
        for column in series.values():
            assert len(column) == len(h["steps"])


def test_every_counts_in_checked_steps():
    w = _train(_mlp(), 12, history=4, every=3)
    assert w.history["steps"] == [0, 6]  # checked: 0 3 6 9; stride 2 after the cap
    assert w.history["stride"] == 2


def test_report_json_carries_the_history_and_non_finite_values():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, history=True, on_problem="log") as w:
        for step in range(3):
            opt.zero_grad()
            x = torch.randn(16, 4)
            if step == 2:
                x[0, 0] = math.inf
            model(x).sum().backward()
            opt.step()
    data = json.loads(w.report().to_json())
    assert data["history"]["steps"] == [0, 1, 2]
    assert data["history"]["layers"]["0"]["act_max"][2] == "inf"
    assert data["history"]["loss"] == []  # no functional loss was called


def test_layer_seen_later_is_padded():
    model = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Linear(2, 2)})
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, history=True, on_problem="log",
                       checks=["nonfinite"]) as w:
        for step in range(3):
            opt.zero_grad()
            out = model["a"](torch.randn(4, 2))
            if step == 2:
                out = model["b"](out)
            out.sum().backward()
            opt.step()
    h = w.history
    assert h["layers"]["b"]["act_max"][:2] == [None, None]
    assert h["layers"]["b"]["act_max"][2] is not None
    assert h["layers"]["b"]["grad_norm"][:2] == [None, None]


def test_no_optimizer_and_gradient_accumulation():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    with dlcheck.watch(model, history=True, on_problem="log") as w:
        for _ in range(2):
            opt.zero_grad()
            for _ in range(3):
                model(torch.randn(8, 4)).sum().backward()
            opt.step()
            w.step()
    h = w.history
    assert h["steps"] == [0, 1]
    assert all(v > 0 for v in h["layers"]["0"]["update_ratio"])


def test_evaluation_passes_are_not_activations():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, history=True, on_problem="log") as w:
        opt.zero_grad()
        model(torch.ones(4, 4)).sum().backward()
        with torch.no_grad():
            model(torch.full((4, 4), 1e6))  # far larger, but evaluation
        opt.step()
    assert w.history["layers"]["0"]["act_max"][0] < 1e3


def test_report_mid_step_records_nothing_and_history_survives_close():
    model = _mlp()
    w = dlcheck.wrap(model, history=True, on_problem="log")
    model(torch.randn(4, 4)).sum().backward()
    w.report()  # flushes the open step: not a step
    assert w.history["steps"] == []
    w.step()
    w.close()
    assert w.history["steps"] == [0]
    assert w.report().history["steps"] == [0]


def test_the_output_is_unchanged():
    torch.manual_seed(1)
    model = _mlp()
    x = torch.randn(8, 4)
    plain = model(x)
    with dlcheck.watch(model, history=True):
        watched = model(x)
    assert torch.equal(plain, watched)


def test_plugin_form_works_too():
    recorder = History(max_points=4)
    w = _train(_mlp(), 2, plugins=[recorder])
    assert w.history["steps"] == [0, 1] and recorder.max_points == 4


@pytest.mark.parametrize("bad, error", [(1, ValueError), (0, ValueError), ("yes", TypeError),
                                        (2.5, TypeError)])
def test_bad_history_argument_is_refused(bad, error):
    with pytest.raises(error, match="history"):
        dlcheck.watch(_mlp(), history=bad)


def test_nothing_left_behind_after_close():
    model = _mlp()
    w = _train(model, 2, history=True)
    recorder = next(p for p in w._pm.get_plugins() if isinstance(p, History))
    assert recorder._params_by_name is None and recorder._before == []
    assert not model._forward_hooks and not model[0]._forward_hooks
