"""DC101: autograd graphs carried from step to step (the runtime face of DL101)."""

from __future__ import annotations

import torch
from torch import nn

import dlcheck


def _loop(device, keep, steps=5):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    running = 0.0
    history = []
    with dlcheck.watch(model, opt, checks=["graph"], on_problem="log") as w:
        for _ in range(steps):
            opt.zero_grad()
            loss = model(torch.randn(4, 4, device=device)).pow(2).mean()
            loss.backward()
            opt.step()
            if keep == "running_tensor":
                running += loss  # noqa: DL101 - the bug under test
            elif keep == "list":
                history.append(loss)  # noqa: DL101 - the bug under test
            elif keep == "item":
                running += loss.item()
            elif keep == "detach":
                history.append(loss.detach())
            elif keep == "last":
                history = [loss]  # one step kept for logging: not a leak
    return w.report()


def test_running_loss_tensor_detected(device):
    [p] = _loop(device, "running_tensor").by_code("DC101")
    assert p.step <= 4 and len(p.data["alive_steps"]) >= 3
    assert "loss.item()" in p.suggestion


def test_list_of_losses_detected(device):
    assert _loop(device, "list").by_code("DC101")


def test_correct_accumulation_is_quiet(device):
    for keep in ("item", "detach", "last"):
        assert not _loop(device, keep, steps=6).problems, keep
