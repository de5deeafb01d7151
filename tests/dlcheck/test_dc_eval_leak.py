"""DC605: evaluation samples that were trained on, by content, beside a clean split."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import ConcatDataset, DataLoader, TensorDataset, random_split

import dlcheck


def _data(n=200):
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g))


def _run(train_set, eval_set, epochs=2, checks=("eval_leak",), **opts):
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    train = DataLoader(train_set, batch_size=16, shuffle=True,
                       generator=torch.Generator().manual_seed(1))
    with dlcheck.watch(model, opt, checks={c: opts for c in checks}, on_problem="log") as w:
        for _ in range(epochs):
            model.train()
            for x, y in train:
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                for x, _ in DataLoader(eval_set, batch_size=32):
                    model(x)
    return w.report()


def test_clean_split_is_quiet():
    train, test = random_split(_data(), [150, 50], generator=torch.Generator().manual_seed(0))
    assert not _run(train, test).problems


def test_test_set_concatenated_into_training():
    train, test = random_split(_data(), [150, 50], generator=torch.Generator().manual_seed(0))
    report = _run(ConcatDataset([train, test]), test)
    [p] = report.by_code("DC605")
    assert p.data["seen"] == 50 and p.data["evaluated"] == 50 and p.data["share"] == 1.0
    # the first evaluation (after epoch 1: 200 samples in 13 batches) is read with the next
    # checked step, the first of epoch 2
    assert p.step == 13
    assert "DL402" in p.suggestion


def test_two_different_random_splits_overlap():
    data = _data()
    train, _ = random_split(data, [150, 50], generator=torch.Generator().manual_seed(0))
    _, test = random_split(data, [150, 50], generator=torch.Generator().manual_seed(1))
    overlap = len(set(train.indices) & set(test.indices))
    [p] = _run(train, test).by_code("DC605")
    assert p.data["seen"] == overlap and 0 < overlap < 50


def test_evaluation_before_training_on_it_is_not_a_leak():
    data = _data(64)
    model = nn.Sequential(nn.Linear(6, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = data.tensors
    with dlcheck.watch(model, opt, checks=["eval_leak"], on_problem="log") as w:
        model.eval()
        with torch.no_grad():
            model(x)  # evaluated first ...
        model.train()
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()  # ... trained on after
        opt.step()
    assert not w.report().problems


def test_memory_bound():
    train, test = random_split(_data(), [150, 50], generator=torch.Generator().manual_seed(0))
    report = _run(ConcatDataset([train, test]), test, max_samples=40)
    [p] = report.by_code("DC605")
    assert p.data["record_full"] and p.data["recorded"] <= 40 + 16
    assert "record is full" in p.message


@pytest.mark.parametrize("bad", [{"max_samples": 0}, {"min_seen": 0}])
def test_options_are_checked(bad):
    with pytest.raises(ValueError):
        dlcheck.watch(nn.Linear(2, 2), checks={"eval_leak": bad})
