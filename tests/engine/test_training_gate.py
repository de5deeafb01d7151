"""The project view's pre-filter for Modes' look-up of training steps in other modules
(``ProjectView.may_train``, read with CPython's parser): a module is not parsed with libcst when
no call of it can be a backward or an optimizer step as ``Regions`` tells them. Each way a step
can be written keeps the module (the gate may only say "maybe"), and a module without any is
skipped; the findings of a project are the same either way."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from dllint.analysis.project import CallNames
from dllint.cli import main


def may_train(text: str) -> bool:
    return CallNames.of_ast(Path("m.py"), ast.parse(text)).may_train


@pytest.mark.parametrize("text", [
    "def fit(model, loss):\n    loss.backward()\n",
    "def fit(model, opt):\n    opt.step()\n",
    "def fit(self, loss):\n    self.manual_backward(loss)\n",
    "import torch\ndef fit(loss):\n    torch.autograd.backward(loss)\n",
    "from torch.autograd import backward as bw\ndef fit(loss):\n    bw(loss)\n",
    "import torch.autograd.backward as bw\ndef fit(loss):\n    bw(loss)\n",  # not importable, still kept
    "from helpers import *\ndef fit(loss):\n    bw(loss)\n",  # a star import may bind anything
    "def fit(loss):\n    backward(loss)\n",
])
def test_a_module_that_may_train_is_kept(text):
    assert may_train(text)


@pytest.mark.parametrize("text", [
    "def predict(model, x):\n    return model(x).detach()\n",
    # the words alone, not calls: a string, an attribute read, a keyword
    "def f(model):\n    doc = 'call loss.backward() then opt.step()'\n    return model.step, doc\n",
    "def f(model, x):\n    return model(x, step=1, backward=False)\n",
])
def test_a_module_that_cannot_train_is_skipped(text):
    assert not may_train(text)


def _findings(root: Path, capsys) -> list:
    assert main(["--no-cache", "--format", "json", "--exit-zero", "--select", "DL301", str(root)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("header", "step"), [
    ("from torch.autograd import backward as bw\n", "bw(model(batch).sum())"),
    ("import torch\n", "torch.autograd.backward(model(batch).sum())"),
    ("import torch\n", "model(batch).sum()"),
])
def test_the_gate_changes_no_finding(tmp_path, capsys, monkeypatch, header, step):
    """``train_step`` of ``steps.py``, handed the model, steps through ``torch.autograd.backward``
    (kept by the gate), or, in the last twin, does not step at all (the module is skipped): the
    findings are those of the analysis without the gate."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "steps.py").write_text(
        f"{header}\n\n"
        f"def train_step(model, batch):\n    {step}\n")
    (tmp_path / "train.py").write_text(
        "import torch\nimport torch.nn as nn\nfrom steps import train_step\n\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))\n"
        "model.train()\n"
        "for batch in loader:\n    train_step(model, batch)\n"
        "with torch.no_grad():\n    print(model(x_test))\n")
    gated = _findings(tmp_path, capsys)
    from dllint.analysis.project import PROJECT
    PROJECT.clear()
    monkeypatch.setattr(type(PROJECT), "may_train", lambda self, path: True)
    assert _findings(tmp_path, capsys) == gated
    PROJECT.clear()
    assert may_train((tmp_path / "steps.py").read_text()) == ("backward" in header + step)
