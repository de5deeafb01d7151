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


# Lightning: the batch of a step is one of the loaders the trainer calls given the module pass.
STEPS = """import torch
import torch.nn.functional as F
import pytorch_lightning as pl


class BenchmarkModule(pl.LightningModule):
    def __init__(self, classes):
        super().__init__()
        self.backbone = torch.nn.Module()
        self.classes = classes

    def validation_step(self, batch, batch_idx):
        images, targets, _ = batch
        feature = self.backbone(images).squeeze()
        return F.normalize(feature, dim=1)
"""

TRAINER = """import torch
import torch.nn as nn
import torchvision
import lightly
import pytorch_lightning as pl
from utils import BenchmarkModule

dataset_test = lightly.data.LightlyDataset.from_torch_dataset(torchvision.datasets.CIFAR10(
    root='data', train=False, download=True))
dataloader_test = torch.utils.data.DataLoader(dataset_test, batch_size=512, shuffle=False)
dataloader_ssl = torch.utils.data.DataLoader(dataset_ssl, batch_size=512, drop_last=True)
dataloader_any = torch.utils.data.DataLoader(dataset_ssl, batch_size=512)


class BartonTwins(BenchmarkModule):
    def __init__(self, classes):
        super().__init__(classes)
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1))


model = BartonTwins(classes=10)
trainer = pl.Trainer(max_epochs=800)
trainer.fit(model, train_dataloader=dataloader_ssl, val_dataloaders=dataloader_test)
print(model.max_accuracy)
"""


@pytest.mark.parametrize("trainer, expected", [
    (TRAINER, set()),
    # positional loaders: the validation one is the second after the module
    (TRAINER.replace("train_dataloader=dataloader_ssl, val_dataloaders=dataloader_test",
                     "dataloader_ssl, dataloader_test"), set()),
    # validation batches of unknown size
    (TRAINER.replace("val_dataloaders=dataloader_test", "val_dataloaders=dataloader_any"),
     {("utils.py", 14, "DL202")}),
    # the validation loader left to the module, or to a datamodule
    (TRAINER.replace(", val_dataloaders=dataloader_test", ""), {("utils.py", 14, "DL202")}),
    (TRAINER.replace("val_dataloaders=dataloader_test", "val_dataloaders=dataloader_test, datamodule=dm"),
     {("utils.py", 14, "DL202")}),
    # the module handed to a helper that may give it to another trainer
    (TRAINER + "run(model)\n", {("utils.py", 14, "DL202")}),
    # a second trainer call that validates on a loader of unknown size
    (TRAINER + "trainer.validate(model, dataloaders=dataloader_any)\n", {("utils.py", 14, "DL202")}),
    (TRAINER + "trainer.validate(model, dataloaders=dataloader_test)\n", set()),
    # the step called by name
    (TRAINER + "model.validation_step(next(iter(dataloader_ssl)), 0)\n", {("utils.py", 14, "DL202")}),
])
def test_step_batch_rows_from_the_trainer_calls_of_the_project(tmp_path, monkeypatch, capsys,
                                                               trainer, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"utils.py": STEPS, "main.py": trainer})
    assert lint_findings(capsys, "DL202", "--no-cache", ".") == expected
