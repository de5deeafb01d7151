"""Which calls ``x.method(...)`` of the project's other modules count as callers of a class's
method (DL301 through :meth:`dllint.analysis.modes.Modes.project_caller_tokens`; tenth audit, a
checkout with its ``.git`` marker): a tutorial repository of one folder per algorithm, each with
its own agent class and its own ``utils.evaluate_policy(env, agent)``. The helper of one folder
never runs ``select_action`` of another folder's agent (no import path leads from it to that
agent's module, and its only caller passes its own folder's agent); the helper of the agent's
own folder, called with that agent while it trains, is a genuine caller and still found. And a
script that imports no torch and drives an agent of another module (``agent.update(...)`` trains)
has step loops: acting there, and a target pass in ``compute_loss`` reached only from such a
step, are part of training (ninth audit)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

AGENT = '''import torch
from torch import nn


class {name}:
    def __init__(self):
        self.q_net = nn.Sequential(nn.Linear(4, 32), {layer}, nn.Linear(32, 2))
        self.q_net.train()
        self.optimizer = torch.optim.Adam(self.q_net.parameters())

    def select_action(self, state):
        with torch.no_grad():
            return self.q_net(state).argmax().item()

    def train(self, batch):
        loss = self.q_net(batch).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
'''

UTILS = '''def evaluate_policy(env, agent):
    total = 0
    for _ in range(3):
        state = env.reset()
        total += agent.select_action(state)
    return total
'''

MAIN = '''import torch
from {module} import {name}
from utils import evaluate_policy


def main():
    agent = {name}()
    for epoch in range(10):
        for step in range(100):
            agent.train(batch)
        agent.q_net.eval()
        print(evaluate_policy(env, agent))
        agent.q_net.train()


if __name__ == "__main__":
    main()
'''

FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    # the first folder's agent computes the same in both modes: evaluated as it trains, no matter
    "dqn/agent.py": AGENT.format(name="DQNAgent", layer="nn.ReLU()"),
    "dqn/utils.py": UTILS,
    "dqn/main.py": MAIN.format(module="agent", name="DQNAgent").replace("        agent.q_net.eval()\n", ""),
    # the second folder's agent, with dropout, is another class, of a module no file of dqn/ reaches
    "noisy/noisy_agent.py": AGENT.format(name="NoisyAgent", layer="nn.Dropout(0.2)"),
    "noisy/helpers.py": "import math\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, FILES)


def test_a_same_named_method_of_another_folder_is_no_caller(project, capsys):
    # dqn/utils.py calls ``agent.select_action`` in training mode; its agent is dqn's, never noisy's
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()
    assert lint_each_file(capsys, "DL301", [f for f in FILES if f.endswith(".py")]) == set()


def test_the_helper_of_the_agents_own_folder_is_a_caller(project, capsys):
    # noisy/ gets the same helper and a main that evaluates its agent still in training mode
    write_files(project, {
        "noisy/utils.py": UTILS,
        "noisy/main.py": MAIN.format(module="noisy_agent", name="NoisyAgent").replace("        agent.q_net.eval()\n", ""),
    })
    PROJECT.clear()
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {("noisy/noisy_agent.py", 13, "DL301")}
    PROJECT.clear()
    from dllint.cli import main
    main(["--select", "DL301", "--no-cache", "noisy/noisy_agent.py"])
    assert "called in training mode at utils.py:5" in capsys.readouterr().out


STEP_FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "agents/__init__.py": "",
    "agents/dqn.py": '''import torch
from torch import nn


class Model:
    def __init__(self):
        self.model = nn.Sequential(nn.Linear(4, 32), nn.Dropout(0.2), nn.Linear(32, 2))
        self.target_model = nn.Sequential(nn.Linear(4, 32), nn.Dropout(0.2), nn.Linear(32, 2))
        self.model.train()
        self.target_model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters())

    def compute_loss(self, batch):
        with torch.no_grad():
            target = self.target_model(batch).max(1)[0]
        return (self.model(batch).max(1)[0] - target).pow(2).mean()

    def update(self, batch):
        loss = self.compute_loss(batch)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def get_action(self, state):
        with torch.no_grad():
            return self.model(state).argmax().item()
''',
    "agents/double.py": '''import torch

from agents.dqn import Model as DQNAgent


class Model(DQNAgent):
    def compute_loss(self, batch):
        with torch.no_grad():
            target = self.target_model(batch).max(1)[0]
        return (self.model(batch).max(1)[0] - target).pow(2).mean()
''',
    # the runner imports no torch: its loop acts and calls the agent's training step
    "run.py": '''from agents.dqn import Model

model = Model()
observation = env.reset()
for frame in range(1000):
    action = model.get_action(observation)
    observation, reward, done, _ = env.step(action)
    model.update(batch_from(observation))
''',
}


@pytest.fixture
def step_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, STEP_FILES)


def test_acting_and_targets_of_a_torch_free_runner_are_training(step_project, capsys):
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()
    assert lint_each_file(capsys, "DL301", [f for f in STEP_FILES if f.endswith(".py")]) == set()


def test_the_torch_free_runner_has_a_step_loop(step_project):
    import libcst as cst

    from dllint.analysis.modes import Modes
    from dllint.context import FileContext
    path = step_project / "run.py"
    source = path.read_text()
    PROJECT.begin_file()
    ctx = FileContext(str(path), source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    assert not modes.active  # no torch here: the analysis does not run on the file itself
    modes.find_steps()
    assert sorted(ctx.position(loop).start.line for loop in modes.step_loops) == [5]


def test_an_evaluation_of_the_torch_free_runner_is_still_found(step_project, capsys):
    # an evaluation episode after training, the agent never switched to eval: reached in training mode
    run_py = step_project / "run.py"
    run_py.write_text(run_py.read_text() + "for episode in range(3):\n    print(model.get_action(env.reset()))\n")
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {("agents/dqn.py", 26, "DL301")}
