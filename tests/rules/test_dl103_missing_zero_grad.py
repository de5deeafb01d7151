"""DL103 beyond its examples: which optimizer a clearing belongs to, and helpers."""
from __future__ import annotations

from dllint.engine import lint_source
from dllint.rules.dl103_missing_zero_grad import MissingZeroGrad


def lint(source: str):
    return [d for d in lint_source(source, "x.py", [MissingZeroGrad()], enabled_tool_codes=["DL103"])
            if d.code == "DL103"]


def test_other_optimizers_zero_grad_does_not_count_but_a_models_does():
    loop = (
        "import torch\n"
        "for x in loader:\n"
        "    {clear}\n"
        "    loss_g(x).backward()\n"
        "    opt_g.step()\n"
    )
    assert [d.line for d in lint(loop.format(clear="opt_d.zero_grad()"))] == [5]
    assert lint(loop.format(clear="generator.zero_grad()")) == []
    assert lint(loop.format(clear="opt_g.zero_grad()")) == []


def test_clearing_through_nested_module_helpers():
    src = (
        "import torch\n"
        "def clear(opt):\n    opt.zero_grad()\n"
        "def prepare(opt):\n    clear(opt)\n"
        "for x in loader:\n    prepare(optimizer)\n    model(x).sum().backward()\n    optimizer.step()\n"
    )
    assert lint(src) == []
    assert [d.line for d in lint(src.replace("    opt.zero_grad()", "    pass"))] == [9]


def test_message_names_the_step():
    (found,) = lint("import torch\nwhile True:\n    net(x).backward()\n    optim.step()\n")
    assert "`optim.step()`" in found.message and "zero_grad" in found.message
