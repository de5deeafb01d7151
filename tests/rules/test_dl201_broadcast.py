"""DL201 beyond its examples: messages, the keepdim fix's spelling, where no fix is offered."""
from __future__ import annotations

from dllint.testing import fix_snippet, lint_snippet


def _found(source: str):
    return [d for d in lint_snippet(source, ["DL201"]) if d.code == "DL201"]


def test_message_names_both_shapes_and_the_result():
    (d,) = _found("import torch\ndef f(n):\n    y = torch.randn(n)\n    p = torch.randn(n, 1)\n"
                  "    return p - y\n")
    assert "`p` has shape (n, 1)" in d.message and "`y` has shape (n,)" in d.message
    assert "(n, n)" in d.message and d.line == 5 and d.fix is None


def test_numpy_reduction_is_fixed_with_keepdims():
    source = "import numpy as np\nx = np.random.rand(4, 3)\np = x / x.sum(axis=1)\n"
    assert fix_snippet(source, ["DL201"]) == (
        "import numpy as np\nx = np.random.rand(4, 3)\np = x / x.sum(axis=1, keepdims=True)\n")


def test_reduction_stored_in_a_name_is_reported_without_a_fix():
    (d,) = _found("import torch\ndef f(x):\n    assert x.ndim == 3\n    m = x.amax(2)\n"
                  "    return x - m\n")
    assert d.fix is None and "dimension 2" in d.message


def test_reduction_of_another_tensor_is_not_a_reduction_back():
    # x.sum(1) against y: not its source; the general alignment rule decides (unknown sizes).
    assert not _found("import torch\ndef f(x, y):\n    assert x.dim() == 2 and y.dim() == 2\n"
                      "    return y / x.sum(1)\n")


def test_loss_module_bound_to_an_attribute():
    source = ("import torch\nclass T:\n    def __init__(self):\n"
              "        self.loss_fn = torch.nn.L1Loss()\n"
              "    def step(self, n):\n        y = torch.randn(n)\n"
              "        p = torch.randn(n, 1)\n        return self.loss_fn(p, y)\n")
    (d,) = _found(source)
    assert d.line == 8 and "L1" not in d.message and "self.loss_fn" in d.message


def test_name_bound_to_something_else_too_is_not_a_loss():
    source = ("import torch\ndef f(n, flag):\n    crit = torch.nn.MSELoss()\n"
              "    if flag:\n        crit = custom\n    y = torch.randn(n)\n"
              "    p = torch.randn(2 * n, 1)\n    return crit(p, y)\n")
    assert not _found(source)


def test_silent_without_torch_or_numpy():
    assert not _found("a = ones(16)\nb = ones(16, 1)\nc = a * b\n")


def test_noqa_silences_it():
    assert not _found("import torch\na = torch.ones(16)\nb = torch.ones(16, 1)\n"
                      "c = a * b  # noqa: DL201\n")


def test_loss_forms_with_unknown_sizes():
    head = ("import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
            "def f(model, x, y):\n    y = y.view(-1)\n    p = model(x).view(-1, 1)\n")
    for line in ("    return torch.mean((p - y) ** 2)\n",
                 "    return F.mse_loss(input=p, target=y)\n",
                 "    return nn.SmoothL1Loss()(p, y)\n",
                 "    return (y - p).pow(2).sum()\n"):
        assert [d.line for d in _found(head + line)] == [7], line
    # Not a full reduction: an intended outer difference, kept per row.
    assert not _found(head + "    return ((p - y) ** 2).mean(1)\n")
    # Not a subtraction: a product reduced to a number is not judged without known sizes.
    assert not _found(head + "    return (p * y).sum()\n")
