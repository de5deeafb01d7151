"""DL101 beyond its examples: messages, fix applicability, and the cases decided across functions."""
from __future__ import annotations

from dllint.engine import lint_source
from dllint.fix import fix_source
from dllint.rules.dl101_graph_accumulation import GraphAccumulation


def lint(source: str):
    return [d for d in lint_source(source, "x.py", [GraphAccumulation()], enabled_tool_codes=["DL101"])
            if d.code == "DL101"]


def fix(source: str, unsafe: bool) -> str:
    return fix_source(source, lint, unsafe=unsafe)[0]


RETURNED_AND_READ_AS_TENSOR = """\
import torch
import torch.nn as nn
loss = nn.CrossEntropyLoss(reduction='none')

def evaluate_loss(data_iter, net):
    l_sum, n = 0.0, 0
    for x, y in data_iter:
        l = loss(net(x), y)
        l_sum += l.sum()
        n += y.numel()
    return l_sum / n

for epoch in range(3):
    valid_loss = evaluate_loss(valid_iter, net)
    plot(valid_loss.detach().cpu())
"""


def test_returned_accumulator_read_as_tensor_by_caller_gets_unsafe_detach():
    found = lint(RETURNED_AND_READ_AS_TENSOR)
    assert [d.line for d in found] == [9]
    assert found[0].fix.applicability == "unsafe"
    assert "l_sum += l.sum().detach()" in fix(RETURNED_AND_READ_AS_TENSOR, unsafe=True)
    assert fix(RETURNED_AND_READ_AS_TENSOR, unsafe=False) == RETURNED_AND_READ_AS_TENSOR


def test_message_names_the_value_and_the_accumulator():
    found = lint("import torch\nfor x, y in loader:\n    out = model(x)\n    total += criterion(out, y)\n")
    assert len(found) == 1
    assert "`criterion(out, y)`" in found[0].message and "`total`" in found[0].message
    assert found[0].fix.applicability == "safe"


def test_returned_sum_backpropagated_by_the_caller_is_silent():
    src = """\
import torch
def micro_batches_loss(model, batches):
    total = 0
    for xb, yb in batches:
        total = total + criterion(model(xb), yb)
    return total

for step in range(100):
    loss = micro_batches_loss(model, next_batches())
    loss.backward()
    optimizer.step()
"""
    assert lint(src) == []


def test_caller_under_no_grad_silences_the_helper():
    src = """\
import torch
def collect(model, loader):
    outs = []
    for x in loader:
        outs.append(model(x))
    return outs

def main():
    with torch.no_grad():
        outs = collect(model, test_loader)
"""
    assert lint(src) == []
    assert [d.line for d in lint(src.replace("    with torch.no_grad():\n        outs", "    outs"))] == [5]


def test_loop_over_something_that_is_not_data_nor_training_is_silent():
    src = """\
import torch
def features(model, x):
    outs = []
    for block in model.blocks:
        x = block(x)
        outs.append(model(x))
    print(len(outs))
"""
    assert lint(src) == []
