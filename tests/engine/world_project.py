"""A script project whose network comes out of a table of architectures picked by a command-line
flag (issue 13, the closed world of models): the per-call view cannot tell which class ``make_net``
returns, but every model the program ``main.py`` can build (its modules: ``nets.py``,
``evaluation.py``) is Linear and ReLU. ``other/cnn.py`` is another program of the same repository,
with batch norm and dropout, that neither imports nor is imported by ``main.py``. Written into a
temporary directory by the tests. ``EXPECTED`` lists the DL301/DL302 findings: none.
``EVALUATION`` is the finding once the program can build a mode-dependent model."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "qlearn"
""",
    "nets.py": '''import torch.nn as nn


def build_net(sizes, activation, output_activation):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    return nn.Sequential(*layers)


class QNet(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.q = build_net(sizes, nn.ReLU, nn.Identity)

    def forward(self, s):
        return self.q(s)


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: QNet([4, 256, 256, 2])}


def make_net(name):
    return ARCHITECTURES[name]()
''',
    "evaluation.py": '''import torch


def evaluate(net, states):
    with torch.no_grad():
        return net(states).argmax(1)
''',
    "main.py": '''import sys

import torch

from evaluation import evaluate
from nets import make_net


def main(batches, test_states):
    net = make_net(sys.argv[1])
    opt = torch.optim.Adam(net.parameters())
    for epoch in range(10):
        net.train()
        for states, targets in batches:
            loss = ((net(states) - targets) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(evaluate(net, test_states))


if __name__ == "__main__":
    main([], None)
''',
    "other/cnn.py": '''import torch.nn as nn


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.Dropout(0.2))

    def forward(self, x):
        return self.body(x)


if __name__ == "__main__":
    print(CNN())
''',
}

EXPECTED: set[tuple[str, int, str]] = set()
EVALUATION = ("main.py", 19, "DL301")


def write(root: Path) -> Path:
    return write_files(root, FILES)
