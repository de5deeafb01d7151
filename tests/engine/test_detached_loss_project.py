"""DL101 on a loss of detached inputs whose loss module is passed in (fourteenth audit, cause DR):
the module is judged where each call of the helper builds it, across the project's modules."""
from __future__ import annotations

import sys
from pathlib import Path

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

EXP = '''import numpy as np
import torch
import torch.nn as nn


class Exp:
    def _select_criterion(self):
        criterion = nn.MSELoss()
        return criterion

    def vali(self, vali_loader, criterion):
        self.model.eval()
        total_loss = []
        for batch_x, batch_y in vali_loader:
            pred, true = self.model(batch_x), batch_y
            loss = criterion(pred.detach().cpu(), true.detach().cpu())
            total_loss.append(loss)
        self.model.train()
        return np.average(total_loss)

    def train(self, train_loader, vali_loader):
        criterion = self._select_criterion()
        for batch_x, batch_y in train_loader:
            loss = criterion(self.model(batch_x), batch_y)
            loss.backward()
        return self.vali(vali_loader, criterion)
'''

CENTER = '''import torch
import torch.nn as nn
from exp import Exp


class CenterLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.centers = nn.Parameter(torch.randn(10, 2))

    def forward(self, x, y):
        return ((x - self.centers) ** 2).sum() + ((y - self.centers) ** 2).sum()


def run(exp, loader):
    return exp.vali(loader, CenterLoss())
'''


def test_a_loss_module_passed_in_is_judged_at_every_call(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    write_files(tmp_path, {"setup.py": "", "exp.py": EXP})
    assert lint_findings(capsys, "DL101", "--no-cache", ".") == set()
    # another module passes a loss with a parameter of its own: the loss may be on the graph
    PROJECT.clear()
    write_files(tmp_path, {"center.py": CENTER})
    assert lint_findings(capsys, "DL101", "--no-cache", ".") == {("exp.py", 17, "DL101")}
