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
