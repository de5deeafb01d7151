"""A layer-wrapping package split the way real ones are, for DL104 on ``self.module.forward(x)``:
the wrapper keeps a constructor parameter, and only its constructions, in other modules (imported
through the package's ``__init__.py``), say that what it keeps is a module. Written into a
temporary directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "sparse"
""",
    "sparse/__init__.py": "",
    "sparse/modules/__init__.py": """from .weights import SparseWeights, SparseWeights2d
from .taps import Tap
""",
    "sparse/modules/weights.py": '''import torch.nn as nn


class SparseWeightsBase(nn.Module):
    def __init__(self, module, sparsity):
        super().__init__()
        self.module = module
        self.sparsity = sparsity

    def forward(self, x):
        return self.module.forward(x)


class SparseWeights(SparseWeightsBase):
    def __init__(self, module, sparsity):
        super().__init__(module, sparsity)


class SparseWeights2d(SparseWeightsBase):
    def __init__(self, module, sparsity):
        super(SparseWeights2d, self).__init__(module, sparsity)
''',
    # Constructed with a module once and with a plain object once: silent.
    "sparse/modules/taps.py": '''import torch.nn as nn


class Tap(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner.forward(x)
''',
    "sparse/models.py": '''import torch.nn as nn

from sparse.modules import SparseWeights, SparseWeights2d, Tap


class Doubler:
    def forward(self, x):
        return 2 * x


def build():
    conv = nn.Conv2d(1, 8, 3)
    return nn.Sequential(
        SparseWeights2d(conv.cuda(), 0.5),
        SparseWeights(nn.Linear(784, 10), sparsity=0.4),
        Tap(nn.ReLU()),
        Tap(Doubler()),
    )
''',
}

EXPECTED = {
    ("sparse/modules/weights.py", 11, "DL104"),  # every construction wraps a layer
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
