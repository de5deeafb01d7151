"""A project whose squared-L2 penalty is written in one module and added to the loss in another
(``regularizers.py`` holds the penalties, ``train.py`` builds SGD and adds them). Written into a
temporary directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "regularizers.py": '''import torch


def l2_penalty(model):
    return sum(p.pow(2).sum() for p in model.parameters())


def l2_of_weights(model):
    total = 0.0
    for name, p in model.named_parameters():
        if "weight" in name:
            total = total + (p ** 2).sum()
    return total


def l1_penalty(model):
    return sum(p.abs().sum() for p in model.parameters())


def weight_norm(model):
    return sum(p.norm(2) for p in model.parameters())


def grad_norm(model):
    total = 0.0
    for p in model.parameters():
        total += p.grad.norm(2) ** 2
    return total ** 0.5
''',
    "train.py": '''import torch
from regularizers import l2_penalty, l2_of_weights, l1_penalty, weight_norm, grad_norm


def train(model, loader, crit, lam=1e-4):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)
    for x, y in loader:
        loss = crit(model(x), y) + lam * l2_penalty(model)
        reg = l2_of_weights(model)
        loss = loss + lam * reg
        loss = loss + lam * l1_penalty(model)
        loss = loss + lam * weight_norm(model)
        opt.zero_grad()
        loss.backward()
        print(grad_norm(model), l2_penalty(model).item())
        opt.step()
''',
    # AdamW told not to decay: the penalty is the only L2 term.
    "train_adamw.py": '''import torch
from regularizers import l2_penalty


def train(model, loader, crit):
    opt = torch.optim.AdamW(model.parameters(), weight_decay=0.0)
    for x, y in loader:
        loss = crit(model(x), y) + 1e-4 * l2_penalty(model)
        loss.backward()
        opt.step()
''',
}

EXPECTED = {
    # l2_penalty() returns the squared sum over the parameters, added to the loss beside SGD's weight_decay
    ("train.py", 8, "DL504"),
    # l2_of_weights() accumulates it in a loop and returns the sum; reg is added on the next line
    ("train.py", 9, "DL504"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
