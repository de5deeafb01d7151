"""DL503: a layer that keeps PyTorch's default initialisation before SELU is reported only when no
module of the project may initialise weights: a training script's ``model.apply(init)`` reaches the
model file's layers (``dllint.analysis.init_gains.default_init_selu``)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

MODEL = '''import torch.nn as nn
import torch.nn.functional as F


class SNN(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.fc2(F.selu(self.fc1(x)))
'''

TRAIN = '''import torch
from model import SNN

model = SNN(16, 64)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
'''

INIT = '''

def lecun(m):
    if isinstance(m, torch.nn.Linear):
        torch.nn.init.kaiming_normal_(m.weight, nonlinearity='linear')


model.apply(lecun)
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, {"setup.py": "", "model.py": MODEL, "train.py": TRAIN})


def test_no_module_initialises_the_layer(project, capsys):
    expected = {("model.py", 8, "DL503")}
    assert lint_findings(capsys, "DL503", "--no-cache", ".") == expected
    assert lint_each_file(capsys, "DL503", ["model.py", "train.py"]) == expected


def test_a_training_script_that_initialises_silences_the_model(project, capsys):
    (project / "train.py").write_text(TRAIN + INIT)
    assert lint_findings(capsys, "DL503", "--no-cache", ".") == set()
    assert lint_each_file(capsys, "DL503", ["model.py", "train.py"]) == set()
