"""DL302 beyond its examples: where it reports, and the message."""
from __future__ import annotations

from dllint.testing import lint_snippet

HELPER_LOOP = """import torch
def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]

model.train()
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)
"""


def _findings(source: str):
    return [d for d in lint_snippet(source, ["DL302"]) if d.code == "DL302"]


def test_reported_at_the_helper_call_not_inside_it() -> None:
    (found,) = _findings(HELPER_LOOP)
    assert found.line == 13 and found.severity == "warning"
    assert "model.train()" in found.message and "line 11" in found.message


def test_train_at_the_top_of_the_epoch_silences() -> None:
    source = HELPER_LOOP.replace("for epoch in range(3):\n", "for epoch in range(3):\n    model.train()\n")
    assert not _findings(source)


def test_train_at_the_end_of_the_helper_silences() -> None:
    source = HELPER_LOOP.replace("        return [model(x) for x, _ in loader]\n",
                                 "        out = [model(x) for x, _ in loader]\n    model.train()\n    return out\n")
    assert not _findings(source)


def test_train_only_on_one_branch_of_the_helper_is_reported() -> None:
    source = HELPER_LOOP.replace("        return [model(x) for x, _ in loader]\n",
                                 "        out = [model(x) for x, _ in loader]\n    if keep:\n"
                                 "        model.train()\n    return out\n")
    assert [d.line for d in _findings(source)] == [16]


def test_only_the_switch_that_reaches_training_is_reported() -> None:
    source = HELPER_LOOP.replace("    evaluate(model, val_loader)\n",
                                 "    evaluate(model, val_loader)\n    evaluate(model, val_loader)\n")
    assert [d.line for d in _findings(source)] == [14]


PLOT_LOOP = """import torch
net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
for step in range(100):
    loss = loss_fn(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        net.eval()
        pred = net(grid)
        net.train()
"""


def test_an_eval_forward_that_switches_back_is_no_training_step() -> None:
    assert not _findings(PLOT_LOOP)


def test_an_eval_forward_without_the_switch_back_is_still_reported() -> None:
    assert [d.line for d in _findings(PLOT_LOOP.replace("        net.train()\n", ""))] == [9]


def test_silent_when_the_whole_definition_is_mode_free() -> None:
    source = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\n" + HELPER_LOOP
    assert not _findings(source)


def test_warning_when_the_definition_has_dropout() -> None:
    source = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2), nn.Dropout())\n" + HELPER_LOOP
    (found,) = _findings(source)
    assert found.severity == "warning"


TWO_MODULES_PASSED = """import torch
from torch import nn

def train_epoch(model: nn.Module, loss_fn: nn.Module, loader, opt):
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]

model_1 = nn.Sequential(nn.Linear(3, 3), nn.Dropout())
loss_fn = nn.CrossEntropyLoss()
for epoch in range(10):
    train_epoch(model_1, loss_fn, train_loader, opt)
    evaluate(model_1, val_loader)
"""


def test_helper_training_two_modules_names_the_one_switched_under_any_hash_seed(tmp_path):
    """The helper call trains both modules; only model_1 was switched to eval. The analysis used to
    record one use per call, keyed by whichever module a set yielded last, with both modules'
    tokens: the message named loss_fn under PYTHONHASHSEED 0, 1, 2 and model_1 under others."""
    import os
    import subprocess
    import sys

    path = tmp_path / "train.py"
    path.write_text(TWO_MODULES_PASSED)
    for seed in ("0", "1", "2", "5"):
        proc = subprocess.run([sys.executable, "-m", "dllint", "--no-cache", "--select", "DL302", str(path)],
                              capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED=seed),
                              timeout=300)
        assert proc.returncode == 1, proc.stderr
        first = proc.stdout.splitlines()[0]
        assert "leaves `model_1` in eval mode" in first and "loss_fn" not in first, (seed, first)
