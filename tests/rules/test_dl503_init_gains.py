"""DL503 per layer across modules: the gain an imported initialisation helper applies (a2c-ppo-acktr's
``init(module, weight_init, bias_init, gain=1)`` in utils.py) is read from that module, and the
finding stays where the gain is written in the linted file."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine"))
from project_lint import lint_findings, write_files  # noqa: E402

UTILS = (
    "def init(module, weight_init, bias_init, gain=1):\n"
    "    weight_init(module.weight.data, gain=gain)\n"
    "    bias_init(module.bias.data)\n"
    "    return module\n"
    "def maybe_init(module, weight_init, gain=1, on=True):\n"
    "    if on:\n"
    "        weight_init(module.weight.data, gain=gain)\n"
    "    return module\n"
)
MODEL = (
    "import numpy as np\n"
    "import torch.nn as nn\n"
    "from pkg.utils import init, maybe_init\n"
    "class MLPBase(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        init_ = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0),\n"
    "                               np.sqrt(2))\n"
    "        self.actor = nn.Sequential(init_(nn.Linear(4, 8)), nn.Tanh(), init_(nn.Linear(8, 8)), nn.Tanh())\n"
    "        self.relu_body = nn.Sequential(init_(nn.Linear(4, 8)), nn.ReLU())\n"
    "        plain = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0))\n"
    "        self.critic = nn.Sequential(plain(nn.Linear(4, 8)), nn.Tanh(), plain(nn.Linear(8, 1)))\n"
    "        cond = lambda m: maybe_init(m, nn.init.orthogonal_, np.sqrt(2))\n"
    "        self.other = nn.Sequential(cond(nn.Linear(4, 8)), nn.Tanh())\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    write_files(tmp_path, {"setup.py": "", "pkg/__init__.py": "", "pkg/utils.py": UTILS, "pkg/model.py": MODEL})
    yield tmp_path
    PROJECT.clear()


def test_imported_helper_gain_is_judged_where_written(project, capsys):
    # the ReLU gain reaches Tanh layers (line 8); gain 1 (the helper's default) before Tanh fits;
    # the helper that initialises only under a condition is not known to apply its gain
    found = lint_findings(capsys, "DL503", "--no-cache", "pkg/model.py")
    assert found == {("pkg/model.py", 8, "DL503")}


def test_no_finding_when_the_helper_module_is_absent(project, capsys):
    (project / "pkg" / "utils.py").unlink()
    PROJECT.clear()
    assert lint_findings(capsys, "DL503", "--no-cache", "pkg/model.py") == set()
