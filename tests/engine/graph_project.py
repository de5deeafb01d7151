"""A training project split into modules for DL101: the model, the data, the helpers (a loss
function and an ``AverageMeter``), the evaluation and the training in separate files. Every graph
tensor that is accumulated comes from another module: a helper that returns a loss, a method of an
imported model class, a meter whose ``update`` adds its argument into ``self.sum``. Written into a
temporary directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "gproj"
""",
    "src/gproj/__init__.py": "",
    "src/gproj/models.py": '''import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

    def loss(self, x, y):
        return F.cross_entropy(self(x), y)

    def accuracy(self, x, y):
        return (self(x).argmax(1) == y).float().mean()
''',
    "src/gproj/data.py": '''import torch
from torch.utils.data import DataLoader, TensorDataset


def make_loader(split, batch_size=8):
    x = torch.randn(64, 4)
    y = torch.randint(0, 2, (64,))
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=split == "train")
''',
    "src/gproj/utils.py": '''import torch
import torch.nn.functional as F


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n


def compute_loss(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def batch_accuracy(out, y):
    return (out.argmax(1) == y).float().mean()
''',
    "src/gproj/evaluation.py": '''import torch

from .utils import compute_loss


def evaluate(model, loader):
    model.eval()
    total = 0.0
    for batch in loader:
        total += compute_loss(model, batch)
    return total / len(loader)


@torch.no_grad()
def evaluate_quietly(model, loader):
    model.eval()
    total = 0.0
    for batch in loader:
        total += compute_loss(model, batch)
    return total / len(loader)
''',
    "train.py": '''import torch
from gproj.data import make_loader
from gproj.models import Net
from gproj.utils import AverageMeter, batch_accuracy, compute_loss

model = Net()
model = model.to("cpu")
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses, accuracies = AverageMeter(), AverageMeter()
running, aux = 0.0, 0.0
for x, y in make_loader("train"):
    optimizer.zero_grad()
    loss = compute_loss(model, (x, y))
    loss.backward()
    optimizer.step()
    losses.update(loss, x.size(0))
    accuracies.update(batch_accuracy(model(x), y))
    running += model.loss(x, y)
    aux += model.accuracy(x, y)
print(losses.sum / losses.count, running)
''',
    "trainer.py": '''import torch
from gproj.utils import AverageMeter, compute_loss


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.meter = AverageMeter()

    def train_epoch(self, loader):
        for batch in loader:
            self.optimizer.zero_grad()
            loss = compute_loss(self.model, batch)
            loss.backward()
            self.optimizer.step()
            self.meter.update(loss)

    def train_epoch_fixed(self, loader):
        for batch in loader:
            self.optimizer.zero_grad()
            loss = compute_loss(self.model, batch)
            loss.backward()
            self.optimizer.step()
            self.meter.update(loss.item())
''',
}

EXPECTED = {
    ("src/gproj/evaluation.py", 10, "DL101"),  # compute_loss (utils.py) returns a graph tensor
    ("train.py", 16, "DL101"),  # AverageMeter.update (utils.py) adds its argument into self.sum
    ("train.py", 18, "DL101"),  # Net.loss (models.py) returns a graph tensor; model = model.to()
    ("trainer.py", 17, "DL101"),  # self.meter is an AverageMeter of utils.py
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
