"""The sampling-pass fact (eighth audit, cause BQ): a model run again and again over the same input,
every output kept, in a loop that does not train (Monte Carlo dropout)."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.modes import Modes
from dllint.analysis.sampling_passes import sampling_pass
from dllint.context import FileContext

HEAD = """import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
"""


def _passes(body: str) -> list[bool]:
    """sampling_pass of each call of ``net`` in ``body``, in source order."""
    source = HEAD + body
    ctx = FileContext("t.py", source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    calls = [c for c in ctx.index.of_type(cst.Call)
             if isinstance(c.func, cst.Name) and c.func.value == "net"]
    calls.sort(key=ctx.index.order.__getitem__)
    assert calls
    return [sampling_pass(modes, c) for c in calls]


@pytest.mark.parametrize("body", [
    "preds = [net(x) for _ in range(10)]\n",
    "preds = torch.stack([net(x).softmax(-1) for _ in trange(10)])\n",
    "preds = list(net(batch.x) for i in tqdm(range(10)))\n",
    "preds = []\nfor _ in range(10):\n    preds.append(net(x))\n",
    "for i in range(10):\n    out[i] = net(x)\n",
    "total = 0\nfor _ in range(10):\n    total += net(x)\n",
    "for _ in range(10):\n    y = net(x)\n    preds.append(y.softmax(-1))\n",
])
def test_repeated_kept_passes_over_the_same_input_sample(body):
    assert _passes(body) == [True]


@pytest.mark.parametrize("body", [
    "preds = [net(x[i]) for i in range(10)]\n",  # a different row at each pass
    "preds = [net(augment(x)) for _ in range(10)]\n",  # test-time augmentation
    "preds = [net(x) for _ in range(10) if keep]\n",
    "preds = [net(x) for x in xs]\n",  # over data, not a count
    "for _ in range(10):\n    net(x)\n",  # a timing loop: nothing kept
    "for _ in range(10):\n    x = net(x)\n",  # an autoregressive loop: the input changes
    "for _ in range(10):\n    z = torch.randn(4)\n    preds.append(net(z))\n",
    "while len(preds) < 10:\n    preds.append(net(x))\n",
    "preds = [net() for _ in range(10)]\n",
    "preds = [net(x) for _ in range(1)]\n",  # one pass
    "out = net(x)\n",
    "for _ in range(10):\n    y = net(x)\n    print(y)\n",
    # the model changes between the passes: an epoch loop that validates on a fixed batch
    "opt = torch.optim.SGD(net.parameters(), lr=0.1)\nfor _ in range(10):\n"
    "    opt.zero_grad()\n    net(x_train).sum().backward()\n    opt.step()\n"
    "    losses.append(net(x_val))\n",
])
def test_other_passes_are_no_sampling(body):
    assert not any(_passes(body))
