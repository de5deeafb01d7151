"""A small training project split the way real ones are: the model, the data, the evaluation and
the training in separate modules (a ``src/`` layout, absolute and relative imports, a script at
the root). Written into a temporary directory by the tests; ``EXPECTED`` lists its findings as
(path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "trainlib"
""",
    "src/trainlib/__init__.py": "",
    "src/trainlib/models.py": '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.drop(x))

    def val_start(self):
        self.eval()

    def train_start(self):
        self.train()
''',
    "src/trainlib/data.py": '''import torch
from torch.utils.data import DataLoader, TensorDataset


def loader(split, batch_size=8):
    x = torch.randn(64, 4)
    y = torch.randint(0, 2, (64,))
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=split == "train")
''',
    "src/trainlib/evaluation.py": '''import torch


def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model(x).sum().item() for x, _ in loader)


def evaluate_restoring(model, loader):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    if was_training:
        model.train()
    return out


def evaluate_restoring_too_late(model, loader):
    model.eval()
    was_training = model.training
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    model.train(was_training)
    return out


def predict(model, x):
    with torch.no_grad():
        return model(x).softmax(-1)
''',
    "src/trainlib/engine.py": '''import torch

from . import evaluation
from .evaluation import evaluate, evaluate_restoring, evaluate_restoring_too_late


def fit(model, train_loader, val_loader, optimizer, loss_fn, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        evaluate(model, val_loader)


def fit_restoring(model, train_loader, val_loader, optimizer, loss_fn, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        evaluate_restoring(model, val_loader)


def fit_restoring_too_late(model, train_loader, val_loader, optimizer, loss_fn, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        evaluate_restoring_too_late(model, val_loader)


def fit_each_epoch(model, train_loader, val_loader, optimizer, loss_fn, epochs):
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        evaluation.evaluate(model, val_loader)
''',
    "train.py": '''import torch
from trainlib.data import loader
from trainlib.models import Net

model = Net().to("cpu")
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = loader("train")
for epoch in range(3):
    for x, y in train_loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.val_start()
    with torch.no_grad():
        score = model(torch.randn(8, 4))
''',
    "sample.py": '''import torch
from trainlib.models import Net

model = Net()
model.load_state_dict(torch.load("net.pt"))
model.val_start()
with torch.no_grad():
    print(model(torch.randn(2, 4)))
model.train_start()
with torch.no_grad():
    print(model(torch.randn(2, 4)))
''',
    "predict.py": '''import torch
from trainlib.evaluation import predict
from trainlib.models import Net

model = Net()
model.train()
fit(model)
probs = predict(model, torch.randn(2, 4))
model.eval()
probs = predict(model, torch.randn(2, 4))
''',
    "fresh.py": '''import torch
from trainlib.evaluation import evaluate
from trainlib.models import Net

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)
''',
}

EXPECTED = {
    ("src/trainlib/engine.py", 14, "DL302"),  # evaluate() leaves the model in eval mode
    ("src/trainlib/engine.py", 34, "DL302"),  # the mode is saved after switching: never restored
    ("train.py", 13, "DL302"),  # Net.val_start() (another file) calls self.eval()
    ("sample.py", 11, "DL301"),  # Net.train_start() (another file) calls self.train()
    ("predict.py", 8, "DL301"),  # (below) the script mentions no mode: only the helper switches
    ("fresh.py", 12, "DL302"),  # predict() (another file) evaluates the model it is given
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
