"""A layer built by calling a name that holds a torch.nn class (tenth audit, causes CC and CD): a
module-level helper ``build_net(shape, activation, output_activation)`` that appends ``act()``
(``act = activation if ... else output_activation``) builds what its call passes: with
``nn.ReLU`` and ``nn.Identity`` a network of linear layers and activations, mode-free, also when the
loop that acts with it is in another module. Reported when the call passes ``nn.Dropout``, a class
the linter cannot see, or a variable whose value is not known. The script that holds the agent
(``model = Agent(opt)``, then ``model.select_action(s)``) sees ``model.q_net`` as the agent's class
does: what ``Agent`` binds to ``self.q_net``."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

AGENT = """import torch
import torch.nn as nn
{extra}

def build_net(layer_shape, activation, output_activation):
    layers = []
    for j in range(len(layer_shape) - 1):
        act = activation if j < len(layer_shape) - 2 else output_activation
        layers += [nn.Linear(layer_shape[j], layer_shape[j + 1]), act()]
    return nn.Sequential(*layers)


class QNet(nn.Module):
    def __init__(self, state_dim, action_dim, hidden{param}):
        super().__init__()
        self.q = build_net([state_dim, hidden, action_dim], {classes})

    def forward(self, s):
        return self.q(s)


class Agent(object):
    def __init__(self, opt):
        self.q_net = QNet(opt.state_dim, opt.action_dim, opt.width){load}
        self.opt = torch.optim.Adam(self.q_net.parameters(), lr=1e-3)

    def select_action(self, state):
        with torch.no_grad():
            state = torch.FloatTensor(state.reshape(1, -1))
            return self.q_net(state).argmax().item()

    def train(self, buffer):
        s, a, r = buffer.sample(32)
        loss = (self.q_net(s).gather(1, a) - r).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
"""

MAIN = """from agent import Agent


def main(opt, env):
    model = Agent(opt)
    s = env.reset()
    for t in range(10):
        a = model.select_action(s)
"""


@pytest.mark.parametrize("extra, param, classes, expected", [
    # (CC) the classes passed are an activation and the identity: no mode
    ("", "", "nn.ReLU, nn.Identity", set()),
    ("", "", "activation=nn.Tanh, output_activation=nn.Identity", set()),
    # a dropout passed: the network drops in training mode
    ("", "", "nn.ReLU, nn.Dropout", {("agent.py", 30, "DL301")}),
    # a class the linter cannot see
    ("from blocks import Act", "", "Act, nn.Identity", {("agent.py", 30, "DL301")}),
    # a variable: what it holds is not known
    ("", ", activation", "activation, nn.Identity", {("agent.py", 30, "DL301")}),
])
def test_helper_calls_the_class_it_is_given(tmp_path, monkeypatch, capsys, extra, param, classes, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "agent.py": AGENT.format(extra=extra, param=param, classes=classes, load=""),
        "main.py": MAIN,
    })
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == expected


SCRIPT = """import torch
from agent import Agent
from config import opt, env, buffer


def main():
    model = Agent(opt)
    s = env.reset()
    for t in range(100):
        a = model.select_action(s)
        s = env.step(a)
        if t % 10 == 0:
            model.train(buffer)
    for t in range(10):  # an evaluation episode (acting during training wants training mode: BM)
        a = model.select_action(s)
        s = env.step(a)


if __name__ == '__main__':
    main()
"""


@pytest.mark.parametrize("classes, load, expected", [
    # (CC) the script's ``model.q_net`` is the agent's ``self.q_net``: mode-free
    ("nn.ReLU, nn.Identity", "", set()),
    # a dropout in it
    ("nn.ReLU, nn.Dropout", "", {("agent.py", 30, "DL301"), ("main.py", 15, "DL301")}),
    # the agent also binds ``self.q_net`` to what it cannot see
    ("nn.ReLU, nn.Identity", "\n        if opt.load:\n            self.q_net = torch.load(opt.path)",
     {("agent.py", 32, "DL301"), ("main.py", 15, "DL301")}),
])
def test_script_sees_the_agents_network(tmp_path, monkeypatch, capsys, classes, load, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "agent.py": AGENT.format(extra="", param="", classes=classes, load=load),
        "main.py": SCRIPT,
    })
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == expected
