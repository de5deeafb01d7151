"""Proof for dlcheck.reference.regularize against closed forms.

- penalties: value and autograd gradient equal the formulas (lambda w for L2, lambda sign(w) for L1);
- decay_weights_ after a plain gradient step equals torch.optim.SGD(weight_decay=...);
- Dropout: identity in eval mode; in training, the dropped fraction is p (within 5 standard errors
  on 10**6 elements), survivors are exactly x / (1 - p), the mean is preserved, and the gradient is
  the same mask / (1 - p);
- Residual: y = x + block(x) exactly, and through 30 blocks that barely pass a signal the input
  gradient survives, while the plain stack's vanishes.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlcheck.reference import regularize as ref


def test_penalties_value_and_gradient(device: torch.device) -> None:
    torch.manual_seed(0)
    a = torch.randn(4, 3, dtype=torch.float64, device=device, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
    lam = 0.3
    l2 = ref.l2_penalty([a, b], lam)
    ad, bd = a.detach(), b.detach()
    assert float(l2.detach()) == pytest.approx(0.5 * lam * (float((ad**2).sum()) + float((bd**2).sum())), rel=1e-12)
    ga, gb = torch.autograd.grad(l2, [a, b])
    assert torch.allclose(ga, lam * a) and torch.allclose(gb, lam * b)
    l1 = ref.l1_penalty([a, b], lam)
    assert float(l1.detach()) == pytest.approx(lam * (float(ad.abs().sum()) + float(bd.abs().sum())), rel=1e-12)
    ga, gb = torch.autograd.grad(l1, [a, b])
    assert torch.equal(ga, lam * a.sign()) and torch.equal(gb, lam * b.sign())


def test_penalty_accepts_a_module_and_rejects_nothing() -> None:
    model = nn.Linear(3, 2)
    expected = 0.5 * sum(float((p.detach() ** 2).sum()) for p in model.parameters())
    assert float(ref.l2_penalty(model).detach()) == pytest.approx(expected)
    with pytest.raises(ValueError):
        ref.l2_penalty([])


def test_decay_weights_equals_sgd_weight_decay() -> None:
    torch.manual_seed(0)
    w1 = nn.Parameter(torch.randn(10, dtype=torch.float64))
    w2 = nn.Parameter(w1.detach().clone())
    lr, wd = 0.1, 0.05
    grad = torch.randn(10, dtype=torch.float64)
    # reference: decay the weights, then the plain gradient step (no gradient of the decay term)
    ref.decay_weights_([w1], lr, wd)
    with torch.no_grad():
        w1 -= lr * grad
    w2.grad = grad.clone()
    torch.optim.SGD([w2], lr=lr, weight_decay=wd).step()
    assert torch.allclose(w1, w2, rtol=0, atol=1e-14)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_training_closed_form(p: float, device: torch.device) -> None:
    torch.manual_seed(0)
    drop = ref.Dropout(p)
    x = (torch.rand(1000, 1000, device=device, dtype=torch.float64) + 0.5).requires_grad_(True)
    y = drop(x)
    kept = y != 0
    n = x.numel()
    frac_dropped = 1.0 - float(kept.double().mean())
    assert abs(frac_dropped - p) < 5 * math.sqrt(p * (1 - p) / n)
    # survivors are scaled by exactly 1 / (1 - p) ...
    assert torch.allclose(y[kept], x.detach()[kept] / (1 - p), rtol=1e-12, atol=0)
    # ... so the expected activation is unchanged (within 5 standard errors)
    se = float(y.detach().std()) / math.sqrt(n)
    assert abs(float(y.detach().mean()) - float(x.detach().mean())) < 5 * se
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert torch.equal(grad, kept.double() / (1 - p))


def test_dropout_eval_is_identity_and_edge_cases(device: torch.device) -> None:
    x = torch.randn(50, 20, device=device)
    drop = ref.Dropout(0.5)
    drop.eval()
    assert torch.equal(drop(x), x)
    drop.train()
    assert not torch.equal(drop(x), x)
    assert torch.equal(ref.Dropout(0.0)(x), x)
    assert torch.count_nonzero(ref.Dropout(1.0)(x)) == 0
    with pytest.raises(ValueError):
        ref.Dropout(1.5)


def test_dropout_statistics_match_torch(device: torch.device) -> None:
    """Same distribution as nn.Dropout: fraction of zeros and second moment agree within noise."""
    torch.manual_seed(3)
    x = torch.ones(1000, 1000, device=device)
    ours, theirs = ref.Dropout(0.3)(x), nn.Dropout(0.3)(x)
    assert set(torch.unique(ours).tolist()) == set(torch.unique(theirs).tolist())
    assert abs(float((ours == 0).float().mean()) - float((theirs == 0).float().mean())) < 0.003
    assert float((ours**2).mean()) == pytest.approx(float((theirs**2).mean()), rel=0.01)


def test_residual_is_x_plus_block(device: torch.device) -> None:
    torch.manual_seed(0)
    block = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)).to(device)
    x = torch.randn(4, 8, device=device)
    assert torch.allclose(ref.Residual(block)(x), x + block(x))
    scaled = ref.Residual(block, scale=0.0)
    assert torch.equal(scaled(x), x)  # a zero scale starts the block as the identity
    assert isinstance(scaled.scale, nn.Parameter)
    with pytest.raises(ValueError):
        ref.Residual(nn.Linear(8, 3))(x)


def test_residual_carries_the_gradient_through_depth(device: torch.device) -> None:
    torch.manual_seed(0)

    def weak_block() -> nn.Module:
        layer = nn.Linear(16, 16)
        with torch.no_grad():
            layer.weight.mul_(0.01)  # a block that (at initialisation) barely passes a signal
        return nn.Sequential(layer, nn.Tanh())

    blocks = [weak_block() for _ in range(30)]
    plain = nn.Sequential(*blocks).to(device)
    residual = nn.Sequential(*[ref.Residual(b) for b in blocks]).to(device)
    x = torch.randn(8, 16, device=device, requires_grad=True)
    (g_plain,) = torch.autograd.grad(plain(x).sum(), x)
    (g_res,) = torch.autograd.grad(residual(x).sum(), x)
    assert float(g_plain.norm()) < 1e-20
    assert float(g_res.norm()) > 0.5 * math.sqrt(x.numel())  # close to the identity's gradient of ones
