"""DC201 shape contracts, DC202 loss broadcasting, recorded shapes, typeguard annotations."""

from __future__ import annotations

import pytest
import torch
import typeguard
from torch import nn

import dlcheck
from dlcheck import Shaped


class Encoder(nn.Module):
    def __init__(self, d: int = 8) -> None:
        super().__init__()
        self.embed = nn.Linear(4, d)
        self.mix = nn.Linear(d, d)

    def forward(self, x):
        return self.mix(self.embed(x))


def test_contract_holds(device):
    model = Encoder().to(device)
    dlcheck.expect(model.embed, inputs="B T 4", output="B T D")
    dlcheck.expect(model.mix, inputs="B T D", output="B T D")
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(2, 5, 4, device=device))
        w.step()
        model(torch.randn(3, 7, 4, device=device))  # new step: names bind afresh
        w.step()
    assert not w.report().problems


def test_contract_broken_and_binding_across_modules(device):
    model = Encoder().to(device)
    dlcheck.expect(model.embed, output="B T D")
    dlcheck.expect(model.mix, inputs="T B D")  # declared time-major: B and T swapped
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(2, 5, 4, device=device))
        w.step()
    [p] = w.report().by_code("DC201")
    assert p.module == "mix" and "T=2, but T was bound to 5" in p.message
    assert "'embed' output" in p.message


def test_contract_rank_mismatch(device):
    model = Encoder().to(device)
    dlcheck.expect(model, inputs="B T 4", output="B T D")
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(5, 4, device=device))
        w.step()
    inp, out = w.report().by_code("DC201")
    assert inp.module == "" and "input of '<model>' has shape (5, 4)" in inp.message
    assert "has 2 dims" in inp.message and out.data["kind"] == "output"


# looked up at call time: a function bound before the watch started is not seen (documented)
@pytest.mark.parametrize("loss_fn", [lambda a, b: nn.functional.mse_loss(a, b), nn.L1Loss()])
def test_loss_broadcasting_reported(device, loss_fn):
    model = nn.Linear(4, 1).to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        with pytest.warns(UserWarning):  # torch's own, easy to miss, warning
            loss_fn(model(torch.randn(8, 4, device=device)), torch.randn(8, device=device))
        w.step()
    [p] = w.report().by_code("DC202")
    assert p.data["input_shape"] == [8, 1] and p.data["target_shape"] == [8]
    assert p.data["broadcast_shape"] == "(8, 8)"


def test_same_shapes_are_quiet(device):
    model = nn.Linear(4, 1).to(device)
    with dlcheck.watch(model, on_problem="log") as w:
        nn.functional.mse_loss(model(torch.randn(8, 4, device=device)), torch.randn(8, 1, device=device))
        labels = torch.zeros(8, dtype=torch.long, device=device)
        nn.functional.cross_entropy(torch.randn(8, 3, device=device), labels)
        w.step()
    assert not w.report().problems


def test_first_step_shapes_recorded():
    model = Encoder()
    with dlcheck.watch(model) as w:
        model(torch.randn(2, 5, 4))
        w.step()
        model(torch.randn(9, 4))
        w.step()
    shapes = w.report().shapes
    assert shapes["embed"]["inputs"] == [[2, 5, 4]] and shapes["mix"]["output"] == [[2, 5, 8]]
    assert shapes["<model>"]["type"] == "Encoder"
    assert not any(m._forward_hooks for m in model.modules())


@dlcheck.shapecheck
def attention(q: Shaped["B T D"], k: Shaped["B S D"]) -> Shaped["B T S"]:  # noqa: F722
    return q @ k.transpose(1, 2)


@dlcheck.shapecheck
def wrong_output(x: Shaped["B D"]) -> Shaped["B D"]:  # noqa: F722
    return x.t()


def test_shape_annotations_checked_by_typeguard():
    assert attention(torch.randn(2, 3, 4), torch.randn(2, 5, 4)).shape == (2, 3, 5)
    with pytest.raises(typeguard.TypeCheckError, match="D=6, but D was bound to 4"):
        attention(torch.randn(2, 3, 4), torch.randn(2, 5, 6))
    with pytest.raises(typeguard.TypeCheckError, match="not a torch.Tensor"):
        attention([1, 2], torch.randn(2, 5, 4))
    with pytest.raises(typeguard.TypeCheckError, match="return value"):
        wrong_output(torch.randn(2, 3))
    # bindings do not leak from one call to the next
    assert attention(torch.randn(1, 1, 7), torch.randn(1, 2, 7)).shape == (1, 1, 2)


def test_shape_spec_ellipsis_and_literals():
    spec = dlcheck.ShapeSpec("... C 3")
    assert spec.match((2, 5, 4, 3), {}) is None
    assert spec.match((4, 2), {}) is not None
    assert "dimension 3 expected" in spec.match((4, 2, 2), {})


def test_contract_on_several_inputs_and_tuple_output(device):
    class Attend(nn.Module):
        def forward(self, q, k):
            scores = q @ k.transpose(1, 2)
            return scores, scores.softmax(-1)

    model = Attend().to(device)
    dlcheck.expect(model, inputs=["B T D", "B S D"], output=["B T S", None])
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(2, 3, 4, device=device), torch.randn(2, 5, 4, device=device))
        w.step()
        # a batch of one key broadcasts silently in the matmul: the contract catches it
        model(torch.randn(2, 3, 4, device=device), torch.randn(1, 5, 4, device=device))
        w.step()
    [p] = w.report().by_code("DC201")
    assert p.step == 1 and p.data["kind"] == "input" and p.data["index"] == 1
    assert "B=1, but B was bound to 2" in p.message
