"""A loader held by ``self`` through the constructor (eleventh audit, cause CO): a kNN monitor's
``__init__`` keeps ``self.dataloader_kNN = dataloader_kNN``, a subclass in the script passes it on
with ``super().__init__``, and the script builds it over CIFAR-10's 50,000 training images (wrapped
by lightly's ``LightlyDataset.from_torch_dataset``, which keeps the size) in batches of 512: the
last has 336 rows, no batch of one. The rows are those of every construction across the project;
one that passes a loader of unknown size, passes the class around, or builds it where no call shows
what it passes keeps the finding."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

MONITOR = """import torch
import torch.nn as nn
import torch.nn.functional as F


class BenchmarkModule(nn.Module):
    def __init__(self, dataloader_kNN, gpus):
        super().__init__()
        self.backbone = nn.Module()
        self.dataloader_kNN = dataloader_kNN
        self.gpus = gpus

    def bank(self):
        for data in self.dataloader_kNN:
            img, target, _ = data
            feature = self.backbone(img).squeeze()
            feature = F.normalize(feature, dim=1)
"""

SCRIPT = """import torch
import torch.nn as nn
import torchvision
import lightly
from utils import BenchmarkModule

batch_size = 512
dataset_train_kNN = lightly.data.LightlyDataset.from_torch_dataset(torchvision.datasets.CIFAR10(
    root='data', train=True, download=True))
dataloader_train_kNN = torch.utils.data.DataLoader(
    dataset_train_kNN, batch_size=batch_size, shuffle=False, drop_last=False, num_workers=8)


class BartonTwins(BenchmarkModule):
    def __init__(self, dataloader_kNN, gpus):
        super().__init__(dataloader_kNN, gpus)
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1))


model = BartonTwins(dataloader_train_kNN, gpus=0)
"""

# a second construction over a dataset of unknown size
OTHER = """import torch
from utils import BenchmarkModule

loader = torch.utils.data.DataLoader(ds, batch_size=512)
monitor = BenchmarkModule(loader, 0)
"""

# the class handed to a factory: built where no call shows what it passes
FACTORY = """from utils import BenchmarkModule

registry = {"knn": BenchmarkModule}
"""

# a subclass that inherits __init__, built with 99s of MNIST's 10,000 test images (one left over)
INHERITS = """import torch
import torchvision
from utils import BenchmarkModule


class Plain(BenchmarkModule):
    pass


test = torchvision.datasets.MNIST('data', train=False)
plain = Plain(torch.utils.data.DataLoader(test, batch_size=99), 0)
"""

# the same over CIFAR-10 in 500s: the subclass inheriting __init__ keeps the rows known
INHERITS_SIZED = INHERITS.replace("MNIST('data', train=False)", "CIFAR10('data', train=True)") \
    .replace("batch_size=99", "batch_size=500")


@pytest.mark.parametrize("files, expected", [
    ({"utils.py": MONITOR, "main.py": SCRIPT}, set()),
    ({"utils.py": MONITOR, "main.py": SCRIPT, "other.py": OTHER}, {("utils.py", 16, "DL202")}),
    ({"utils.py": MONITOR, "main.py": SCRIPT, "factory.py": FACTORY}, {("utils.py", 16, "DL202")}),
    ({"utils.py": MONITOR, "main.py": SCRIPT, "plain.py": INHERITS}, {("utils.py", 16, "DL202")}),
    ({"utils.py": MONITOR, "main.py": SCRIPT, "plain.py": INHERITS_SIZED}, set()),
    # the wrapper taken away: a dataset of lightly's own, size unknown
    ({"utils.py": MONITOR, "main.py": SCRIPT.replace(
        ".from_torch_dataset(torchvision.datasets.CIFAR10(\n    root='data', train=True, download=True))",
        "(input_dir='images')")}, {("utils.py", 16, "DL202")}),
    # the attribute set again elsewhere in the class's module
    ({"utils.py": MONITOR + "\n\ndef swap(m, loader):\n    m.dataloader_kNN = loader\n",
      "main.py": SCRIPT}, {("utils.py", 16, "DL202")}),
    # the subclass hands on something else than its own parameter
    ({"utils.py": MONITOR, "main.py": SCRIPT.replace(
        "super().__init__(dataloader_kNN, gpus)", "super().__init__(make_loader(), gpus)")},
     {("utils.py", 16, "DL202")}),
])
def test_loader_rows_from_the_constructions_of_the_project(tmp_path, monkeypatch, capsys, files,
                                                           expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, files)
    assert lint_findings(capsys, "DL202", "--no-cache", ".") == expected


def test_the_same_linting_one_file_at_a_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    files = {"utils.py": MONITOR, "main.py": SCRIPT, "other.py": OTHER}
    write_files(tmp_path, files)
    assert lint_each_file(capsys, "DL202", files) == {("utils.py", 16, "DL202")}
