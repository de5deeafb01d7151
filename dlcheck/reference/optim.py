"""Gradient-descent optimisers written out from their update rules.

Principle: plain gradient descent takes a step ``-lr * g`` along the current gradient only. Two
ideas make it faster and more robust:

- *Momentum* keeps a running (exponentially weighted) sum of past gradients and steps along it.
  Directions in which the gradient keeps pointing add up (with momentum 0.9 a constant gradient
  gives steps ten times larger), while directions in which it flips sign cancel, which damps the
  oscillation across a narrow valley. *Nesterov* momentum evaluates the correction as if the
  momentum step had already been taken, which tends to overshoot less.
- *Adam* additionally keeps a running average of the squared gradient and divides each
  parameter's step by its root: each parameter gets its own step size, small where the gradient
  is large or noisy and large where it is small and consistent. Both averages start at zero and
  are therefore biased towards zero in the first steps; dividing by ``1 - beta**t`` removes that
  bias (without it, the tiny second moment would make the first steps far too large).

Weight decay (shrinking the weights a little every step) and an L2 penalty in the loss
(``lambda/2 * ||w||**2``, whose gradient is ``lambda * w``) are the *same thing for SGD*. For Adam
they are not: the penalty's gradient is divided by Adam's per-parameter scale like every other
gradient, so large, rarely-updated weights are barely regularised. AdamW therefore *decouples* the
decay: it shrinks the weights directly, ``w <- w * (1 - lr * weight_decay)``, outside the adaptive
step. ``Adam(weight_decay=...)`` is the L2-penalty version, ``AdamW`` the decoupled one.

The classes are ``torch.optim.Optimizer`` subclasses with the same argument names, defaults and
state names (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``) as ``torch.optim``, so they work with
learning-rate schedulers and can be swapped in to compare with the library versions. They loop over
parameters one by one for readability, so they are slower than the fused PyTorch versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim import Optimizer

__all__ = ["SGD", "Adam", "AdamW"]

Params = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


def _check_non_negative(name: str, value: float) -> None:
    if value < 0.0:
        raise ValueError(f"invalid {name}: {value} (must be >= 0)")


def _direction(p: torch.Tensor, maximize: bool) -> torch.Tensor:
    if p.grad is None:
        raise RuntimeError("parameter without gradient")  # callers skip these; kept as a guard
    if p.grad.is_sparse:
        raise RuntimeError("the reference optimisers do not support sparse gradients")
    # maximising f is minimising -f; flip once here so the update rules below stay as in the papers
    return -p.grad if maximize else p.grad


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum, dampening and weight decay.

    Per parameter, with ``g`` the gradient:

    1. ``g = g + weight_decay * w`` (the gradient of an L2 penalty ``weight_decay/2 * ||w||**2``)
    2. with momentum ``mu > 0``: ``b = g`` at the first step, afterwards
       ``b = mu * b + (1 - dampening) * g``; then ``g = g + mu * b`` (Nesterov) or ``g = b``
    3. ``w = w - lr * g``

    The first step copies ``g`` into the buffer instead of dampening it so that the first update
    is not shrunk by ``1 - dampening``.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("momentum", momentum)
        _check_non_negative("weight_decay", weight_decay)
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            # Nesterov's look-ahead is defined for undamped momentum only
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @torch.no_grad()  # the update itself must not become part of the autograd graph
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Perform one update; ``closure`` re-evaluates the loss (needed by some training loops)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, mu, damp = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue  # parameters outside this loss's graph are left untouched
                g = _direction(p, group["maximize"])
                if wd != 0.0:
                    g = g + wd * p
                if mu != 0.0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = g.detach().clone()
                        state["momentum_buffer"] = buf
                    else:
                        buf.mul_(mu).add_(g, alpha=1.0 - damp)
                    g = g + mu * buf if nesterov else buf
                p.add_(g, alpha=-lr)
        return loss


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``weight_decay`` is an L2 penalty.

    Per parameter, at step ``t`` (starting at 1):

    1. ``g = g + weight_decay * w`` (coupled: it goes through the adaptive scaling below)
    2. ``m = beta1 * m + (1 - beta1) * g`` and ``v = beta2 * v + (1 - beta2) * g**2``
    3. ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)`` (undo the zero start);
       with ``amsgrad`` ``v_hat`` is the running maximum, which keeps the step size from growing
       again when the gradient becomes quieter
    4. ``w = w - lr * m_hat / (sqrt(v_hat) + eps)``; ``eps`` only guards against division by zero
    """

    _decoupled = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("eps", eps)
        _check_non_negative("weight_decay", weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"invalid beta{i + 1}: {beta} (must be in [0, 1))")
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Perform one update; ``closure`` re-evaluates the loss (needed by some training loops)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _direction(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                t = state["step"]
                if wd != 0.0:
                    if self._decoupled:
                        p.mul_(1.0 - lr * wd)  # AdamW: shrink the weights, outside the adaptive step
                    else:
                        g = g + wd * p  # Adam: L2 penalty, rescaled by the adaptive step
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(g, alpha=1.0 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
                if group["amsgrad"]:
                    torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]
                m_hat = m / (1.0 - beta1**t)
                v_hat = v / (1.0 - beta2**t)
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Identical to :class:`Adam` except that ``weight_decay`` multiplies the weights by
    ``1 - lr * weight_decay`` before the Adam step instead of being added to the gradient, so every
    weight decays at the same relative rate whatever its gradient history. Default
    ``weight_decay=1e-2``, as in ``torch.optim.AdamW``.
    """

    _decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
