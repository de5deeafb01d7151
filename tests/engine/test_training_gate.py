"""The project view's pre-filter for Modes' look-up of training steps in other modules
(``ProjectView.may_train_function``, read with CPython's parser): a module is not parsed with
libcst when no call of it can be a backward or an optimizer step as ``Regions`` tells them, nor
when the function asked about reaches none through the module's functions it calls. Each way a
step can be written keeps the module (the gate may only say "maybe"), and a module without any is
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
    monkeypatch.setattr(type(PROJECT), "may_train_function", lambda self, path, name: True)
    assert _findings(tmp_path, capsys) == gated
    PROJECT.clear()
    assert may_train((tmp_path / "steps.py").read_text()) == ("backward" in header + step)


def training_names(text: str) -> frozenset[str] | None:
    return CallNames.of_ast(Path("m.py"), ast.parse(text)).training_names


def test_the_functions_that_may_train():
    text = (
        "def fit(model, opt):\n    opt.step()\n"
        "def run(model, opt):\n    return fit(model, opt)\n"  # calls a function that trains
        "def predict(model, x):\n    return model(x)\n"
        "def evaluate(model, x):\n    return predict(model, x)\n"
        "class Trainer:\n"
        "    def epoch(self, loss):\n        loss.backward()\n"
        "    def loop(self, loss):\n        self.epoch(loss)\n"  # a method, through self
        "    def report(self):\n        return self.fit\n"  # names it, calls nothing
        "def outer(model):\n    def inner(loss):\n        loss.backward()\n    return inner\n"
        "def via_lambda(model):\n    return lambda: fit(model, None)\n"
    )
    assert training_names(text) == {"fit", "run", "epoch", "loop", "inner", "outer", "via_lambda"}
    assert training_names("def predict(model, x):\n    return model(x)\n") == frozenset()
    # a name imported for torch.autograd.backward (or a star import): any call may be one
    assert training_names("from torch.autograd import backward as bw\ndef f(l):\n    bw(l)\n") is None
    assert training_names("from helpers import *\ndef f(l):\n    g(l)\n") is None


@pytest.mark.parametrize(("helper", "parsed"), [("train_step", True), ("evaluate", False), ("run", True)])
def test_a_module_that_trains_elsewhere_is_not_parsed_for_a_function_that_does_not(
        tmp_path, capsys, monkeypatch, helper, parsed):
    """``steps.py`` steps an optimizer in ``train_step`` (and ``run`` calls it); ``evaluate`` does
    neither: a call of ``evaluate`` handed the model does not parse ``steps.py`` with libcst. The
    findings are those of the analysis without the gate."""
    from dllint.analysis import project
    from dllint.analysis.project import PROJECT

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "steps.py").write_text(
        "def train_step(model, batch, opt):\n    model(batch).sum().backward()\n    opt.step()\n\n\n"
        "def run(model, batch, opt):\n    train_step(model, batch, opt)\n\n\n"
        "def evaluate(model, batch, opt):\n    return model(batch).sum().item()\n")
    (tmp_path / "train.py").write_text(
        f"import torch\nimport torch.nn as nn\nfrom steps import {helper}\n\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "model.eval()\n"
        f"for batch in loader:\n    {helper}(model, batch, opt)\n"
        "print(model(x_test))\n")
    # the look-up itself: the function, or None without a parse of steps.py
    PROJECT.clear()
    train = PROJECT.context(tmp_path / "train.py")
    hit = project.find_definition(train, project.Target(tmp_path / "steps.py", helper), training=True)
    assert (hit is not None and hit[1].name.value == helper) == parsed
    assert (PROJECT._modules.get(tmp_path / "steps.py") is not None) == parsed
    PROJECT.clear()
    assert main(["--no-cache", "--format", "json", "--exit-zero", "--select", "DL301,DL302,DL303", "--jobs", "1",
                 str(tmp_path / "train.py")]) == 0
    gated = json.loads(capsys.readouterr().out)
    PROJECT.clear()
    monkeypatch.setattr(type(PROJECT), "may_train_function", lambda self, path, name: True)
    assert main(["--no-cache", "--format", "json", "--exit-zero", "--select", "DL301,DL302,DL303", "--jobs", "1",
                 str(tmp_path / "train.py")]) == 0
    assert json.loads(capsys.readouterr().out) == gated
    PROJECT.clear()
