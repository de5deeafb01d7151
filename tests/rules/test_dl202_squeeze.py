"""DL202 beyond its examples: what makes a batch, flow order, the message."""
from __future__ import annotations

from dllint.testing import lint_snippet


def _lines(source: str):
    return [d.line for d in lint_snippet(source, ["DL202"]) if d.code == "DL202"]


def test_message_names_the_batch_and_the_remedy():
    (d,) = lint_snippet("import torch\nfor x, y in train_loader:\n    out = model(x).squeeze()\n",
                        ["DL202"])
    assert "`model(x)` is a batch" in d.message and "squeeze(-1)" in d.message


def test_batch_name_is_lost_when_rebound_to_something_else():
    source = ("import torch\ndef f(model, loader):\n    for x, y in loader:\n"
              "        x = torch.zeros(3, 1)\n        a = x.squeeze()\n")
    assert _lines(source) == []


def test_flow_order_inside_a_function():
    source = ("import torch\ndef f(model, loader, x):\n    a = x.squeeze()\n"
              "    for x, y in loader:\n        b = x.squeeze()\n")
    assert _lines(source) == [5]


def test_dataloader_bound_by_name_without_loader_in_it():
    source = ("import torch\nfrom torch.utils.data import DataLoader\n"
              "batches = DataLoader(ds, batch_size=32)\nfor x, y in batches:\n    x.squeeze()\n")
    assert _lines(source) == [5]


def test_default_batch_size_of_one_is_silent():
    source = ("import torch\nfrom torch.utils.data import DataLoader\n"
              "loader = DataLoader(ds)\nfor x, y in loader:\n    x.squeeze()\n")
    assert _lines(source) == []


def test_loop_over_something_that_is_not_a_loader_is_silent():
    source = "import torch\nfor x, y in pairs:\n    x.squeeze()\n"
    assert _lines(source) == []


def test_loss_functions_are_not_models():
    source = ("import torch\nfor x, y in loader:\n    l = criterion(model(x), y)\n"
              "    l.squeeze()\n")
    assert _lines(source) == []


def test_indexed_container_is_a_batch_only_when_it_is_clearly_a_container():
    container = ("import torch\nfor batch in loader:\n    x = batch[0]\n    y = batch[1]\n"
                 "    x.squeeze()\n")
    assert _lines(container) == [5]
    plain = "import torch\nfor x in loader:\n    s = x[0]\n    s.squeeze()\n"
    assert _lines(plain) == []


def test_squeeze_for_display_is_silent():
    source = ("import torch\nimport matplotlib.pyplot as plt\nfor x, y in loader:\n"
              "    plt.imshow(model(x).squeeze())\n    axes[0].imshow(x.squeeze())\n"
              "    z = model(x).squeeze()\n")
    assert _lines(source) == [6]


_QNET = ("import numpy as np\nimport torch\nfrom torch import nn\n"
         "class QNet(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.linear = nn.Linear(8, 1)\n"
         "    def forward(self, state):\n"
         "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
         "q_net = QNet()\n")


def _minibatches(n: str, k: str, extra: str = "") -> str:
    return _QNET + (f"n = {n}\nk = {k}\n{extra}"
                    "def train(s):\n    inds = np.random.permutation(n)\n"
                    "    for start in range(0, n, k):\n"
                    "        pred = q_net(s[inds[start:start + k]]).squeeze()\n")


def test_minibatch_slices_are_several_rows_unless_the_last_one_may_hold_one():
    # 2050 = 32 * 64 + 2: the last minibatch has two rows; 2049 = 32 * 64 + 1: it has one.
    assert _lines(_minibatches("2050", "64")) == []
    assert _lines(_minibatches("2048", "int(n // 32)")) == []
    assert _lines(_minibatches("2049", "64")) == [16]
    assert _lines(_minibatches("2048", "1")) == [16]


def test_a_size_bound_twice_is_not_a_constant():
    # `k` may come from the command line: its value is unknown.
    assert _lines(_minibatches("2048", "64", "if args.k:\n    k = args.k\n")) == [18]


def test_a_batch_sampler_keeping_its_last_batch_or_of_unknown_size_is_no_fixed_count():
    source = _QNET + (
        "from torch.utils.data import BatchSampler, SequentialSampler\n"
        "def train(s, size):\n"
        "    for b in BatchSampler(SequentialSampler(range(len(s))), 16, True):\n"
        "        p = q_net(s[b]).squeeze()\n"
        "    for c in BatchSampler(SequentialSampler(range(len(s))), 16, False):\n"
        "        p = q_net(s[c]).squeeze()\n"
        "    for d in BatchSampler(SequentialSampler(range(len(s))), size, drop_last=True):\n"
        "        p = q_net(s[d]).squeeze()\n")
    assert _lines(source) == [16, 18]
