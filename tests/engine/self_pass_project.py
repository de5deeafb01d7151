"""A tagger library shaped like mead-ml/mead-baseline (issue 14, PR #680): ``model.py`` defines an
``nn.Module`` whose ``predict()`` runs ``self(inputs)`` without ``self.eval()`` and whose input
dropout tests ``self.training``; ``service.py`` calls ``predict()`` on the model it is given (loaded with ``torch.load``); ``evaluate.py``
switches a model to eval mode before it calls ``predict()``. Written into a temporary directory by
the tests. ``EXPECTED`` lists its DL301 findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "tagger"
""",
    "model.py": '''import torch
from torch import nn


class TaggerModel(nn.Module):
    def __init__(self, vocab, labels, dropin=0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.proj = nn.Linear(32, labels)
        self.dropin = dropin

    def drop_inputs(self, x):
        if not self.training or self.dropin == 0:
            return x
        return x.masked_fill(torch.rand(x.shape) < self.dropin, 0)

    def forward(self, x):
        return self.proj(self.embed(self.drop_inputs(x)))

    def predict(self, batch):
        inputs = torch.as_tensor(batch)
        outputs = self(inputs)
        return outputs.argmax(-1)
''',
    "service.py": '''import torch


class TaggerService:
    def __init__(self, model):
        self.model = model

    @classmethod
    def load(cls, path):
        return cls(torch.load(path))

    def tag(self, batch):
        return self.model.predict(batch)
''',
    "evaluate.py": '''def accuracy(model, batches):
    model.eval()
    return [model.predict(x) for x, _ in batches]
''',
}

# The pass in model.py: the service's caller is not known (its model is given to it).
EXPECTED = {("model.py", 22, "DL301")}


def write(root: Path) -> Path:
    return write_files(root, FILES)
