"""DL201 through a function's parameters: ``def train(model, loader, criterion)`` called with a
model whose output is ``(B, 1)`` and a loader whose targets are ``(B,)``. The parameters get the
facts every call site gives them (all sites known and in the same module); a caller that gives
something else, a site in another module, a function used as a value or a rebound parameter
leaves them unknown. Snippets have no project (their callers are not known), so these tests
write a small one."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

HEAD = '''import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, 1)

    def forward(self, x):
        return self.fc(x)


class Flat(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, 1)

    def forward(self, x):
        return self.fc(x).view(-1)


X = torch.randn(256, 8)
y = torch.randn(256)
'''


@pytest.fixture
def lint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()

    def run(files: dict[str, str]) -> set[tuple[str, int]]:
        PROJECT.clear()
        write_files(tmp_path, files)
        found = lint_findings(capsys, "DL201", "--no-cache", ".")
        return {(path, line) for path, line, _ in found}
    return run


def _line(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def test_model_and_loader_from_the_only_caller(lint):
    # The common script: the training function reads its model and loader from main().
    text = HEAD + '''

def train(model, loader, criterion, optimizer):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)  # BUG
        loss.backward()
        optimizer.step()


def evaluate(net, data):
    for i, (xb, yb) in enumerate(data):
        err = ((net(xb) - yb) ** 2).mean()  # BUG2


def main():
    model = Net(8).cuda()
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    train(model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1))
    evaluate(model, loader)


main()
'''
    assert lint({"train.py": text}) == {("train.py", _line(text, "# BUG")),
                                        ("train.py", _line(text, "# BUG2"))}


def test_keyword_arguments_and_a_module_level_caller(lint):
    text = HEAD + '''
criterion = nn.MSELoss()


def fit(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)  # BUG


train_loader = DataLoader(TensorDataset(X, y), batch_size=64)
fit(loader=train_loader, model=Net(8))
'''
    assert lint({"fit.py": text}) == {("fit.py", _line(text, "# BUG"))}


def test_equal_shapes_and_callers_that_disagree_are_silent(lint):
    text = HEAD + '''
criterion = nn.MSELoss()


def fit(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


def fit_squeezed(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb).squeeze(1), yb)


def fit_column(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


def fit_loss(model, loader, loss_fn):
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)


loader = DataLoader(TensorDataset(X, y), batch_size=64)
fit_loss(Net(8), loader, nn.MSELoss())
fit_loss(Net(8), loader, nn.CrossEntropyLoss())  # not every caller passes an element-wise loss
column = DataLoader(TensorDataset(X, y.view(-1, 1)), batch_size=64)
fit(Net(8), loader)       # (B, 1) against (B,): the bug ...
fit(Flat(8), loader)      # ... and (B,) against (B,): the model is not known in fit
fit_squeezed(Net(8), loader)
fit_column(Net(8), column)  # (B, 1) against (B, 1)
'''
    assert lint({"fit.py": text}) == set()


def test_rebound_parameter_value_use_and_other_modules_are_silent(lint):
    text = HEAD + '''
criterion = nn.MSELoss()


def rebinds(model, loader):
    model = load_checkpoint(model)
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


def as_callback(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


def inject(f):
    return lambda *args: f(load_context(), *args)


@inject
def decorated(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


def shared(model, loader):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)


loader = DataLoader(TensorDataset(X, y), batch_size=64)
rebinds(Net(8), loader)
hooks = [as_callback]
as_callback(Net(8), loader)
shared(Net(8), loader)
decorated(Net(8), loader)  # the decorator passes a context first: model is not Net(8)
'''
    other = '''from fit import shared, loader
from elsewhere import Model

shared(Model(), loader)
'''
    assert lint({"fit.py": text, "other.py": other}) == set()
