"""Proof for dlcheck.reference.schedule.

- warmup_cooldown: closed-form values at every step, and the same learning rates as PyTorch's
  LinearLR + CosineAnnealingLR / LinearLR chained with SequentialLR (to 1e-12);
- clip_grad_norm_: the same total norm and clipped gradients as torch.nn.utils.clip_grad_norm_
  (float64, 1e-12) for several norm types, and the closed-form result (norm == max_norm, direction
  unchanged).
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR

from dlcheck.reference.schedule import WarmupCooldown, clip_grad_norm_, warmup_cooldown


def _lrs(make_scheduler, steps: int, base_lr: float = 0.1) -> list[float]:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = make_scheduler(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("cooldown", ["constant", "linear", "cosine"])
def test_closed_form(cooldown: str) -> None:
    w, hold, total, final = 5, 3, 20, 0.1
    f = warmup_cooldown(w, total, cooldown, final_scale=final, hold_steps=hold)
    for s in range(30):
        if s < w:
            expected = (s + 1) / w
        elif cooldown == "constant" or s < w + hold:
            expected = 1.0
        else:
            t = min(1.0, (s - w - hold) / (total - w - hold))
            shape = 1 - t if cooldown == "linear" else (1 + math.cos(math.pi * t)) / 2
            expected = final + (1 - final) * shape
        assert f(s) == pytest.approx(expected, abs=1e-15), s
    assert f(w - 1) == 1.0
    if cooldown != "constant":
        assert f(total) == pytest.approx(final) and f(total + 100) == pytest.approx(final)


@pytest.mark.parametrize("cooldown", ["linear", "cosine"])
def test_matches_torch_schedulers(cooldown: str) -> None:
    w, total, final, base = 8, 50, 0.05, 0.1

    def ours(opt):
        return LambdaLR(opt, warmup_cooldown(w, total, cooldown, final_scale=final))

    def theirs(opt):
        warm = LinearLR(opt, start_factor=1 / w, end_factor=1.0, total_iters=w - 1)
        if cooldown == "cosine":
            cool = CosineAnnealingLR(opt, T_max=total - w, eta_min=final * base)
        else:
            cool = LinearLR(opt, start_factor=1.0, end_factor=final, total_iters=total - w)
        return SequentialLR(opt, [warm, cool], milestones=[w])

    a, b = _lrs(ours, total + 1), _lrs(theirs, total + 1)
    assert max(abs(x - y) for x, y in zip(a, b)) < 1e-12
    assert a[0] == pytest.approx(base / w) and a[-1] == pytest.approx(final * base)


def test_lambdalr_state_dict_keeps_the_schedule() -> None:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = LambdaLR(opt, warmup_cooldown(3, 10, "linear", final_scale=0.2))
    state = sched.state_dict()
    assert state["lr_lambdas"][0]["total_steps"] == 10  # a closure would be stored as None
    fresh = LambdaLR(torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0), WarmupCooldown(1, 2, "constant"))
    fresh.load_state_dict(state)
    assert fresh.lr_lambdas[0](9) == pytest.approx(0.2 + 0.8 * (1 - 6 / 7))


def test_invalid_schedules() -> None:
    with pytest.raises(ValueError):
        warmup_cooldown(10, 5, "cosine")
    with pytest.raises(ValueError):
        warmup_cooldown(1, 5, "step")  # type: ignore[arg-type]


def _params_with_grads(device: torch.device, scale: float) -> list[nn.Parameter]:
    g = torch.Generator().manual_seed(0)
    params = []
    for shape in [(4, 3), (7,), (2, 2, 2)]:
        p = nn.Parameter(torch.randn(shape, generator=g, dtype=torch.float64).to(device))
        p.grad = scale * torch.randn(shape, generator=g, dtype=torch.float64).to(device)
        params.append(p)
    params.append(nn.Parameter(torch.zeros(3, dtype=torch.float64, device=device)))  # no grad
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above the threshold
def test_clip_matches_torch(norm_type: float, scale: float, device: torch.device) -> None:
    ours, theirs = _params_with_grads(device, scale), _params_with_grads(device, scale)
    total_ours = clip_grad_norm_(ours, 1.0, norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert float(total_ours) == pytest.approx(float(total_theirs), rel=1e-12)
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            assert torch.allclose(a.grad, b.grad, rtol=1e-12, atol=0)


def test_clip_closed_form(device: torch.device) -> None:
    params = _params_with_grads(device, 10.0)
    before = torch.cat([p.grad.flatten() for p in params if p.grad is not None]).clone()
    total = clip_grad_norm_(params, 0.5)
    after = torch.cat([p.grad.flatten() for p in params if p.grad is not None])
    assert float(total) == pytest.approx(float(before.norm()), rel=1e-12)
    assert float(after.norm()) == pytest.approx(0.5, rel=1e-5)  # the 1e-6 guard shifts it slightly
    cosine = float(before @ after) / (float(before.norm()) * float(after.norm()))
    assert cosine == pytest.approx(1.0, abs=1e-12)  # the direction is kept
    small = _params_with_grads(device, 1e-3)
    kept = [p.grad.clone() for p in small if p.grad is not None]
    clip_grad_norm_(small, 0.5)
    assert all(torch.equal(a, p.grad) for a, p in zip(kept, [q for q in small if q.grad is not None]))


def test_clip_nonfinite_and_empty() -> None:
    p = nn.Parameter(torch.zeros(2))
    assert float(clip_grad_norm_([p], 1.0)) == 0.0
    p.grad = torch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
