"""What a model call's value reaches (fourteenth audit, causes O and DT): a backward pass, through the
names it is bound to, or only a backward pass (the strict twin)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dllint.analysis.backward_reach import BackwardReach
from dllint.context import FileContext

HEAD = "import torch\nimport torch.nn.functional as F\nx = torch.ones(4, 8)\ny = torch.zeros(4, 8)\n"


def _answers(body: str) -> tuple[bool, bool]:
    """(may_reach_backward, only_back_propagated) of the call ``model(...)`` marked ``# here``."""
    source = HEAD + textwrap.dedent(body)
    ctx = FileContext("t.py", source, cst.parse_module(source))
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "# here" in text)
    call = next(c for c in ctx.index.of_type(cst.Call)
                if isinstance(c.func, cst.Name) and c.func.value == "model" and ctx.position(c).start.line == line)
    reach = ctx.analysis(BackwardReach)
    return reach.may_reach_backward(call), reach.only_back_propagated(call)


@pytest.mark.parametrize("body", [
    "loss = F.mse_loss(model(x), y)  # here\nprint(loss.item())\n",
    "out = model(x)  # here\nacc = (out.argmax(1) == y).float().mean()\nprint(f'{acc}')\n",
    # the evaluation binds the training step's names again; its bindings never reach the backward
    "for i in range(3):\n    loss = F.mse_loss(model(x), y)\n    loss.backward()\n"
    "    if i % 2:\n        loss = F.mse_loss(model(x), y)  # here\n        print(loss.data)\n",
])
def test_an_evaluation_reaches_no_backward(body: str) -> None:
    assert _answers(body) == (False, False)


@pytest.mark.parametrize("body", [
    "loss = F.mse_loss(model(x), y)  # here\nloss.backward()\nprint(loss.item())\n",
    "losses = []\nlosses.append(F.mse_loss(model(x), y))  # here\nsum(losses).backward()\n",
    "def f():\n    return model(x)  # here\n",
    "out = model(x)  # here\ndef g():\n    out.sum().backward()\n",
    "total = 0\nfor i in range(3):\n    total += F.mse_loss(model(x), y)  # here\nprint(total.item())\n"
    "total.backward()\n",
])
def test_a_value_that_may_be_back_propagated(body: str) -> None:
    assert _answers(body)[0] is True


def test_a_dropped_value_or_a_hook_may_hand_the_pass_on() -> None:
    assert _answers("model(x)  # here\n") == (True, False)
    hooked = "model.layer.register_forward_hook(keep)\nprint(F.mse_loss(model(x), y).item())  # here\n"
    assert _answers(hooked) == (True, False)


@pytest.mark.parametrize("body, only", [
    ("loss = ((y - model(x)) ** 2).mean()  # here\nloss.backward()\n", True),
    ("((y - model(x)) ** 2).mean().backward()  # here\n", True),
    # read as well, or mixed with a tensor that is not made here: more than a backward pass
    ("loss = ((y - model(x)) ** 2).mean()  # here\nloss.backward()\nprint(loss.item())\n", False),
    ("loss = ((target - model(x)) ** 2).mean()  # here\nloss.backward()\n", False),
    ("loss = ((y - other(model(x))) ** 2).mean()  # here\nloss.backward()\n", False),
])
def test_only_back_propagated(body: str, only: bool) -> None:
    may, strict = _answers(body)
    assert may is True and strict is only
