"""Facts carried further (issue 13, fourth audit): a model's mode dependence through a chain of
helpers (cause AN), and modules with no trainable parameter (cause AF)."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.dataflow import GraphValues
from dllint.analysis.models import NO_DEPENDENCE, UNKNOWN_DEPENDENCE, YES_DEPENDENCE
from dllint.analysis.modes import Modes
from dllint.context import FileContext


def _context(source: str) -> FileContext:
    return FileContext("example.py", source, cst.parse_module(source))


CHAIN = """import torch
import torch.nn as nn

def inner(net, x):
    with torch.no_grad():
        return net(x)

def middle(net, xs):
    return [inner(net, x) for x in xs]

def outer(model, xs):
    return middle(model, xs)

{bindings}
"""


@pytest.mark.parametrize("bindings, expected", [
    # every chain ends at a mode-free model
    ("a = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\nouter(a, data)\n", NO_DEPENDENCE),
    # one caller of the outermost helper passes a model with dropout
    ("a = nn.Sequential(nn.Linear(2, 2))\nb = nn.Sequential(nn.Dropout(0.5))\n"
     "outer(a, data)\nouter(b, data)\n", YES_DEPENDENCE),
    # a chain entered from the middle with a model of unknown definition
    ("a = nn.Sequential(nn.Linear(2, 2))\nouter(a, data)\nmiddle(torch.load('m.pt'), data)\n",
     UNKNOWN_DEPENDENCE),
    # no caller at all: a library helper
    ("", UNKNOWN_DEPENDENCE),
])
def test_mode_dependence_follows_callers_at_any_depth(bindings: str, expected: str) -> None:
    ctx = _context(CHAIN.format(bindings=bindings))
    modes = ctx.analysis(Modes)
    call = next(c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c) == "net(x)")
    assert modes.mode_dependence(call.func, call) == expected
    assert modes.key_mode_dependence("net", call) == expected


def test_recursive_helpers_end() -> None:
    source = """import torch
import torch.nn as nn
def f(net, n):
    with torch.no_grad():
        out = net(n)
    return g(net, n - 1) if n else out
def g(net, n):
    return f(net, n)
model = nn.Linear(2, 2)
f(model, 3)
"""
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    call = next(c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c) == "net(n)")
    assert modes.mode_dependence(call.func, call) == NO_DEPENDENCE


def _graph(source: str) -> dict[str, bool]:
    """is_graph of the argument of every ``probe_<name>(expr)`` call."""
    ctx = _context(source)
    values = ctx.analysis(GraphValues)
    return {c.func.value[len("probe_"):]: values.is_graph(c.args[0].value)
            for c in ctx.index.of_type(cst.Call)
            if isinstance(c.func, cst.Name) and c.func.value.startswith("probe_")}


def test_parameter_free_layers_pass_their_input_graph() -> None:
    source = """import torch
import torch.nn as nn
image = torch.rand(1, 1, 8, 8)
leaf = torch.rand(1, 1, 8, 8, requires_grad=True)
pool = nn.AvgPool2d(2)
head = nn.Sequential(nn.ReLU(), nn.Flatten())
conv = nn.Conv2d(1, 1, 3)
probe_plain(pool(image))
probe_leaf(pool(leaf))
probe_graph(pool(conv(image)))
probe_sequential(head(image))
probe_inline(nn.MaxPool2d(2)(image))
probe_conv(conv(image))
"""
    assert _graph(source) == {"plain": False, "leaf": True, "graph": True, "sequential": False,
                              "inline": False, "conv": True}


HAND_WRITTEN = """import torch
import torch.nn as nn

class LR(nn.Module):
    def __init__(self, dim, lr=torch.scalar_tensor(0.1)):
        super().__init__()
        self.w = {weight}
        self.lr = lr

    def forward(self, x):
        return torch.sigmoid(x @ self.w)

    def step(self, x, yhat, y):
        self.w = self.w - self.lr * (x.T @ (yhat - y))

x = torch.rand(5, 3)
model = LR(3{extra})
yhat = model(x)
model.step(x, yhat, torch.rand(5, 1))
probe_out(yhat)
"""


@pytest.mark.parametrize("weight, extra, expected", [
    ("torch.zeros(dim, 1)", "", False),
    ("torch.zeros(dim, 1)", ", torch.scalar_tensor(0.5)", False),
    ("nn.Parameter(torch.zeros(dim, 1))", "", True),
    ("torch.zeros(dim, 1, requires_grad=True)", "", True),
    ("nn.Linear(dim, 1).weight.T", "", True),
    # a learning rate that requires grad, passed at construction, reaches the weights
    ("torch.zeros(dim, 1)", ", torch.ones(1, requires_grad=True)", True),
])
def test_hand_written_module_is_parameter_free_only_with_plain_state(weight: str, extra: str,
                                                                     expected: bool) -> None:
    assert _graph(HAND_WRITTEN.format(weight=weight, extra=extra)) == {"out": expected}


def test_placeholder_and_filled_modules_keep_their_graph() -> None:
    source = """import torch
import torch.nn as nn
x = torch.rand(4, 2)
todo = nn.Sequential(
#   TODO
)
filled = nn.Sequential()
filled.add_module("fc", nn.Linear(2, 2))
grown = nn.ReLU()
grown.fc = nn.Linear(2, 2)
probe_todo(todo(x))
probe_filled(filled(x))
probe_grown(grown(x))
"""
    assert _graph(source) == {"todo": True, "filled": True, "grown": True}
