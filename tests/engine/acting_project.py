"""A reinforcement-learning project laid out like a Rainbow DQN with noisy layers (eighth audit,
cause BM): the agent class of ``agent.py`` holds the online network (``self.net``, whose noisy head
samples its weights ``if self.training``) and trains it in ``learn()``, which picks the double-Q
target action with the online network under ``no_grad``; ``choose_action()`` acts under
``no_grad``. The runner of ``main.py`` builds the agent, acts and learns at every environment step,
and runs its evaluation episodes in ``evaluate_policy()`` between ``net.eval()`` and ``net.train()``.
Acting and the target are part of the training step, where training mode is meant: ``EXPECTED``
is empty. Written into a temporary directory by the tests."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "acting"
""",
    "network.py": '''import torch
from torch import nn


class NoisyHead(nn.Module):
    def __init__(self, size, actions):
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(actions, size))
        self.sigma = nn.Parameter(torch.full((actions, size), 0.1))

    def forward(self, x):
        if self.training:
            return x @ (self.mu + self.sigma * torch.randn_like(self.sigma)).t()
        return x @ self.mu.t()


class QNet(nn.Module):
    def __init__(self, states, actions):
        super().__init__()
        self.body = nn.Linear(states, 32)
        self.head = NoisyHead(32, actions)

    def forward(self, s):
        return self.head(torch.relu(self.body(s)))
''',
    "agent.py": '''import copy
import torch
from network import QNet


class Agent:
    def __init__(self, states, actions):
        self.net = QNet(states, actions)
        self.target_net = copy.deepcopy(self.net)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def choose_action(self, state):
        with torch.no_grad():
            q = self.net(torch.as_tensor(state).unsqueeze(0))
            return q.argmax(dim=-1).item()

    def learn(self, batch):
        with torch.no_grad():
            best = self.net(batch["next"]).argmax(dim=-1, keepdim=True)
            target = batch["reward"] + 0.99 * self.target_net(batch["next"]).gather(-1, best).squeeze(-1)
        q = self.net(batch["state"]).gather(-1, batch["action"]).squeeze(-1)
        loss = (q - target).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
''',
    "main.py": '''import torch
from agent import Agent


class Runner:
    def __init__(self, env, env_evaluate, buffer):
        torch.manual_seed(0)
        self.env = env
        self.env_evaluate = env_evaluate
        self.buffer = buffer
        self.agent = Agent(4, 2)

    def run(self, steps):
        self.evaluate_policy()
        state = self.env.reset()
        for step in range(steps):
            action = self.agent.choose_action(state)
            state, reward, done = self.env.step(action)
            self.buffer.store(state, action, reward)
            self.agent.learn(self.buffer.sample())
            if step % 1000 == 0:
                self.evaluate_policy()

    def evaluate_policy(self):
        self.agent.net.eval()
        state, done, total = self.env_evaluate.reset(), False, 0.0
        while not done:
            action = self.agent.choose_action(state)
            state, reward, done = self.env_evaluate.step(action)
            total += reward
        self.agent.net.train()
        return total
''',
}

EXPECTED: set[tuple[str, int, str]] = set()
# The acting forward of agent.py, reported when the evaluation episodes forget ``net.eval()``.
ACTING = ("agent.py", 14, "DL301")


def write(root: Path) -> Path:
    return write_files(root, FILES)
