"""DL505 skips a file whose text names none of the losses it knows, unless the file has a star
import (whose names may stand for a loss without the word). Both sides of the gate."""
from __future__ import annotations

import json
from pathlib import Path

from dllint.cli import main

MAIN = """import torch
from helpers import *

def step(net, x, y):
    out = torch.softmax(net(x), dim=1)
    return criterion(out, y)

criterion = CE()
"""


def _codes(root: Path, capsys) -> list[str]:
    assert main(["--no-cache", "--format", "json", "--exit-zero", "--select", "DL505", str(root)]) == 0
    return [d["code"] for d in json.loads(capsys.readouterr().out)]


def test_a_loss_bound_through_a_star_import_is_still_read(tmp_path, capsys):
    """``CE`` comes from ``helpers.py``'s ``from torch.nn import CrossEntropyLoss as CE``: the
    linted file never writes a loss name, and the softmax fed to it is still reported."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("from torch.nn import CrossEntropyLoss as CE\n")
    (tmp_path / "train.py").write_text(MAIN)
    assert _codes(tmp_path, capsys) == ["DL505"]


def test_a_file_without_a_loss_name_or_star_import_has_no_finding(tmp_path, capsys):
    """The twin: ``CE`` imported by name from the helper is no loss the imports resolve (a project
    module's name, not torch's), as before the gate."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("from torch.nn import CrossEntropyLoss as CE\n")
    (tmp_path / "train.py").write_text(MAIN.replace("from helpers import *", "from helpers import CE"))
    assert _codes(tmp_path, capsys) == []
