"""DC102 gradient None, DC103 exactly zero, DC402 exploding, DC403 vanishing."""

from __future__ import annotations

import torch
from torch import nn

import dlcheck


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 8)
        self.used = nn.Linear(8, 1)
        self.unused = nn.Linear(8, 1)
        self.detached = nn.Linear(8, 1)
        self.gate = nn.Linear(8, 1)

    def forward(self, x):
        h = self.body(x)
        # detached branch: the graph stops at .detach() -> body gets nothing from it, and the
        # gate's output is multiplied by zero -> its gradient is exactly zero
        return self.used(h) + self.detached(h).detach() + 0.0 * self.gate(h)


def _train(model, device, steps=3, scale=None, **kw):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with dlcheck.watch(model, opt, on_problem="log", **kw) as w:
        for i in range(steps):
            opt.zero_grad()
            loss = model(torch.randn(8, 4, device=device)).pow(2).mean()
            if scale is not None:
                loss = loss * scale(i)
            loss.backward()
            opt.step()
    return w.report()


def test_gradient_none_and_zero(device):
    report = _train(TwoHeads().to(device), device)
    none = {p.module for p in report.by_code("DC102")}
    zero = {p.module for p in report.by_code("DC103")}
    assert none == {"unused.weight", "unused.bias", "detached.weight", "detached.bias"}
    assert zero == {"gate.weight", "gate.bias"}
    assert {"body.weight", "used.weight"}.isdisjoint(none | zero)


def test_zero_gradient_needs_patience(device):
    report = _train(TwoHeads().to(device), device, steps=2)
    assert not report.by_code("DC103")  # 2 steps < default patience of 3


def test_gradient_checks_without_optimizer(device):
    model = TwoHeads().to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(8, 4, device=device)).sum().backward()
        w.step()
    assert {p.module for p in w.report().by_code("DC102")} >= {"unused.weight"}


def test_exploding_gradient(device):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
    report = _train(model, device, steps=10, scale=lambda i: 1e6 if i == 8 else 1.0)
    exploding = report.by_code("DC402")
    assert exploding and exploding[0].step == 8
    assert exploding[0].data["ratio_to_median"] > 100
    assert "clip" in exploding[0].suggestion


def test_a_diverging_step_is_one_problem_naming_the_worst_parameter(device):
    # every gradient jumps by 1e6 at step 8 (a diverging step) and again at step 9: one DC402,
    # not one per parameter, and not one more for the step after
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 1)).to(device)
    report = _train(model, device, steps=10, scale=lambda i: 1e6 if i >= 8 else 1.0)
    [p] = report.by_code("DC402")
    names = [n for n, _ in model.named_parameters()]
    assert p.step == 8 and p.data["count"] == len(names) == 6
    assert sorted(p.data["parameters"]) == sorted(names)
    assert p.module in names and p.data["ratio_to_median"] > 100
    assert "5 other parameter(s) jumped in the same step" in p.message


def test_vanishing_layers_of_one_step_are_one_problem(device):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 1)).to(device)
    report = _train(model, device, steps=5, scale=lambda i: 1e-12)
    [p] = report.by_code("DC403")
    weights = ["0.weight", "2.weight", "4.weight"]  # biases are left out by default
    assert p.data["count"] == 3 and sorted(p.data["parameters"]) == weights
    assert p.module in weights and p.data["grad_rms"] < 1e-7


def test_steady_gradients_are_not_exploding(device):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
    report = _train(model, device, steps=10)
    assert not report.by_code("DC402") and not report.by_code("DC403")


def test_vanishing_gradient(device):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
    report = _train(model, device, steps=4, scale=lambda i: 1e-12)
    vanishing = report.by_code("DC403")
    assert vanishing and vanishing[0].data["grad_rms"] < 1e-7


class NoisyBias(nn.Module):
    """A weight with an ordinary gradient and a bias whose gradient is rounding noise (like a
    conv bias right before a batch norm), which jumps 1000x at one step."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.noise = nn.Parameter(torch.zeros(8))

    def forward(self, x, noise_scale):
        return self.fc(x) + noise_scale * self.noise


def _jump_at_step_8(device, noise_jump: float, loss_jump: float):
    model = NoisyBias().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        for i in range(10):
            opt.zero_grad()
            noise, scale = (1e-9 * noise_jump, loss_jump) if i == 8 else (1e-9, 1.0)
            (model(torch.randn(8, 4, device=device), noise) * scale).pow(2).mean().backward()
            opt.step()
    return w.report().by_code("DC402")


def test_a_jump_in_a_gradient_of_rounding_noise_is_not_exploding(device):
    assert not _jump_at_step_8(device, noise_jump=1e3, loss_jump=1.0)


def test_the_same_jump_in_an_ordinary_gradient_is_exploding(device):
    first = _jump_at_step_8(device, noise_jump=1.0, loss_jump=1e3)[0]
    assert first.module.startswith("fc.") and first.step == 8


def test_a_large_layer_with_zero_or_nan_gradients_is_reported():
    # a single NaN among 65k gradient values, and a 256x256 gradient that is exactly zero
    model = nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 256), nn.Linear(256, 1))
    with torch.no_grad():
        model[3].weight.zero_()  # nothing flows back into model[2]: its gradients are zero
    model[3].weight.requires_grad_(False)  # and it stays zero
    report = _train(model, torch.device("cpu"), steps=3)
    assert {p.module for p in report.by_code("DC103")} >= {"2.weight"}

    model = nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 256), nn.Linear(256, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        loss = model(torch.randn(8, 4)).pow(2).mean()
        loss.backward()
        model[2].weight.grad[0, 0] = float("nan")
        opt.step()
    [p] = w.report().by_code("DC203")
    assert "2.weight" in p.data["parameters"] and p.data["count"] == 1
