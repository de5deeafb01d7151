"""A project whose squared-L2 penalty is a method of its model classes (``models/``), called by a
runner that receives the model as an argument (``runner.py``: ``model.l2()``, its class chosen by
the caller) and read back from the dict a model's ``forward`` returns (``out[LOSS_L2]``), the
key a constant of ``constants.py``. Written into a temporary directory by the tests; ``EXPECTED``
lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "constants.py": '''LOSS = "loss"
LOSS_L2 = "loss_l2"
DISTANCE = "distance"
''',
    "models/__init__.py": "",
    "models/base.py": '''import torch
from constants import LOSS, LOSS_L2, DISTANCE


class BaseModel(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.emb = torch.nn.Embedding(n, 8)

    def l2(self):
        l2 = 0
        for p in self.parameters():
            l2 += (p ** 2).sum()
        return l2

    def gap(self, a, b):
        return ((self.emb(a) - self.emb(b)) ** 2).sum()

    def forward(self, batch):
        out = {"prediction": self.emb(batch).sum(-1)}
        out[LOSS] = out["prediction"].mean()
        out[LOSS_L2] = self.l2()
        out[DISTANCE] = self.gap(batch, batch.flip(0))
        return out
''',
    "models/deep.py": '''import torch
from models.base import BaseModel


class DeepModel(BaseModel):
    def __init__(self, n):
        super().__init__(n)
        self.fc = torch.nn.Linear(8, 1)

    def l2(self):
        return sum(p.pow(2).sum() for p in self.parameters())
''',
    # a loss module without parameters: its own "penalty" sums nothing
    "models/losses.py": '''import torch


class SmoothLoss(torch.nn.Module):
    def forward(self, out, y):
        return ((out - y) ** 2).mean()

    def reg(self):
        return sum(p.pow(2).sum() for p in self.parameters())
''',
    "runner.py": '''import torch
from constants import LOSS, LOSS_L2, DISTANCE


class Runner:
    def __init__(self, l2_weight):
        self.l2_weight = l2_weight

    def fit(self, model, batches, crit):
        opt = torch.optim.Adam(model.parameters(), weight_decay=self.l2_weight)
        for batch in batches:
            out = model(batch)
            loss = out[LOSS] + model.l2() * self.l2_weight
            l2 = out[LOSS_L2] * self.l2_weight
            loss = loss + l2 + 0.1 * out[DISTANCE] + 1e-4 * crit.reg()
            loss.backward()
            opt.step()

    def evaluate(self, model, batches):
        with torch.no_grad():
            return [model(b)[LOSS] + model.l2() * self.l2_weight for b in batches]
''',
    # the same runner with AdamW told not to decay: the penalty is the only L2 term
    "runner_adamw.py": '''import torch
from constants import LOSS


def fit(model, batches, lam):
    opt = torch.optim.AdamW(model.parameters(), weight_decay=0.0)
    for batch in batches:
        loss = model(batch)[LOSS] + model.l2() * lam
        loss.backward()
        opt.step()
''',
}

EXPECTED = {
    # model.l2(): every model class that defines l2 returns the squared sum of its parameters
    ("runner.py", 13, "DL504"),
    # out[LOSS_L2]: every store of the key is a call of that penalty method
    ("runner.py", 14, "DL504"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
