"""A model kept by a plain holder object (``self.model = model`` in ``Predictor.__init__``) is the
caller's own model: ``predictor.predict(x)`` in a script of the project runs ``net`` in the mode the
script leaves it in (issue 14, IBM/pytorch-seq2seq 3911e93). Reported when the script trains ``net``
and predicts without ``net.eval()``; silent when the script switches it first, when the holder
switches the model itself, and when the script switches the held attribute."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

MODELS = """import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))
"""

PREDICTOR = """import torch


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.vocab = vocab{switch}

    def predict(self, x):
        return self.model(x).argmax(1).tolist()
"""

MAIN = """import torch
from models import Net
from predictor import Predictor

net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
{before}predictor = Predictor(net, None)
{after}print(predictor.predict(torch.randn(2, 4)))
"""


@pytest.mark.parametrize("switch, before, after, expected", [
    ("", "", "", {("predictor.py", 10, "DL301")}),
    ("", "net.eval()\n", "", set()),
    ("\n        self.model.eval()", "", "", set()),
    ("", "", "predictor.model.eval()\n", set()),
    ("", "", "predictor.model = torch.load('m.pt')\n", set()),
])
def test_held_model_takes_the_callers_mode(tmp_path, monkeypatch, capsys, switch, before, after, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "models.py": MODELS,
        "predictor.py": PREDICTOR.format(switch=switch),
        "main.py": MAIN.format(before=before, after=after),
    })
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == expected
