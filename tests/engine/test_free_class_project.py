"""A model built from a class name the script binds nowhere (``model = Classifier(4)`` in a script
whose only project import is ``from utils import *``, and ``utils`` has no ``Classifier``): the
class is the one module of the script's folder that defines it (the script's folder is first on
``sys.path``), or the one a star import gives; its mode dependence decides DL301 (eighth audit BO,
AnubhavGupta3377/Text-Classification-Models-Pytorch's ``Model_fastText/old_code/train.py``).
Reported when that class has dropout, when the name is defined in two sibling modules or in none,
and when the script binds the name itself."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

MODEL = """import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc1 = nn.Linear(n, 8){layers}
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2({hidden})
"""

LINEAR = {"layers": "", "hidden": "self.fc1(x)"}
DROPOUT = {"layers": "\n        self.drop = nn.Dropout(0.5)", "hidden": "self.drop(self.fc1(x))"}

UTILS = """import numpy as np


def batches(x, y, size=4):
    for i in range(0, len(x), size):
        yield x[i:i + size], y[i:i + size]
"""

TRAIN = """{imports}import torch
from torch import nn


def get_accuracy(model, xs, ys):
    with torch.no_grad():
        return sum((model(x).argmax(1) == y).sum().item() for x, y in batches(xs, ys))

{binding}model = Classifier(4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in batches(train_x, train_y):
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
print(get_accuracy(model, test_x, test_y))
"""

# the evaluation in get_accuracy() is reported
REPORTED = True


@pytest.mark.parametrize("files, imports, binding, expected", [
    # the sibling's class is Linear layers only: both modes compute the same
    ({"model.py": MODEL.format(**LINEAR)}, "from utils import *\n", "", False),
    # the same class given by a star import of its module
    ({"model.py": MODEL.format(**LINEAR)}, "from model import *\n", "", False),
    ({"model.py": MODEL.format(**LINEAR)}, "", "", False),
    # the sibling's class has dropout (the TextCNN twin script): a true finding
    ({"model.py": MODEL.format(**DROPOUT)}, "from utils import *\n", "", REPORTED),
    # two modules of the folder define the name: which one is meant is not known
    ({"model.py": MODEL.format(**LINEAR), "model_old.py": MODEL.format(**DROPOUT)},
     "from utils import *\n", "", REPORTED),
    # none does: the class stays unknown, as any unresolved class does
    ({}, "from utils import *\n", "", REPORTED),
    # the script binds the name itself (a factory's result): not the sibling's class
    ({"model.py": MODEL.format(**LINEAR)}, "from utils import *\nfrom factory import pick\n",
     "Classifier = pick()\n", REPORTED),
    # a star import of a library may give the name
    ({"model.py": MODEL.format(**LINEAR)}, "from utils import *\nfrom zoo.models import *\n", "", REPORTED),
    # the class of a module in another folder is not what the script would import
    ({"nets/model.py": MODEL.format(**LINEAR)}, "from utils import *\n", "", REPORTED),
])
def test_a_class_name_bound_nowhere_is_the_folders_class(tmp_path, monkeypatch, capsys, files,
                                                         imports, binding, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    train = TRAIN.format(imports=imports, binding=binding)
    write_files(tmp_path, {"utils.py": UTILS, **files, "train.py": train})
    line = train.splitlines().index("        return sum((model(x).argmax(1) == y).sum().item() "
                                    "for x, y in batches(xs, ys))") + 1
    assert lint_findings(capsys, "DL301", "--no-cache", "train.py") == \
        ({("train.py", line, "DL301")} if expected else set())
