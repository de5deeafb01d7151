"""The fifteenth audit's mode-dependence facts (docs/audit-2026-12o.md, causes EC, EG, EH; the
DL301 examples hold the page's snippets).

* EC: every torch.nn loss class has no mode, ``NLLLoss2d`` (torch's deprecated alias of ``NLLLoss``)
  included; the list is torch's (``LOSS_CLASSES``), checked here against the torch installed.
* EG: a method of a tensor the class holds (a buffer, a parameter, a tensor torch makes) builds no
  layer: ``self.m = self.m * self.N.unsqueeze(0)`` in ``__init__`` adds no dependence.
* EH: a layer stored on an attribute no code reads (``self.bn0 = nn.BatchNorm3d(w)`` that
  ``forward`` never calls) adds no dependence, while the name occurs nowhere else in the file nor
  in the project's other files and nothing reaches submodules by a computed name or a walk.
"""
from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.models import (LOSS_CLASSES, NO_DEPENDENCE, UNKNOWN_DEPENDENCE, YES_DEPENDENCE,
                                    Models, is_loss_class)
from dllint.analysis.project import PROJECT
from dllint.context import FileContext

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402


def _dependence(source: str, name: str = "Net") -> str:
    ctx = FileContext("t.py", source, cst.parse_module(source))
    models = ctx.analysis(Models)
    return models.class_dependence(models.classes[name]).value


# -- EC: torch's loss classes ---------------------------------------------------------------------

def test_every_torch_loss_class_is_known():
    torch_nn = pytest.importorskip("torch.nn")
    from torch.nn.modules.loss import _Loss

    losses = {name for name, value in vars(torch_nn).items()
              if inspect.isclass(value) and issubclass(value, _Loss) and value is not _Loss}
    assert losses, "no loss class found in torch.nn"
    assert losses <= LOSS_CLASSES, sorted(losses - LOSS_CLASSES)
    # what the name's ending adds is a loss too, or AdaptiveLogSoftmaxWithLoss (linear layers only)
    others = {name for name, value in vars(torch_nn).items()
              if inspect.isclass(value) and is_loss_class(name) and name not in losses}
    assert others <= {"AdaptiveLogSoftmaxWithLoss"}, sorted(others)


LOSS_MODULE = """import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, weight=None):
        super().__init__()
        self.loss = {layer}

    def forward(self, outputs, targets):
        return self.loss(F.log_softmax(outputs, dim=1), targets)
"""


@pytest.mark.parametrize("layer, expected", [
    ("nn.NLLLoss2d(weight)", NO_DEPENDENCE),
    ("nn.NLLLoss(weight)", NO_DEPENDENCE),
    ("nn.CTCLoss()", NO_DEPENDENCE),
    ("nn.Dropout2d(0.1)", YES_DEPENDENCE),
    ("nn.NLLLoss3d(weight)", UNKNOWN_DEPENDENCE),  # no such class: not known
])
def test_a_loss_module_has_no_mode(layer, expected):
    assert _dependence(LOSS_MODULE.format(layer=layer)) == expected


# -- EG: tensors computed in __init__ --------------------------------------------------------------

TENSORS = """import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, features, classes, head=None):
        super().__init__()
        self.fc = nn.Linear(2, features)
{body}
    def forward(self, x):
        return self.fc(x)
"""
BUFFERS = ("        self.register_buffer('N', torch.ones(classes) * 20)\n"
           "        self.register_buffer('m', torch.randn(features, classes))\n")


@pytest.mark.parametrize("body, expected", [
    (BUFFERS + "        self.m = self.m * self.N.unsqueeze(0)\n", NO_DEPENDENCE),
    (BUFFERS + "        self.scale = (-self.N).sqrt()[0].item()\n", NO_DEPENDENCE),
    ("        self.W = nn.Parameter(torch.zeros(features, classes))\n"
     "        self.w0 = self.W.detach().abs().mean(0)\n", NO_DEPENDENCE),
    ("        n = torch.ones(classes)\n        self.m = n.unsqueeze(0) * 2\n", NO_DEPENDENCE),
    # not known to be a tensor: a parameter of __init__, a plain attribute, a deleted buffer
    ("        self.m = head.unsqueeze(0)\n", UNKNOWN_DEPENDENCE),
    ("        self.h = head\n        self.m = self.h.extra(0)\n", UNKNOWN_DEPENDENCE),
    (BUFFERS + "        del self.N\n        self.N = make(classes)\n        self.m = self.N.unsqueeze(0)\n",
     UNKNOWN_DEPENDENCE),
])
def test_a_tensor_of_the_class_builds_no_layer(body, expected):
    assert _dependence(TENSORS.format(body=body)) == expected


# -- EH: layers nothing reads ----------------------------------------------------------------------

FNO = """import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc0 = nn.Linear(3, width)
        self.bn0 = {norm}
        self.fc1 = nn.Linear(width, 1)

    def forward(self, x):
        return self.fc1(F.gelu({hidden}))
{more}"""


@pytest.mark.parametrize("norm, hidden, more, expected", [
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "", NO_DEPENDENCE),
    ("nn.Sequential(nn.BatchNorm1d(int(width / 2)), nn.Dropout(0.1))", "self.fc0(x)", "", NO_DEPENDENCE),
    # read in forward, in another method, by a subclass, by name on an instance, in a comment
    ("nn.BatchNorm1d(width)", "self.bn0(self.fc0(x))", "", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "\n    def features(self, x):\n        return self.bn0(x)\n",
     YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "\nmodel = Net(4)\nout = model.bn0(x)\n", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "# forward skips bn0 for now\n", YES_DEPENDENCE),
    # submodules reached by a computed name or a walk
    ("nn.BatchNorm1d(width)", "getattr(self, 'fc0')(x)", "", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)",
     "\n    def run_all(self, x):\n        for m in self.children():\n            x = m(x)\n        return x\n",
     YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "\nlayers = list(Net(4)._modules.values())\n", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.get_submodule(name)(x)", "", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)",
     "\n    def __getattr__(self, name):\n        return super().__getattr__(name)\n", YES_DEPENDENCE),
    ("nn.BatchNorm1d(width)", "self.fc0(x)", "\nfrom torch.nn.modules.batchnorm import _BatchNorm\n",
     NO_DEPENDENCE),
    # the stored value runs something else: a method of the model, a function given the model
    ("self.make_norm(width)", "self.fc0(x)",
     "\n    def make_norm(self, width):\n        return nn.BatchNorm1d(width)\n", YES_DEPENDENCE),
    ("wrap(self, nn.BatchNorm1d(width))", "self.fc0(x)", "", YES_DEPENDENCE),
])
def test_a_layer_nothing_reads_adds_nothing(norm, hidden, more, expected):
    assert _dependence(FNO.format(norm=norm, hidden=hidden, more=more)) == expected


TRAIN = """import torch
import torch.nn.functional as F
from model import Net

model = Net(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)
    print(epoch, val)
"""
SUBCLASS = """from model import Net

class NormedNet(Net):
    def forward(self, x):
        return self.fc1(self.bn0(self.fc0(x)))
"""


def _notebook(code: str, output: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": [code], "metadata": {},
                                  "execution_count": 1, "outputs": [
                                      {"output_type": "display_data", "metadata": {},
                                       "data": {"image/png": output}}]}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.parametrize("others, reported", [
    ({}, False),
    # a notebook whose image output holds the letters, not its code
    ({"plots.ipynb": _notebook("import model\n", "iVBOR+bn0/AAAA")}, False),
    # another module of the project names the attribute: a subclass calls it, a notebook runs it
    ({"normed.py": SUBCLASS}, True),
    ({"probe.ipynb": _notebook("from model import Net\nNet(4).bn0(x)\n", "")}, True),
])
def test_a_layer_nothing_in_the_project_reads(tmp_path, monkeypatch, capsys, others, reported):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    model = FNO.format(norm="nn.BatchNorm1d(width)", hidden="self.fc0(x)", more="")
    write_files(tmp_path, {"model.py": model, "train.py": TRAIN, **others})
    line = TRAIN.splitlines().index(
        "        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)") + 1
    assert lint_findings(capsys, "DL301", "--no-cache", "train.py") == \
        ({("train.py", line, "DL301")} if reported else set())
