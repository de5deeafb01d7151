"""torch.compile: watching a compiled model adds no graph break (counted by
torch._dynamo.explain), and the detections still work on it: NaN, dead unit, None gradient."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import dlcheck


class Net(nn.Module):
    """Batch norm, dropout and ReLUs: every default check hooks some module of it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.bn = nn.BatchNorm1d(16)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(16, 1)
        self.unused = nn.Linear(16, 16)  # only used when `use_all`

    def forward(self, x, use_all: bool = True):
        h = self.drop(self.act(self.bn(self.fc1(x))))
        if use_all:
            h = h + self.unused(h)
        return self.fc2(h)


def _explain(model: nn.Module, x: torch.Tensor):
    torch._dynamo.reset()
    # a function calling the model, as a compiled training step would: dynamo inlines the
    # module call and its hooks
    return torch._dynamo.explain(lambda inp: model(inp))(x)


def _compiled_training(model: nn.Module, steps: int, use_all: bool = True, lr: float = 0.0,
                       **watch):
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="eager")  # no C++ toolchain needed
    opt = torch.optim.SGD(model.parameters(), lr=lr)  # lr 0: a planted fault stays as planted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dlcheck.watch(model, opt, on_problem="log", **watch) as w:
            for _ in range(steps):
                opt.zero_grad()
                compiled(torch.randn(8, 4), use_all=use_all).pow(2).mean().backward()
                opt.step()
    return w.report()


@pytest.mark.slow  # two compilations
def test_watching_adds_no_graph_break():
    torch.manual_seed(0)
    model = Net()
    x = torch.randn(8, 4)
    plain = _explain(model, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dlcheck.watch(model, on_problem="log"):
            watched = _explain(model, x)
    assert plain.graph_break_count == 0
    assert watched.graph_break_count == plain.graph_break_count, watched.break_reasons
    assert watched.graph_count == plain.graph_count == 1


def test_nan_is_found_at_its_module_in_a_compiled_model():
    model = Net()
    with torch.no_grad():
        model.fc2.bias.fill_(float("nan"))
    report = _compiled_training(model, steps=2)
    forward = [p for p in report.by_code("DC203") if "forward" in p.message]
    assert [(p.module, p.step) for p in forward] == [("fc2", 0)]


def test_dead_unit_is_found_at_its_layer_in_a_compiled_model():
    model = Net().eval()  # eval: batch norm passes the planted bias through unchanged
    with torch.no_grad():
        model.fc1.bias.fill_(-100.0)  # every unit of the ReLU is dead
    report = _compiled_training(model, steps=3, checks={"dead_units": {"window": 3}})
    assert [(p.code, p.module) for p in report.problems] == [("DC401", "act")]


def test_none_gradient_is_found_in_a_compiled_model():
    model = Net()
    report = _compiled_training(model, steps=2, use_all=False, checks=["grad_flow"])
    assert sorted(p.module for p in report.by_code("DC102")) == ["unused.bias", "unused.weight"]


def test_a_healthy_compiled_model_is_quiet():
    # a healthy run learns: with lr 0 every step changes nothing, which DC503 rightly reports
    report = _compiled_training(Net(), steps=3, lr=0.01)
    assert not report.problems, str(report)


@pytest.mark.slow  # two compilations
def test_a_compiled_model_is_checked_like_an_eager_one():
    # the same planted fault, eager and compiled: the same module and step
    def run(compiled: bool):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        with torch.no_grad():
            model[2].weight[0, 0] = float("inf")
        forward = torch.compile(model, backend="eager") if compiled else model
        opt = torch.optim.SGD(model.parameters(), lr=0.0)
        torch._dynamo.reset()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with dlcheck.watch(model, opt, checks=["nonfinite"], on_problem="log") as w:
                for _ in range(2):
                    opt.zero_grad()
                    forward(torch.randn(3, 4)).sum().backward()
                    opt.step()
        return [(p.module, p.step) for p in w.report().by_code("DC203")
                if "gradient" not in p.message]

    assert run(True) == run(False) == [("2", 0)]
