"""The same bytes out under any PYTHONHASHSEED and any --jobs: the linter CLI runs in subprocesses
over a tree that exercises every rule (each registered rule's INVALID examples, a notebook, a file
that does not parse) and the outputs are compared byte for byte, in the text and json formats."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dllint.registry import default_registry
from dllint.rule import Invalid

pytestmark = pytest.mark.slow

TWO_MODELS = """\
import torch
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


def _tree(root: Path) -> set[str]:
    """Write the fixture tree; returns the codes of the rules it holds examples of."""
    codes = set()
    for rule in default_registry():
        for number, example in enumerate(rule.INVALID):
            source = example.code if isinstance(example, Invalid) else example
            directory = root / rule.code.lower()
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"invalid_{number}.py").write_text(source, encoding="utf-8")
            codes.add(rule.code)
    (root / "two_models.py").write_text(TWO_MODELS, encoding="utf-8")
    (root / "broken.py").write_text("def f(:\n", encoding="utf-8")
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source.splitlines(keepends=True)}
             for source in (TWO_MODELS, "%matplotlib inline\nx = torch.randn(3)\n")]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "nb.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return codes


def _lint(root: Path, seed: str, jobs: int, fmt: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    proc = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "--select", "ALL", "--jobs", str(jobs),
         "--format", fmt, "."],
        cwd=root, env=env, capture_output=True, timeout=600,
    )
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")
    return proc.stdout


def test_output_is_the_same_under_any_hash_seed_and_jobs(tmp_path: Path) -> None:
    codes = _tree(tmp_path)
    seeds = ["0", "1", "2", "3", "12345", str(random.randrange(1, 2**32 - 1))]
    runs = {("json", seed, 1 + i % 2) for i, seed in enumerate(seeds)}
    runs |= {("text", seed, 2 - i % 2) for i, seed in enumerate(seeds)}
    runs |= {("json", "0", 2), ("text", "0", 1)}  # both --jobs under the same seed as well
    outputs: dict[str, dict[bytes, list]] = {"json": {}, "text": {}}
    for fmt, seed, jobs in sorted(runs):
        outputs[fmt].setdefault(_lint(tmp_path, seed, jobs, fmt), []).append((seed, jobs))
    for fmt, distinct in outputs.items():
        assert len(distinct) == 1, f"{fmt}: {len(distinct)} different outputs: {list(distinct.values())}"
    found = {d["code"] for d in json.loads(next(iter(outputs["json"])))}
    # the tree really exercises every rule (and the parse error), so every message was compared
    assert codes - {"DL000"} <= found and "DL001" in found
