"""DC203: first non-finite module in execution order, non-finite input, loss and gradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck


class Block(nn.Module):
    def __init__(self, d: int, op=None) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = nn.ReLU()
        self.op = op

    def forward(self, x):
        if self.op is not None:
            x = self.op(x)  # a functional operation, not a module
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self, op=None) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 8)
        self.layers = nn.ModuleList([Block(8), Block(8, op), Block(8)])
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        x = self.embed(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def _run(model, x, **kw):
    with dlcheck.watch(model, on_problem="log", **kw) as w:
        model(x)
        w.step()
    return w.report()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_first_module_producing_non_finite(device, bad):
    model = Net().to(device)
    with torch.no_grad():
        model.layers[1].fc.bias[0] = bad  # NaN/Inf is born in layers.1.fc and flows downstream
    report = _run(model, torch.randn(5, 4, device=device))
    [p] = report.by_code("DC203")
    assert p.module == "layers.1.fc"
    assert ("NaN" if bad != bad else "Inf") in p.message
    assert p.data["bad_parameters"] == ["layers.1.fc.bias"]


def test_non_finite_from_functional_code_in_parent(device):
    model = Net(op=lambda x: torch.log(x - 1e9)).to(device)  # log of negative numbers: NaN
    report = _run(model, torch.randn(5, 4, device=device))
    [p] = report.by_code("DC203")
    assert p.module == "layers.1.fc" and "not a module" in p.message
    assert p.data["parent"] == "layers.1"


def test_non_finite_model_input(device):
    model = Net().to(device)
    x = torch.randn(5, 4, device=device)
    x[0, 0] = float("nan")
    [p] = _run(model, x).by_code("DC203")
    assert p.module == "" and "input to the model" in p.message


def test_healthy_model_reports_nothing(device):
    model = Net().to(device)
    assert not _run(model, torch.randn(5, 4, device=device)).problems


def test_non_finite_loss_with_finite_outputs(device):
    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid()).to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        p = model(torch.randn(6, 4, device=device))
        # log(0) in a hand-rolled loss, handed to the watcher with the step
        w.step(loss=torch.log(p * 0).mean())
    [p] = w.report().by_code("DC203")
    assert p.module == "loss:loss" and "every module output was finite" in p.message


def test_non_finite_gradient(device):
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        x = torch.zeros(3, 4, device=device)
        out = model(x)
        # sqrt at 0 has an infinite derivative: finite forward, non-finite backward
        torch.sqrt(out - out.detach()).sum().backward()
        opt.step()
    grads = [p for p in w.report().by_code("DC203") if "gradient" in p.message]
    assert grads and grads[0].data["count"] >= 1


def test_tuple_and_dict_outputs_are_probed(device):
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            h = self.fc(x)
            return {"a": h, "b": (h.exp() * 1e38, h)}

    model = nn.Sequential(Two()).to(device)
    report = _run(model, torch.full((2, 4), 50.0, device=device))
    [p] = report.by_code("DC203")
    assert p.module == "0"  # the dict/tuple-returning module, not its finite child


def test_second_forward_of_a_step_with_non_finite_input(device):
    model = Net().to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(5, 4, device=device))  # first pass of the step: healthy
        x = torch.randn(5, 4, device=device)
        x[1, 2] = float("inf")
        model(x)  # e.g. a second micro-batch
        w.step()
    [p] = w.report().by_code("DC203")
    assert p.module == "" and "input to the model" in p.message and "Inf" in p.message


def test_non_finite_input_to_a_model_that_starts_with_an_activation(device):
    # the activation's output is not probed (it is finite iff its input is): the input is
    model = nn.Sequential(nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)).to(device)
    x = torch.randn(5, 4, device=device)
    x[2, 1] = float("nan")
    [p] = _run(model, x).by_code("DC203")
    assert p.module == "" and "input to the model" in p.message and p.data["first_module"] == "0"


def test_minus_inf_swallowed_by_relu_is_still_reported(device):
    # functional code makes -Inf, and the ReLU that receives it turns it into 0: the output
    # is finite, the input was not
    class Gate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(torch.log(torch.zeros_like(self.fc(x))))

    model = nn.Sequential(Gate(), nn.Linear(4, 1)).to(device)
    [p] = _run(model, torch.randn(3, 4, device=device)).by_code("DC203")
    assert p.module == "0.act" and "not a module" in p.message and "-Inf" in p.message


def test_activation_after_the_culprit_is_not_blamed(device):
    model = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 4), nn.ReLU(),
                          nn.Linear(4, 1)).to(device)
    with torch.no_grad():
        model[2].weight[0, 0] = float("inf")
    [p] = _run(model, torch.randn(3, 4, device=device)).by_code("DC203")
    assert p.module == "2" and p.data["bad_parameters"] == ["2.weight"]


def test_leaky_relu_with_a_large_slope_is_still_probed(device):
    # LeakyReLU may scale by more than 1, so it can overflow: it keeps its probe
    model = nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(negative_slope=1e38)).to(device)
    with torch.no_grad():
        model[0].weight.fill_(0.0)
        model[0].bias.fill_(-10.0)
    [p] = _run(model, torch.randn(3, 2, device=device)).by_code("DC203")
    assert p.module == "1" and "-Inf" in p.message


class CausalLM(nn.Module):
    """The usual causal transformer: a float mask with -Inf above the diagonal, passed
    positionally, so it is a module input like any other."""

    def __init__(self, vocab: int = 20, d: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)

    def forward(self, tokens, mask):
        return self.head(self.enc(self.emb(tokens), mask))


def test_an_attention_mask_holding_minus_inf_is_not_a_problem(device):
    model = CausalLM().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mask = nn.Transformer.generate_square_subsequent_mask(6).to(device)
    assert mask.isinf().any()
    with dlcheck.watch(model, opt, on_problem="raise") as w:
        for _ in range(3):
            tokens = torch.randint(0, 20, (4, 6), device=device)
            loss = nn.functional.cross_entropy(model(tokens, mask).flatten(0, 1), tokens.flatten())
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert not w.report().problems


def test_masked_scores_softmaxed_inside_a_module_are_not_a_problem(device):
    class Attend(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q = nn.Linear(4, 4)
            self.softmax = nn.Softmax(dim=-1)

        def forward(self, x):
            scores = self.q(x) @ x.transpose(-1, -2)
            causal = torch.ones(x.shape[1], x.shape[1], device=x.device).tril() == 0
            return self.softmax(scores.masked_fill(causal, float("-inf"))) @ x

    model = nn.Sequential(Attend(), nn.Linear(4, 1)).to(device)
    assert not _run(model, torch.randn(2, 5, 4, device=device)).problems


def test_reshaping_modules_are_not_hooked_and_their_views_are_not_probed_again(device, monkeypatch):
    from dlcheck.checks import nonfinite

    probed = []
    real = nonfinite.finite_probe
    monkeypatch.setattr(nonfinite, "finite_probe", lambda t: probed.append(t.shape) or real(t))
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Identity(), nn.Linear(4, 2)).to(device)
    with dlcheck.watch(model, checks=["nonfinite"], on_problem="log") as w:
        watched = w._fwd_table  # the modules the global hook dispatches to
        assert id(model[2]) not in watched and id(model[3]) not in watched
        assert id(model[1]) in watched  # an average sums: it is probed
        model(torch.randn(2, 3, 8, 8, device=device))
        w.step()
    # the input, the conv, the pool, the linear: the flattened view of the pool's output holds
    # the pool's values and is not probed a second time
    assert probed == [(2, 3, 8, 8), (2, 4, 6, 6), (2, 4, 1, 1), (2, 2)]
    assert not w.report().problems


@pytest.mark.parametrize("where", ["input", "first layer"])
def test_non_finite_through_a_flatten_is_placed_right(device, where):
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.ReLU(), nn.Unflatten(1, (2, 3)),
                          nn.Flatten(), nn.Linear(6, 1)).to(device)
    x = torch.randn(5, 3, 4, device=device)
    if where == "input":
        x[1, 2, 3] = float("nan")
    else:
        with torch.no_grad():
            model[1].bias[4] = float("inf")
    [p] = _run(model, x).by_code("DC203")
    if where == "input":
        assert p.module == "" and "input to the model" in p.message
        assert p.data["first_module"] == "1"  # the first hooked module that saw it
    else:
        assert p.module == "1" and "Inf" in p.message
