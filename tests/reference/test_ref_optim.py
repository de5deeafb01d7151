"""Proof for dlcheck.reference.optim: the same parameter trajectory as torch.optim.

Every configuration trains two identical float64 copies of a small model on the same 100
mini-batches, one with the reference optimiser and one with torch.optim's, and compares every
parameter after every step to 1e-10.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import torch
from torch import nn

from dlcheck.reference import optim as ref
from dlcheck.reference.regularize import l2_penalty
from dlcheck.reference.schedule import warmup_cooldown

STEPS = 100
TOL = 1e-10


def _model(device: torch.device) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(device=device, dtype=torch.float64)


def _batches(device: torch.device) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    return [
        (
            torch.randn(16, 5, generator=g, dtype=torch.float64).to(device),
            torch.randn(16, 3, generator=g, dtype=torch.float64).to(device),
        )
        for _ in range(STEPS)
    ]


def _trajectory(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    batches: list[tuple[torch.Tensor, torch.Tensor]],
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> list[torch.Tensor]:
    """Train and return the flattened parameters after every step."""
    points = []
    for x, y in batches:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        if penalty is not None:
            loss = loss + penalty(model)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        points.append(torch.cat([p.detach().flatten() for p in model.parameters()]).clone())
    return points


def _max_gap(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    return max(float((x - y).abs().max()) for x, y in zip(a, b))


SGD_CONFIGS = [
    dict(lr=0.05),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True),
    dict(lr=0.01, momentum=0.5, maximize=True),
]

ADAM_CONFIGS = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True),
    dict(lr=0.01, maximize=True),
]

ADAMW_CONFIGS = [
    dict(lr=0.01),  # default weight_decay=1e-2
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.0),
    dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True),
]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", c) for c in SGD_CONFIGS] + [("Adam", c) for c in ADAM_CONFIGS] + [("AdamW", c) for c in ADAMW_CONFIGS],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={w}" for k, w in v.items()),
)
def test_trajectory_matches_torch(name: str, kwargs: dict, device: torch.device) -> None:
    batches = _batches(device)
    mine, theirs = _model(device), _model(device)
    ours = _trajectory(mine, getattr(ref, name)(mine.parameters(), **kwargs), batches)
    reference = _trajectory(theirs, getattr(torch.optim, name)(theirs.parameters(), **kwargs), batches)
    start = torch.cat([p.detach().flatten() for p in _model(device).parameters()])
    # the comparison only means something if the parameters actually moved
    assert float((reference[-1] - start).abs().max()) > 1e-2
    assert _max_gap(ours, reference) < TOL


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_defaults_match_torch(name: str) -> None:
    """Same argument names and default values as torch.optim, so the classes are drop-in."""
    p = [nn.Parameter(torch.zeros(2))]
    mine = getattr(ref, name)(p).defaults
    theirs = getattr(torch.optim, name)(p).defaults
    for key, value in mine.items():
        expected = theirs[key]
        assert (tuple(value) if isinstance(value, tuple) else value) == (
            tuple(expected) if isinstance(expected, tuple) else expected
        ), key


def test_param_groups_scheduler_and_unused_params(device: torch.device) -> None:
    """Per-group learning rates, a LambdaLR warm-up schedule and a parameter without gradient."""
    batches = _batches(device)

    def setup(module: type) -> tuple[nn.Module, nn.Parameter, torch.optim.Optimizer]:
        model = _model(device)
        unused = nn.Parameter(torch.ones(3, dtype=torch.float64, device=device))
        opt = module(
            [
                {"params": model[0].parameters(), "lr": 0.005},
                {"params": list(model[2].parameters()) + [unused]},
            ],
            lr=0.02,
            momentum=0.9,
            nesterov=True,
        )
        return model, unused, opt

    runs = []
    for module in (ref.SGD, torch.optim.SGD):
        model, unused, opt = setup(module)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cooldown(10, STEPS, "cosine"))
        runs.append(_trajectory(model, opt, batches, scheduler=sched))
        assert torch.equal(unused.detach(), torch.ones_like(unused))  # no gradient: never touched
    assert _max_gap(*runs) < TOL


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_state_dict_resume(name: str) -> None:
    """Saving and loading the optimiser state mid-run continues the exact same trajectory."""
    device = torch.device("cpu")
    batches = _batches(device)
    kwargs = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01)
    cls = getattr(ref, name)
    straight = _model(device)
    full = _trajectory(straight, cls(straight.parameters(), **kwargs), batches)

    model = _model(device)
    opt = cls(model.parameters(), **kwargs)
    _trajectory(model, opt, batches[:50])
    saved_model, saved_opt = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    resumed = _model(device)
    resumed.load_state_dict(saved_model)
    opt2 = cls(resumed.parameters(), **kwargs)
    opt2.load_state_dict(saved_opt)
    second_half = _trajectory(resumed, opt2, batches[50:])
    assert _max_gap(full[50:], second_half) < TOL


def test_l2_penalty_equals_sgd_weight_decay(device: torch.device) -> None:
    """For SGD (with momentum) an L2 penalty lambda/2 ||w||^2 in the loss IS weight decay lambda."""
    batches, lam = _batches(device), 0.05
    a, b = _model(device), _model(device)
    with_penalty = _trajectory(a, ref.SGD(a.parameters(), lr=0.05, momentum=0.9), batches, lambda m: l2_penalty(m, lam))
    with_decay = _trajectory(b, torch.optim.SGD(b.parameters(), lr=0.05, momentum=0.9, weight_decay=lam), batches)
    assert _max_gap(with_penalty, with_decay) < TOL


def test_l2_penalty_differs_from_adamw(device: torch.device) -> None:
    """For Adam the L2 penalty equals Adam's (coupled) weight_decay but not AdamW's decoupled decay."""
    batches, lam = _batches(device), 0.1
    a, b, c = _model(device), _model(device), _model(device)
    penalty = _trajectory(a, ref.Adam(a.parameters(), lr=0.01), batches, lambda m: l2_penalty(m, lam))
    coupled = _trajectory(b, torch.optim.Adam(b.parameters(), lr=0.01, weight_decay=lam), batches)
    decoupled = _trajectory(c, ref.AdamW(c.parameters(), lr=0.01, weight_decay=lam), batches)
    assert _max_gap(penalty, coupled) < TOL
    assert float((penalty[-1] - decoupled[-1]).abs().max()) > 1e-3


def test_adam_first_step_is_lr_sized() -> None:
    """Closed form: with bias correction Adam's first step is lr * g / (|g| + eps), i.e. about lr
    per coordinate whatever the gradient's scale; without correction it would be ~ lr * 0.1/sqrt(0.001)."""
    w = nn.Parameter(torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    opt = ref.Adam([w], lr=0.1)
    w.grad = torch.tensor([1e-3, -50.0, 7.0], dtype=torch.float64)
    opt.step()
    expected = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64) - 0.1 * w.grad / (w.grad.abs() + 1e-8)
    assert torch.allclose(w.detach(), expected, rtol=0, atol=1e-12)


def test_invalid_arguments() -> None:
    p = [nn.Parameter(torch.zeros(1))]
    with pytest.raises(ValueError):
        ref.SGD(p, lr=-1.0)
    with pytest.raises(ValueError):
        ref.SGD(p, lr=0.1, nesterov=True)  # Nesterov without momentum
    with pytest.raises(ValueError):
        ref.Adam(p, betas=(1.0, 0.999))
