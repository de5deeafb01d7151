"""DC301 evaluating in training mode, DC302 training in eval mode, DC303 batch norm batch of one."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck


def _net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(8, 1))


def test_evaluating_in_training_mode(device):
    model = _net().to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        with torch.no_grad():
            model(torch.randn(4, 4, device=device))
        w.step()
    [p] = w.report().by_code("DC301")
    assert p.module == "1" and set(p.data["modules"]) == {"1", "3"}
    assert "eval()" in p.suggestion


@pytest.mark.parametrize("ctx", [torch.no_grad, torch.inference_mode])
def test_proper_evaluation_is_quiet(device, ctx):
    model = _net().to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        model.eval()
        with ctx():
            model(torch.randn(4, 4, device=device))
        w.step()
    assert not w.report().problems


def test_training_in_eval_mode(device):
    model = _net().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.eval()  # forgot model.train() after an evaluation
    with dlcheck.watch(model, opt, on_problem="log") as w:
        opt.zero_grad()
        model(torch.randn(4, 4, device=device)).sum().backward()
        opt.step()
    assert w.report().codes() == ["DC302"]


def test_frozen_batchnorm_in_train_mode_model_is_fine(device):
    model = _net().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model[1].eval()  # deliberate frozen BN while the model trains
    with dlcheck.watch(model, opt, on_problem="log") as w:
        opt.zero_grad()
        model(torch.randn(4, 4, device=device)).sum().backward()
        opt.step()
    assert not w.report().by_code("DC302")


def test_batchnorm_batch_of_one(device):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(1, 3, 8, 8, device=device))
        w.step()
    [p] = w.report().by_code("DC303")
    assert p.module == "1" and p.data["values_per_channel"] == 36


def test_batchnorm1d_batch_of_one_explained_before_torch_raises(device):
    model = _net().to(device)
    with pytest.raises(ValueError):
        with dlcheck.watch(model, on_problem="log") as w:
            model(torch.randn(1, 4, device=device))
    assert w.report().codes() == ["DC303"]
