"""The model-output fact: what calling a module returns (the activation it applies last, and its
shape), queried by DL505 through :class:`Activations` and by the shape rules through ranks."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.outputs import Activations
from dllint.analysis.shapes import Shapes
from dllint.context import FileContext

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _last(source: str):
    source = HEADER + source
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return ctx, ctx.index.of_type(cst.Expr)[-1].value


def _output(source: str):
    ctx, expr = _last(source)
    return ctx.analysis(Shapes).model_output(expr)


def _activation(source: str):
    ctx, expr = _last(source)
    return ctx.analysis(Activations).of(expr)


def test_a_sequential_ending_in_softmax_after_a_linear():
    out = _output("model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\nmodel(torch.randn(8, 4))\n")
    assert out.activation == "softmax" and out.shape.dims == (8, 3)


def test_a_class_whose_forward_ends_in_a_softmax_module():
    out = _output(
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 1)\n"
        "        self.act = nn.Sigmoid()\n"
        "    def forward(self, x):\n"
        "        return self.act(self.fc(x))\n"
        "net = Net()\nnet(x)\n")
    assert out.activation == "sigmoid" and out.shape is not None and out.shape.dims[-1] == 1


def test_a_model_without_a_final_activation():
    out = _output("model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))\nmodel(x)\n")
    assert out.activation is None and out.shape.dims[-1] == 2


def test_an_unknown_model_has_no_fact():
    assert _output("from lib import make\nmodel = make()\nmodel(x)\n") is None


@pytest.mark.parametrize("source, expected", [
    ("torch.exp(F.log_softmax(z, dim=1))\n", "softmax"),
    ("F.log_softmax(z, dim=1).exp()\n", "softmax"),
    ("torch.exp(z)\n", None),
    ("p = F.softmax(z, 1)\np.view(-1, 3).float()\n", "softmax"),
    ("p = F.softmax(z, 1)\ntorch.log(p)\n", None),
    ("p = F.softmax(z, 1)\np.argmax(1)\n", None),
])
def test_what_keeps_or_ends_an_activation(source, expected):
    assert _activation(source) == expected


def test_a_parameter_takes_what_every_caller_passes():
    source = ("def step(model, x):\n"
              "    model(x)\n"
              "step(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), x)\n"
              "step(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), y)\n")
    ctx, _ = _last(source)
    call = next(c for c in ctx.index.of_type(cst.Call)
                if isinstance(c.func, cst.Name) and c.func.value == "model")
    assert ctx.analysis(Activations).of(call) == "softmax"


def test_callers_that_disagree_give_nothing():
    source = ("def step(model, x):\n"
              "    model(x)\n"
              "step(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), x)\n"
              "step(nn.Linear(4, 3), y)\n")
    ctx, _ = _last(source)
    call = next(c for c in ctx.index.of_type(cst.Call)
                if isinstance(c.func, cst.Name) and c.func.value == "model")
    assert ctx.analysis(Activations).of(call) is None


def test_a_wrapper_class_takes_its_size_from_the_constructor_call():
    wrapper = ("class Lin(nn.Module):\n"
               "    def __init__(self, i, o):\n"
               "        super().__init__()\n"
               "        self.linear = nn.Linear(i, o)\n"
               "    def forward(self, x):\n"
               "        return self.linear(x)\n")
    assert _output(wrapper + "Lin(4, 1)(x)\n").shape.dims[-1] == 1
    assert _output(wrapper + "Lin(4, o=7)(x)\n").shape.dims[-1] == 7
    assert _output(wrapper + "Lin(4, k)(x)\n").shape.dims[-1] is None


def test_a_method_returning_a_tuple_is_unpacked_element_wise():
    source = ("class Dec(nn.Module):\n"
              "    def __init__(self):\n"
              "        super().__init__()\n"
              "        self.mel = nn.Linear(8, 80)\n"
              "        self.gate = nn.Linear(8, 1)\n"
              "    def step(self, h):\n"
              "        return self.mel(h), self.gate(h)\n"
              "    def forward(self, h):\n"
              "        m, g = self.step(h)\n"
              "        g\n")
    ctx, expr = _last(source)
    shape = ctx.analysis(Shapes).shape_of(expr)
    assert shape is not None and shape.rank == 2 and shape.dims[-1] == 1


def test_a_head_after_a_sum_over_the_items_of_a_set_keeps_the_batch():
    # The layers' input rank is a guess, (batch, 50); summed over dim 1 that guess leaves only the
    # batch, which the head would read as its features: (1,). The head's output is (batch, 1).
    out = _output(
        "class DeepSet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.phi = nn.Linear(3, 50)\n"
        "        self.rho = nn.Sequential(nn.Linear(50, 10), nn.ELU(), nn.Linear(10, 1))\n"
        "    def forward(self, x):\n"
        "        return self.rho(self.phi(x).sum(dim=1))\n"
        "net = DeepSet()\nnet(x)\n")
    assert out.shape is not None and out.shape.rank == 2 and out.shape.dims[-1] == 1


def test_a_layer_on_a_known_vector_gives_a_vector():
    out = _output("fc = nn.Linear(3, 1)\nfc(torch.randn(3))\n")
    assert out.shape.dims == (1,)
