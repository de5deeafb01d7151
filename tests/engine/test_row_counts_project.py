"""Row counts through the calls that reach a function (tenth audit, cause CI): an actor's
``forward`` called with one observation given a batch axis and with minibatches of a fixed size
squeezes no batch of one by chance. The calls of the file are all its calls only when no other
module of the project names it: another module that imports the actor may call it with anything."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

AGENT = """import numpy as np
import torch
from torch import nn

batch_size = 2048
mini_batch = int(batch_size // 32)


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = nn.Linear(8, 2)

    def forward(self, x):
        return self.mean(x).squeeze()


actor = Actor()


def act(s):
    return actor(torch.from_numpy(s).float().unsqueeze(0))


def train(s):
    b_inds = np.arange(batch_size)
    for start in range(0, batch_size, mini_batch):
        idx = b_inds[start:start + mini_batch]
        loss = actor(s[idx]).sum()
"""

OTHER = """from agent import Actor


def evaluate(loader):
    net = Actor()
    for x, y in loader:
        out = net(x)
"""


@pytest.mark.parametrize("files, expected", [
    ({"agent.py": AGENT}, set()),
    ({"agent.py": AGENT, "evaluate.py": OTHER}, {("agent.py", 15, "DL202")}),
    # a module that names another one only
    ({"agent.py": AGENT, "notes.py": "agents = 3\n"}, set()),
])
def test_forward_rows_from_the_calls_of_the_project(tmp_path, monkeypatch, capsys, files, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, files)
    assert lint_findings(capsys, "DL202", "--no-cache", ".") == expected
