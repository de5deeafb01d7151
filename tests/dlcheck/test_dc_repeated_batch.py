"""DC601: the same batch fed again and again, beside real loaders (shuffled, and a data set
whose epochs repeat on purpose)."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import dlcheck
from dlcheck.checks._sample import Fingerprints


def _train(batches, checks=("repeated_batch",)):
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, checks=checks if isinstance(checks, (str, dict)) else list(checks), on_problem="log") as w:
        for x, y in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            model.eval()
            with torch.no_grad():  # an evaluation of the same batch is not a training batch
                model(x)
            model.train()
    return w.report()


def _data(n=64):
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 6, generator=g), torch.randint(0, 2, (n,), generator=g))


def test_next_iter_once_before_the_loop():
    loader = DataLoader(_data(), batch_size=8, shuffle=True)
    x, y = next(iter(loader))  # the bug: one batch, drawn once
    report = _train([(x, y)] * 8)
    [p] = report.by_code("DC601")
    assert p.step == 4 and p.data["repeats"] == 5 and p.data["since_step"] == 0
    assert "next(iter(loader))" in p.suggestion


def test_a_copy_of_the_same_batch_is_the_same_batch():
    x, y = _data()[:8]
    report = _train([(x.clone(), y.clone()) for _ in range(6)])
    assert report.by_code("DC601")


def test_shuffled_loader_over_several_epochs_is_quiet():
    loader = DataLoader(_data(), batch_size=8, shuffle=True,
                        generator=torch.Generator().manual_seed(1))
    assert not _train([b for _ in range(3) for b in loader]).problems


def test_unshuffled_epochs_repeated_on_purpose_are_quiet():
    loader = DataLoader(_data(24), batch_size=8, shuffle=False)  # 3 batches, same order
    assert not _train([b for _ in range(6) for b in loader]).problems


def test_a_batch_differing_in_one_element_is_another_batch():
    x, y = _data()[:8]
    batches = []
    for i in range(8):
        xi = x.clone()
        xi.view(-1)[torch.randint(0, xi.numel(), (1,))] += 1.0  # fingerprinted only if sampled
        batches.append((xi, y))
    # 48 elements, all sampled (the sample is 64): every batch differs
    assert not _train(batches).problems


def test_fingerprint_is_exact_and_row_wise():
    fp = Fingerprints(64)
    x = torch.randn(5, 3, 16, 16)
    rows = fp.rows(x)
    assert rows.shape == (5, 3) and rows.dtype == torch.float32
    assert torch.equal(fp.rows(x[2:4]), rows[2:4])  # a row's print does not depend on its batch
    assert torch.equal(fp.rows(x.clone()), rows)
    assert not torch.equal(fp.rows(x.flip(0)), rows)
    assert (rows < 2 ** 20).all() and (rows == rows.round()).all()  # exact in float32
    ids = torch.randint(0, 50000, (4, 100))
    assert torch.equal(fp.rows(ids)[1], fp.rows(ids[1:2])[0])
    assert fp.whole(x).shape == (3,)
