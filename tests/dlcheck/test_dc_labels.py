"""DC602 labels outside the model's output range, DC603 a single class in the first batches."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import dlcheck


def _classifier(classes: int = 10) -> nn.Sequential:
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, classes))


def _loop(model, batches, loss_fn, checks=("labels",)):
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with dlcheck.watch(model, opt, checks=checks if isinstance(checks, (str, dict)) else list(checks), on_problem="log") as w:
        for x, y in batches:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    return w.report()


def test_one_based_labels_are_explained_although_torch_raises(device):
    model = _classifier().to(device)
    x = torch.randn(16, 8, device=device)
    y = torch.arange(16, device=device) % 10 + 1  # labels 1..10 for 10 classes
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises((IndexError, RuntimeError)):
        with dlcheck.watch(model, opt, checks=["labels"], on_problem="log") as w:
            nn.functional.cross_entropy(model(x), y).backward()
    [p] = w.report().by_code("DC602")
    assert p.module == "loss:cross_entropy"
    assert p.data["max_label"] == 10 and p.data["classes"] == 10
    assert "1-based" in p.suggestion


def test_negative_label_other_than_ignore_index():
    model = _classifier(3)
    y = torch.tensor([0, 1, 2, -1])
    with pytest.raises(IndexError):
        _loop(model, [(torch.randn(4, 8), y)], nn.CrossEntropyLoss())


def test_negative_label_report():
    model = _classifier(3)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(IndexError):
        with dlcheck.watch(model, opt, checks=["labels"], on_problem="log") as w:
            nn.functional.nll_loss(model(torch.randn(4, 8)).log_softmax(1),
                                   torch.tensor([0, 1, 2, -1])).backward()
    [p] = w.report().by_code("DC602")
    assert p.data["min_label"] == -1 and "ignore_index=-1" in p.suggestion


def test_padding_with_ignore_index_is_quiet():
    # a tagger whose padded positions carry ignore_index (here a custom one, passed by nn.Module)
    model = _classifier(5)
    batches = []
    for i in range(12):
        y = torch.randint(0, 5, (16,))
        y[-4:] = 99
        batches.append((torch.randn(16, 8), y))
    report = _loop(model, batches, nn.CrossEntropyLoss(ignore_index=99))
    assert not report.problems, str(report)


def test_binary_targets_outside_zero_one_are_silent_in_torch_and_reported():
    model = _classifier(1)
    batches = [(torch.randn(8, 8), (torch.randint(0, 2, (8, 1)) * 255).float())
               for _ in range(3)]
    report = _loop(model, batches, nn.BCEWithLogitsLoss())  # torch computes a (negative) loss
    [p] = report.by_code("DC602")
    assert p.data["max_target"] == 255.0 and "0/1" in p.suggestion


def test_sorted_data_set_gives_a_single_class_first():
    x = torch.randn(400, 8)
    y = torch.arange(400) // 100  # sorted by class: 100 of each of 4 classes
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)
    report = _loop(_classifier(4), loader, nn.CrossEntropyLoss())
    [p] = report.by_code("DC603")
    assert p.data["label"] == 0 and p.data["classes"] == 4 and p.data["steps"] == 10
    assert "shuffle=True" in p.suggestion


def test_shuffled_loader_of_the_same_data_is_quiet():
    x = torch.randn(400, 8)
    y = torch.arange(400) // 100
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    assert not _loop(_classifier(4), loader, nn.CrossEntropyLoss()).problems


def test_segmentation_and_probability_targets_are_quiet():
    model = nn.Conv2d(3, 4, 1)
    seg = [(torch.randn(2, 3, 5, 5), torch.randint(0, 4, (2, 5, 5))) for _ in range(12)]
    assert not _loop(model, seg, nn.CrossEntropyLoss()).problems
    soft = [(torch.randn(2, 3, 5, 5), torch.rand(2, 4, 5, 5).softmax(1)) for _ in range(3)]
    assert not _loop(model, soft, nn.CrossEntropyLoss()).problems


def test_labels_are_looked_at_only_in_the_first_batches():
    model = _classifier(4)
    ops = []
    real = torch.Tensor.amax

    class Spy(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func is real:
                ops.append(func)
            return func(*args, **(kwargs or {}))

    batches = [(torch.randn(8, 8), torch.randint(0, 4, (8,))) for _ in range(15)]
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with dlcheck.watch(model, opt, checks={"labels": {"batches": 3}}, on_problem="log") as w:
        for i, (x, y) in enumerate(batches):
            with Spy():
                loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if i == 2:
                assert len(ops) == 3
    assert len(ops) == 3  # nothing after the third step
    assert not w.report().problems
