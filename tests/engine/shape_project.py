"""A small regression project split the way real ones are, for DL201: the model in one module, the
data in another, the training in a third and a script at the root (a ``src/`` layout, absolute and
relative imports). The rank of the model's output is only known from its class, defined in another
file. Written into a temporary directory by the tests; ``EXPECTED`` lists its findings as
(path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "reglib"
""",
    "src/reglib/__init__.py": "",
    "src/reglib/models.py": '''import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.body(x))


class Scorer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())

    def forward(self, x):
        h = self.net(x)
        return h.view(-1)
''',
    "src/reglib/data.py": '''import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset


def loader(n=64, d=4):
    x = torch.randn(n, d)
    y = torch.randn(n)
    return DataLoader(TensorDataset(x, y), batch_size=8)


class Rows(Dataset):
    """One float label per row: the default collate stacks them into (B,)."""

    def __init__(self, xs, ys):
        self.xs, self.ys = xs, ys

    def __len__(self):
        return len(self.ys)

    def __getitem__(self, i):
        return torch.tensor(self.xs[i]), float(self.ys[i])


class Columns(Rows):
    """A one-element label per row: (B, 1) batches."""

    def __getitem__(self, i):
        return torch.tensor(self.xs[i]), torch.tensor([float(self.ys[i])])
''',
    "src/reglib/training.py": '''import torch
import torch.nn.functional as F

from .models import Regressor, Scorer


class Trainer:
    def __init__(self, d):
        self.model = Regressor(d)
        self.scorer = Scorer(d)

    def step(self, x, y):
        y = y.view(-1)
        loss = F.mse_loss(self.model(x), y)
        return loss

    def score(self, x, y):
        y = y.view(-1)
        return F.mse_loss(self.scorer(x), y)

    def column(self, x, y):
        return F.mse_loss(self.model(x), y.view(-1, 1))
''',
    "train.py": '''import torch
from torch import nn

from reglib.data import loader
from reglib.models import Regressor

model = Regressor(4).to("cpu")
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader():
    pred = model(x)
    loss = criterion(pred, y.flatten())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    fixed = criterion(pred.squeeze(1), y.flatten())
''',
    "fit_rows.py": '''import torch
from torch.utils.data import DataLoader

from reglib.data import Columns, Rows
from reglib.models import Regressor

xs, ys = [[0.0] * 4] * 64, [0.0] * 64
model = Regressor(4)
criterion = torch.nn.SmoothL1Loss()
for x, y in DataLoader(Rows(xs, ys), batch_size=16, shuffle=True):
    criterion(model(x), y).backward()
for x, y in DataLoader(Columns(xs, ys), batch_size=16):
    criterion(model(x), y).backward()
''',
}

EXPECTED = {
    ("src/reglib/training.py", 14, "DL201"),  # (B, 1) from Regressor against a flattened target
    ("train.py", 12, "DL201"),  # the same through a script and an nn.MSELoss module
    ("fit_rows.py", 11, "DL201"),  # (B, 1) against the (B,) labels of data.Rows's items
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
