"""A classification project split the way real ones are, for the model-output fact (activation,
rank, last size) that DL505 and DL201 both read: the model classes in one module, the training in
another. The activation a model applies last and the rank of its output are only known from the
class, defined in another file. Written into a temporary directory by the tests; ``EXPECTED``
lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "clslib"
""",
    "clslib/__init__.py": "",
    "clslib/models.py": '''import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


class LogClassifier(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)


class Scorer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class Logits(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return self.fc(x)
''',
    # Training functions whose models are parameters: the callers in main.py pass them.
    "clslib/loops.py": '''import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(encoder, classifier, loader):
    criterion = nn.CrossEntropyLoss().cuda()
    for x, y in loader:
        out = classifier(encoder(x))
        loss = criterion(out, y)


def fit_logits(net, loader):
    criterion = nn.CrossEntropyLoss().to("cuda")
    for x, y in loader:
        loss = criterion(net(x), y)


def fit_either(net, loader):
    for x, y in loader:
        loss = F.cross_entropy(net(x), y)


def fit_log(net, loader, *, extra=None):
    for x, y in loader:
        loss = F.nll_loss(net(x), y)
''',
    "clslib/main.py": '''import torch.nn as nn

from clslib import loops
from clslib.loops import fit_either, fit_log
from clslib.models import Classifier, Logits, LogClassifier


def main(loader):
    encoder = nn.Identity()
    classifier = Classifier(16, 4).cuda()
    loops.fit(encoder, classifier, loader)
    loops.fit_logits(Logits(16, 4), loader)
    fit_either(Classifier(16, 4), loader)
    fit_either(Logits(16, 4), loader)
    fit_log(net=Classifier(16, 4), loader=loader)
''',
    "clslib/train.py": '''import torch
import torch.nn as nn
import torch.nn.functional as F

from clslib.models import Classifier, LogClassifier, Scorer

model = Classifier(16, 4)
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    out = model(x)
    loss = criterion(out, y)
    acc = (out.argmax(1) == y).float().mean()
    nll = F.nll_loss(torch.log(out), y)

log_model = LogClassifier(16, 4)
loss = F.nll_loss(log_model(x), y)

scorer = Scorer(16)
score = scorer(x)
bce = nn.BCEWithLogitsLoss()(score, t.float())
mse = F.mse_loss(score, t.view(-1))
ok = F.mse_loss(score.squeeze(1), t.view(-1))

from clslib.nets import Head, Probs
loss = criterion(Head(16, 4)(x), y)
loss = criterion(Probs(16, 4)(x), y)
''',
    # A package that lifts its classes out of a submodule; its own Probs shadows the import.
    "clslib/nets/__init__.py": '''import torch.nn as nn

from .heads import (
    Head,  # ends in softmax
    Probs,
)


class Probs(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return self.fc(x)
''',
    "clslib/nets/heads.py": '''import torch.nn as nn


class Head(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(d, k), nn.Softmax(dim=-1))

    def forward(self, x):
        return self.fc(x)


class Probs(Head):
    pass
''',
}

EXPECTED = {
    ("clslib/train.py", 11, "DL505"),  # Classifier ends in softmax, fed to cross-entropy
    ("clslib/train.py", 20, "DL505"),  # Scorer ends in a sigmoid, fed to BCEWithLogitsLoss
    ("clslib/train.py", 21, "DL201"),  # Scorer's (B, 1) output against a flattened target
    ("clslib/train.py", 25, "DL505"),  # Head, re-exported by clslib/nets/__init__.py
    # the classifier main.py passes ends in softmax, fed to cross-entropy (a loss moved to the
    # device is the same loss); fit_logits gets logits, fit_either's two callers disagree
    ("clslib/loops.py", 10, "DL505"),
    ("clslib/loops.py", 26, "DL505"),  # nll_loss given softmax probabilities (passed by keyword)
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
