"""Watcher.tell_steps / backward_done: a framework's callback marks when gradients are final
and when a step ends (what dlcheck.integrations build on)."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import dlcheck


class Two(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x)


def test_without_backward_done_no_gradient_check_runs():
    model = Two()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dlcheck.DCWarning)
        with dlcheck.watch(model) as w:
            w.tell_steps()
            for _ in range(2):
                model(torch.randn(2, 4)).sum().backward()
                assert not w._output_hooks  # the caller, not the output, says backward ended
                w.step()
            assert w.report().codes() == [] and w.current_step == 2
            model(torch.randn(2, 4)).sum().backward()
            w.backward_done()
            w.step()
    assert w.report().codes() == ["DC102", "DC102"]
    assert [p.module for p in w.report().problems] == ["b.weight", "b.bias"]


def test_backward_done_judges_only_the_parameters_given():
    model = Two()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dlcheck.DCWarning)
        with dlcheck.watch(model) as w:
            w.tell_steps()
            for _ in range(3):
                model.zero_grad(set_to_none=True)
                model(torch.randn(2, 4)).sum().backward()
                w.backward_done(model.a.parameters())  # b belongs to another optimizer
                w.step()
    assert w.report().codes() == [], str(w.report())
    assert w.current_step == 3


def test_tell_steps_refuses_a_watcher_with_an_optimizer():
    model = Two()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt) as w:
        with pytest.raises(ValueError, match=r"tell_steps\(\) is for a watcher given no optimizer"):
            w.tell_steps()
