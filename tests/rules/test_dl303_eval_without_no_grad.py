"""DL303 beyond its examples: severity and the grad-mode forms that silence it."""
from __future__ import annotations

import pytest

from dllint.registry import default_registry
from dllint.testing import lint_snippet

LOOP = """import torch
model.eval()
{header}
    for x, y in loader:
        acc += (model(x).argmax(1) == y).sum().item()
"""


def _findings(source: str):
    return [d for d in lint_snippet(source, ["DL303"]) if d.code == "DL303"]


def test_info_and_enabled_by_default() -> None:
    rule = default_registry().by_code["DL303"]
    assert rule.severity == "info" and rule.default_enabled
    (found,) = _findings(LOOP.format(header="if True:"))
    assert found.line == 5 and found.severity == "info"


@pytest.mark.parametrize("header", [
    "with torch.no_grad():",
    "with torch.inference_mode():",
    "with torch.set_grad_enabled(False):",
    "with torch.set_grad_enabled(training):",
    "with torch.autocast('cuda'), torch.no_grad():",
])
def test_grad_switches_silence(header: str) -> None:
    assert not _findings(LOOP.format(header=header))


def test_backward_after_the_loop_silences() -> None:
    source = LOOP.format(header="if True:") + "total = sum(outs)\ntotal.backward()\n"
    assert not _findings(source)


def test_one_finding_per_model_and_loop() -> None:
    source = LOOP.format(header="if True:").replace(
        "acc += (model(x).argmax(1) == y).sum().item()",
        "acc += (model(x).argmax(1) == y).sum().item()\n        loss += model(x).sum().item()")
    assert [d.line for d in _findings(source)] == [5]


@pytest.mark.parametrize("extra", [
    "        x.requires_grad_(True)\n",
    "        x.requires_grad = True\n",
    "        g = x.grad.sign()\n",
    "        g = torch.autograd.grad(acc, x)\n",
])
def test_loops_that_want_gradients_are_silent(extra: str) -> None:
    source = LOOP.format(header="if True:") + extra
    assert not _findings(source)
