"""A model handed to a training function by its callers (sixteenth audit, cause BH: VITS's
``train_and_evaluate(rank, epoch, hps, [net_g, net_d], ...)``, which unpacks ``net_g, net_d =
nets`` and plots ``attn[0, 0].data``): the model's class is the one every caller builds for the
parameter (a literal list's element, or the argument itself), so the part of its output that the
class's ``forward`` computes under ``no_grad`` and detaches (the monotonic alignment) is off the
graph and its ``.data`` read is no DL102. Reported when the forward returns the alignment on the
graph, and when a caller in another module passes a model this file cannot name (the callers are
then not all known here). A directory, and each file alone, give the same findings."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

MODELS = """import torch
from torch import nn


class Synthesizer(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x, y):
        h = self.proj(x)
{alignment}
        return (h - y).pow(2).mean(), attn


class Critic(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.score = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.score(x)
"""

DETACHED = """        with torch.no_grad():
            attn = torch.softmax(h @ y.transpose(1, 2), -1).detach()"""
ON_GRAPH = """        attn = torch.softmax(h @ y.transpose(1, 2), -1)"""

TRAIN = """import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from models import Synthesizer, Critic


def train_and_evaluate(rank, nets, optims, loader):
    net_g, net_d = nets
    optim_g, optim_d = optims
    for x, y in loader:
        loss, attn = net_g(x, y)
        optim_g.zero_grad()
        loss.backward()
        optim_g.step()
        image = attn[0, 0].data.cpu().numpy()
        log_alignment(net_g, x, y)


def log_alignment(model, x, y):
    _, alignment = model(x, y)
    return alignment[0].data.cpu()


def run(rank, loader):
    net_g = Synthesizer(8).cuda(rank)
    net_d = Critic(8).cuda(rank)
    net_g = DDP(net_g, device_ids=[rank])
    optim_g = torch.optim.AdamW(net_g.parameters())
    optim_d = torch.optim.AdamW(net_d.parameters())
    for epoch in range(10):
        train_and_evaluate(rank, [net_g, net_d], [optim_g, optim_d], loader)
"""

# another module's caller: its list's model is not this file's to name
OTHER = """from train import train_and_evaluate
from zoo import build


def finetune(loader):
    model, critic = build()
    train_and_evaluate(0, [model, critic], [None, None], loader)
"""


@pytest.mark.parametrize("alignment, other, reported", [
    (DETACHED, False, False),
    (ON_GRAPH, False, True),
    (DETACHED, True, True),
])
def test_a_model_passed_by_the_callers(tmp_path, monkeypatch, capsys, alignment, other, reported):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    files = {"models.py": MODELS.format(alignment=alignment), "train.py": TRAIN}
    if other:
        files["finetune.py"] = OTHER
    write_files(tmp_path, files)
    lines = TRAIN.splitlines()
    plot = lines.index("        image = attn[0, 0].data.cpu().numpy()") + 1
    logged = lines.index("    return alignment[0].data.cpu()") + 1
    # log_alignment's model is what train_and_evaluate was given: known or not with it
    expected = {("train.py", plot, "DL102"), ("train.py", logged, "DL102")} if reported else set()
    assert lint_findings(capsys, "DL102", "--no-cache", ".") == expected
    assert lint_each_file(capsys, "DL102", files) == expected
