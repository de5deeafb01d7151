"""GradInfo, the gradients of one after-backward event: its layout (names, sizes) is reused from
step to step while the same parameters have a gradient, and rebuilt the step that set changes
(a gradient gone to None, a layer frozen or unfrozen)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcheck.watcher import GradInfo


def _model_with_grads() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    model(torch.randn(3, 4)).sum().backward()
    return model


def test_a_layout_where_every_parameter_has_a_gradient_is_reused_with_the_same_gradients():
    model = _model_with_grads()
    named = list(model.named_parameters())
    first = GradInfo(named)
    again = GradInfo(named, first.layout)
    assert again.layout is first.layout and again.names is first.names
    assert all(g is p.grad for g, (_, p) in zip(again._grads, named))
    assert again.none == [] and [float(n) for n in again.norms] == [
        float(p.grad.norm()) for _, p in named]


def test_a_gradient_gone_to_none_or_a_frozen_layer_rebuilds_the_layout_for_that_step():
    model = _model_with_grads()
    named = list(model.named_parameters())
    layout = GradInfo(named).layout
    model[2].bias.grad = None
    info = GradInfo(named, layout)
    assert info.layout is not layout
    assert info.names == ["0.weight", "0.bias", "2.weight"] and info.none == ["2.bias"]
    assert len(info._grads) == 3
    model[2].bias.grad = torch.ones(2)
    model[0].weight.requires_grad_(False)  # frozen: its stale gradient is not a gradient
    info = GradInfo(named, layout)
    assert info.names == ["0.bias", "2.weight", "2.bias"] and info.none == []
    # the probes cover the three trainable gradients, not the frozen layer's stale one
    assert float(sum(info.probes)) == pytest.approx(float(
        model[0].bias.grad.sum() + model[2].weight.grad.sum() + 2.0), rel=1e-6)
    model[0].weight.requires_grad_(True)  # unfrozen: every parameter again, the first layout
    info = GradInfo(named, layout)
    assert info.layout is layout and len(info._grads) == 4
