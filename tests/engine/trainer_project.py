"""Trainer classes split the way mead-baseline's are (issue 14): a base trainer in one module whose
``train()``/``test()`` call the subclass's ``_train()``/``_test()`` (a template method), the
subclasses and the epoch loop in other modules, ``torch`` reached through a star import of the
project's helper module, and the forward pass inside the model's own ``compute_loss()``. Written
into a temporary directory by the tests; ``EXPECTED`` lists the findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "baseline/__init__.py": "",
    "baseline/train.py": '''import time


class Trainer(object):
    def train(self, loader, reporting_fns):
        pass

    def test(self, loader, reporting_fns):
        pass


class EpochReportingTrainer(Trainer):
    def train(self, ts, reporting_fns):
        start = time.time()
        metrics = self._train(ts)
        for reporting in reporting_fns:
            reporting(metrics, time.time() - start, "Train")
        return metrics

    def test(self, vs, reporting_fns, phase="Valid"):
        metrics = self._test(vs)
        for reporting in reporting_fns:
            reporting(metrics, 0, phase)
        return metrics

    def _train(self, ts):
        pass

    def _test(self, vs):
        pass
''',
    "baseline/torchy.py": '''import torch
import torch.nn as nn


def sequence_mask(lengths):
    return torch.arange(int(lengths.max()))[None, :] < lengths[:, None]
''',
    "baseline/tagger.py": '''from baseline.torchy import *
from baseline.train import EpochReportingTrainer


class TaggerTrainer(EpochReportingTrainer):
    def __init__(self, model, eta=0.01):
        super().__init__()
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=eta)

    def _test(self, ts):
        self.model.eval()
        with torch.no_grad():
            return [self.model((x, lengths)) for x, lengths, y in ts]

    def _train(self, ts):
        for x, lengths, y in ts:
            self.optimizer.zero_grad()
            loss = self.model.compute_loss((x, lengths, y))
            loss.backward()
            self.optimizer.step()


class SafeTaggerTrainer(EpochReportingTrainer):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def _test(self, ts):
        self.model.eval()
        with torch.no_grad():
            return [self.model((x, lengths)) for x, lengths, y in ts]

    def _train(self, ts):
        self.model.train()
        for x, lengths, y in ts:
            self.optimizer.zero_grad()
            loss = self.model.compute_loss((x, lengths, y))
            loss.backward()
            self.optimizer.step()


def fit(model, ts, vs, epochs=20):
    trainer = TaggerTrainer(model)
    for epoch in range(epochs):
        trainer.train(ts, [print])
        trainer.test(vs, [print])


def fit_safe(model, ts, vs, epochs=20):
    trainer = SafeTaggerTrainer(model)
    for epoch in range(epochs):
        trainer.train(ts, [print])
        trainer.test(vs, [print])


def fit_last_test_only(model, ts, vs, epochs=20):
    trainer = TaggerTrainer(model)
    for epoch in range(epochs):
        trainer.train(ts, [print])
    trainer.test(vs, [print])
''',
}

EXPECTED = {
    # TaggerTrainer inherits train()/test() from baseline/train.py; test() -> _test() switches to
    # eval, train() -> _train() trains the next epoch through model.compute_loss() in eval mode
    ("baseline/tagger.py", 48, "DL302"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
