"""DC501 trainable parameter in no optimizer, DC502 frozen parameter still moved, DC503 an
optimizer step that changed nothing: each planted fault beside its healthy twin."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import dlcheck
from dc_trace import leftovers, snapshot


def _net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def _train(model, opts, steps=6, watch_opt="first", scheduler=None, zero_to_none=True,
           checks=("optimizer_coverage", "optimizer_step"), **kw):
    opts = opts if isinstance(opts, list) else [opts]
    given = opts[0] if watch_opt == "first" else watch_opt
    checks = checks if isinstance(checks, dict) else list(checks)
    with dlcheck.watch(model, given, checks=checks, on_problem="log", **kw) as w:
        for i in range(steps):
            g = torch.Generator().manual_seed(i)
            x, y = torch.randn(8, 6, generator=g), torch.randint(0, 3, (8,), generator=g)
            for o in opts:
                o.zero_grad(set_to_none=zero_to_none)
            nn.functional.cross_entropy(model(x), y).backward()
            for o in opts:
                o.step()
            if scheduler is not None:
                scheduler.step()
            if given is None:
                w.step()
    return w.report()


# ---------------------------------------------------------------- DC501
def test_layer_replaced_after_the_optimizer_was_built_is_in_no_optimizer():
    model = _net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model[2] = nn.Linear(16, 3)  # a new head: the optimizer still holds the old one
    report = _train(model, opt)
    [p] = report.by_code("DC501")
    assert p.module == "2.weight"
    assert p.data["parameters"] == ["2.weight", "2.bias"] and p.data["count"] == 2
    assert "add_param_group" in p.suggestion


def test_optimizer_built_after_the_head_is_replaced_is_quiet():
    model = _net()
    model[2] = nn.Linear(16, 3)
    report = _train(model, torch.optim.Adam(model.parameters(), lr=1e-2))
    assert not report.problems, str(report)


def test_two_optimizers_over_one_model_cover_it_even_when_the_watcher_has_one():
    class Bag(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(20, 6, sparse=True)
            self.net = _net()

        def forward(self, idx):
            return self.net(self.emb(idx).mean(1))

    model = Bag()
    dense = torch.optim.Adam(model.net.parameters(), lr=1e-2)
    sparse = torch.optim.SparseAdam(list(model.emb.parameters()), lr=1e-2)
    with dlcheck.watch(model, dense, checks=["optimizer_coverage", "optimizer_step"],
                       on_problem="log") as w:
        for i in range(5):
            dense.zero_grad()
            sparse.zero_grad()
            idx = torch.randint(0, 20, (8, 4))
            nn.functional.cross_entropy(model(idx), torch.randint(0, 3, (8,))).backward()
            dense.step()  # the watcher's optimizer steps first: the sparse one is seen later
            sparse.step()
    assert not w.report().problems, str(w.report())


def test_coverage_without_an_optimizer_given_to_the_watcher():
    model = _net()
    opt = torch.optim.SGD(model[0].parameters(), lr=0.1)  # forgot the last layer
    report = _train(model, opt, watch_opt=None, checks=["optimizer_coverage"])
    [p] = report.by_code("DC501")
    assert p.data["parameters"] == ["2.weight", "2.bias"]


def test_parameters_updated_by_hand_are_not_judged():
    model = _net()
    with dlcheck.watch(model, checks=["optimizer_coverage"], on_problem="log") as w:
        for _ in range(4):
            model.zero_grad()
            model(torch.randn(4, 6)).pow(2).mean().backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            w.step()
    assert not w.report().problems


def test_a_parameter_group_added_later_is_taken_into_account():
    model = _net()
    opt = torch.optim.SGD(model[0].parameters(), lr=0.1)
    opt.add_param_group({"params": model[2].parameters()})  # before training: complete
    assert not _train(model, opt).problems


# ---------------------------------------------------------------- DC502
def _freeze_after_one_step(to_none: bool):
    model = _net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)
    _train(model, opt, steps=1, zero_to_none=False, checks=[])
    for p in model[0].parameters():
        p.requires_grad_(False)  # freeze the first layer for fine-tuning
        if to_none:
            p.grad = None
    frozen = model[0].weight.detach().clone()
    report = _train(model, opt, steps=5, zero_to_none=False)
    return report, not torch.equal(frozen, model[0].weight)


def test_frozen_parameter_with_a_stale_gradient_is_still_moved():
    report, moved = _freeze_after_one_step(to_none=False)
    assert moved  # the bug is real: momentum and weight decay move the "frozen" layer
    [p] = report.by_code("DC502")
    assert p.module == "0.weight" and p.data["parameters"] == ["0.weight", "0.bias"]
    assert "set_to_none" in p.suggestion


def test_frozen_parameter_without_gradient_is_left_alone_and_quiet():
    report, moved = _freeze_after_one_step(to_none=True)
    assert not moved
    assert not report.problems, str(report)


def test_strict_reports_every_frozen_parameter_in_an_optimizer():
    model = _net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model[0].requires_grad_(False)
    assert not _train(model, opt).by_code("DC502")
    assert _train(model, opt, checks={"optimizer_coverage": {"strict": True}}).by_code("DC502")


# ---------------------------------------------------------------- DC503
def test_learning_rate_zero_changes_nothing():
    model = _net()
    report = _train(model, torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9))
    [p] = report.by_code("DC503")
    assert p.step == 2 and p.data["steps"] == 3 and p.data["lr"] == [0.0]
    assert "learning rate is 0" in p.message and "schedule" in p.suggestion


def test_schedule_driven_to_zero_is_found_after_it_reaches_zero():
    model = _net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / 4))  # 0 from step 4
    report = _train(model, opt, steps=30, scheduler=sched, checks={
        "optimizer_step": {"interval": 1}})
    [p] = report.by_code("DC503")
    assert p.step == 6  # steps 4, 5, 6 changed nothing


def test_optimizer_over_another_models_parameters():
    model = _net()
    stale = copy.deepcopy(model)  # e.g. the optimizer was built before a reload into a new object
    report = _train(model, torch.optim.SGD(stale.parameters(), lr=0.1))
    [p] = report.by_code("DC503")
    assert p.data["foreign_optimizer"] and "another model" in p.message
    assert report.by_code("DC501")  # and every trainable parameter is in no optimizer


@pytest.mark.parametrize("make", [
    lambda ps: torch.optim.SGD(ps, lr=0.1),
    lambda ps: torch.optim.Adam(ps, lr=1e-3),
    lambda ps: torch.optim.AdamW(ps, lr=1e-4, weight_decay=0.01),
    lambda ps: torch.optim.RMSprop(ps, lr=1e-4),
], ids=["sgd", "adam", "adamw", "rmsprop"])
def test_ordinary_optimizers_are_quiet(make):
    model = _net()
    report = _train(model, make(model.parameters()), steps=12,
                    checks={"optimizer_step": {"interval": 1}, "optimizer_coverage": True})
    assert not report.problems, str(report)


def test_warm_up_from_zero_is_quiet():
    model = _net()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / 10))  # lr 0 at step 0
    report = _train(model, opt, steps=12, scheduler=sched,
                    checks={"optimizer_step": {"interval": 1}})
    assert not report.problems, str(report)


def test_zero_gradients_are_not_an_unchanged_step():
    model = _net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, checks={"optimizer_step": {"interval": 1}},
                       on_problem="log") as w:
        for _ in range(5):
            opt.zero_grad()
            (model(torch.randn(4, 6)) * 0).sum().backward()
            opt.step()
    assert not w.report().by_code("DC503")


def test_interval_skips_steps_without_cost():
    model = _net()
    calls = []
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, checks={"optimizer_step": {"interval": 5}},
                       on_problem="log") as w:
        check = w.checks[0]
        real = check._sample

        def spy():
            calls.append(w.current_step)
            return real()

        check._sample = spy
        for _ in range(11):
            opt.zero_grad()
            model(torch.randn(4, 6)).sum().backward()
            opt.step()
    # before and after the step, on steps 0, 5 and 10 only
    assert calls == [0, 0, 5, 5, 10, 10]


def test_nothing_left_after_close():
    model = _net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = snapshot(model)
    _train(model, opt)
    assert leftovers(model, before, opt) == []
