"""A submodule built from a class that ``__init__`` takes as a parameter (issue 13, thirteenth
audit, DQ; tabular_dae's ``AutoEncoder(..., body_network=DeapStack)`` then ``self.body =
body_network(...)``): it is built from the classes the constructions across the project pass for
that parameter, its default where one leaves it out. Mode-free when all of them are; a class
with a dropout passed anywhere, or one not seen, keeps the model mode-dependent (or unknown)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

NETWORK = """import torch.nn as nn


class DeapStack(nn.Module):
    def __init__(self, in_features, hidden_size=64):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, hidden_size), nn.ReLU(), nn.Linear(hidden_size, in_features))

    def forward(self, x):
        return self.layers(x)


class DropStack(nn.Module):
    def __init__(self, in_features):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, in_features), nn.Dropout(0.2))

    def forward(self, x):
        return self.layers(x)


class AutoEncoder(nn.Module):
    def __init__(self, in_features, body_network=DeapStack, body_network_cfg=dict()):
        super().__init__()
        self.body = body_network(in_features, **body_network_cfg)

    def forward(self, x):
        return self.body(x)
"""

ENGINE = """import torch
from torch.utils.data import DataLoader

from network import AutoEncoder


def train(data, max_epochs=10):
    network = AutoEncoder(data.shape[1])
    cutoff = int(len(data) * 0.8)
    train_dl = DataLoader(data[:cutoff], batch_size=32, shuffle=True, drop_last=True)
    valid_dl = DataLoader(data[cutoff:], batch_size=32)
    optimizer = torch.optim.Adam(network.parameters())
    for epoch in range(max_epochs):
        network.train()
        for x in train_dl:
            optimizer.zero_grad()
            loss = ((network(x + 0.1 * torch.randn_like(x)) - x) ** 2).mean()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for x in valid_dl:
                loss = ((network(x) - x) ** 2).mean()
    return network
"""

FILES = {".git/HEAD": "ref: refs/heads/main\n", "network.py": NETWORK, "engine.py": ENGINE}
FINDING = ("engine.py", 22, "DL301")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    yield tmp_path
    PROJECT.clear()


def test_default_body_without_dropout(project, capsys):
    write_files(project, FILES)
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()


@pytest.mark.parametrize("extra", [
    # another construction passes a body with a dropout
    "from network import AutoEncoder, DropStack\n\nwide = AutoEncoder(8, body_network=DropStack)\n",
    "from network import AutoEncoder, DropStack\n\nwide = AutoEncoder(8, DropStack)\n",
    # or a body class that is not seen
    "from network import AutoEncoder\nfrom somelib import Body\n\nwide = AutoEncoder(8, Body)\n",
    # or one not known at all
    "from network import AutoEncoder\n\n\ndef build(cls):\n    return AutoEncoder(8, cls)\n",
])
def test_a_passed_body_that_may_depend_keeps_the_finding(project, capsys, extra):
    write_files(project, {**FILES, "other.py": extra})
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {FINDING}
