"""The self-pass fact (issue 14, mead-baseline#680), asked directly: which ``self(...)`` passes of a
module's inference methods no caller guards (the DL301 examples test it through the rule)."""
from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dllint.analysis.own_inference import OwnInference
from dllint.context import FileContext

HEAD = """\
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)

"""


def _passes(methods: str, tail: str = "") -> list[tuple[str, int, str | None]]:
    source = HEAD + textwrap.indent(textwrap.dedent(methods), "    ") + textwrap.dedent(tail)
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return [(p.method.name.value, ctx.position(p.call).start.line, p.caller)
            for p in ctx.analysis(OwnInference).unguarded()]


@pytest.mark.parametrize("methods", [
    # handed back: directly, through a name, a list it is appended to, a loop over it, a yield
    "def predict(self, x):\n    return self(x).argmax(1)\n",
    "def predict(self, x):\n    out = self(x)\n    probs = out.softmax(-1)\n    return probs\n",
    "def predict(self, xs):\n    found = []\n    for x in xs:\n        found.append(self.forward(x))\n"
    "    return torch.cat(found)\n",
    "def predict(self, x):\n    for row in self(x):\n        yield row.argmax()\n",
])
def test_a_pass_handed_back_with_no_caller_is_unguarded(methods):
    assert [name for name, _, _ in _passes(methods)] == ["predict"]


@pytest.mark.parametrize("methods", [
    # not handed back (a shape check, a log), a super() call, a switch before it, a training step,
    # not an inference name
    "def predict(self, x):\n    print(self(x).shape)\n    return None\n",
    "def predict(self, x):\n    y = super().predict(x)\n    return self(y)\n",
    "def predict(self, x):\n    self.train(False)\n    return self(x)\n",
    "def predict(self, x):\n    with evaluating(self):\n        return self(x)\n",
    "def evaluate(self, x, y, opt):\n    loss = (self(x) - y).pow(2).mean()\n    loss.backward()\n"
    "    opt.step()\n    return loss\n",
    "def sample(self, x):\n    return self(x).argmax(1)\n",
])
def test_no_self_pass(methods):
    tail = ""
    if "evaluating" in methods:
        tail = ("\nfrom contextlib import contextmanager\n\n@contextmanager\ndef evaluating(m):\n"
                "    m.eval()\n    yield m\n    m.train()\n")
    assert _passes(methods, tail) == []


def test_a_caller_in_training_mode_is_named():
    found = _passes("def predict(self, x):\n    return self(x).argmax(1)\n",
                    "\nmodel = Net()\nprint(model.predict(x_test))\n")
    assert found == [("predict", 13, "x.py:16")]


def test_a_lightning_module_is_left_to_lightning():
    source = ("import lightning as L\nimport torch\n\nclass Lit(L.LightningModule):\n"
              "    def __init__(self):\n        super().__init__()\n        self.drop = torch.nn.Dropout(0.5)\n"
              "    def predict_step(self, batch, idx):\n        return self(batch)\n")
    ctx = FileContext("x.py", source, cst.parse_module(source))
    assert ctx.analysis(OwnInference).unguarded() == []
