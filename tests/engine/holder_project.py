"""A reinforcement-learning project shaped like Kaixhin/Rainbow (audit of issue 13, cause B): the
agent class holds the network and switches its mode in ``eval()`` / ``train()``; a helper of
another module calls ``agent.evaluate_q()``; the script switches the agent to eval mode before it
calls the helper. Written into a temporary directory by the tests. ``EXPECTED`` lists its DL301
findings as (path, line, code): none, because every caller of ``evaluate_q`` in the project puts
the network in eval mode first."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "rainbow"
""",
    "agent.py": '''import torch
from torch import nn


class Agent:
    def __init__(self):
        self.online_net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 2))

    def train(self):
        self.online_net.train()

    def eval(self):
        self.online_net.eval()

    def evaluate_q(self, state):
        with torch.no_grad():
            return self.online_net(state.unsqueeze(0)).max(1)[0].item()
''',
    "evaluation.py": '''def test(dqn, val_mem):
    return [dqn.evaluate_q(state) for state in val_mem]
''',
    "main.py": '''from agent import Agent
from evaluation import test

dqn = Agent()
dqn.train()
for step in range(100):
    dqn.learn(memory)
    if step % 10 == 0:
        dqn.eval()
        avg_q = test(dqn, val_mem)
        dqn.train()
''',
}

EXPECTED: set[tuple[str, int, str]] = set()
# The line of the evaluation in agent.py, reported when a caller leaves the network training.
EVALUATION = ("agent.py", 17, "DL301")


def write(root: Path) -> Path:
    return write_files(root, FILES)
