"""Learning-rate warm-up and cool-down, and gradient clipping by global norm.

Principle: a high learning rate trains faster as long as training stays stable, and the two
tools here buy stability cheaply.

- **Warm-up**: start with a small learning rate and raise it linearly over the first steps. Early
  on, the weights are random and, for Adam, the moment estimates rest on a handful of gradients,
  so a full-size step can throw the model into a bad region it never recovers from.
- **Cool-down**: lower the learning rate towards the end (linearly or along half a cosine), so that
  the optimiser settles into the minimum it is bouncing around instead of oscillating across it.
  Try training without a schedule first; a little warm-up is often all that is needed.
- **Gradient clipping by global norm**: if the norm of all gradients together (as one vector)
  exceeds ``max_norm``, scale them all down by the same factor. The direction of the step is kept,
  only its length is capped, so a single exploding batch cannot wreck the weights. Clipping each
  tensor separately would change the direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import torch

__all__ = ["WarmupCooldown", "warmup_cooldown", "clip_grad_norm_"]

Cooldown = Literal["constant", "linear", "cosine"]


@dataclass
class WarmupCooldown:
    """The schedule as a callable ``step -> factor``; see :func:`warmup_cooldown`.

    It is a small class rather than a closure so that ``LambdaLR.state_dict()`` can save its
    settings (LambdaLR only stores callables that are objects, not plain functions).
    """

    warmup_steps: int
    total_steps: int
    cooldown: Cooldown = "cosine"
    final_scale: float = 0.0
    hold_steps: int = 0

    def __post_init__(self) -> None:
        if self.cooldown not in ("constant", "linear", "cosine"):
            raise ValueError(f"cooldown must be 'constant', 'linear' or 'cosine', got {self.cooldown!r}")
        if self.warmup_steps < 0 or self.hold_steps < 0:
            raise ValueError("warmup_steps and hold_steps must be >= 0")
        if self.cooldown != "constant" and self.total_steps <= self.warmup_steps + self.hold_steps:
            raise ValueError("total_steps must be larger than warmup_steps + hold_steps to leave room to cool down")
        if not 0.0 <= self.final_scale <= 1.0:
            raise ValueError("final_scale must be in [0, 1]")

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            # (step + 1): the first update already moves, and update number `warmup_steps` is the
            # first at the full rate
            return (step + 1) / self.warmup_steps
        if self.cooldown == "constant":
            return 1.0
        start = self.warmup_steps + self.hold_steps
        if step < start:
            return 1.0
        progress = min(1.0, (step - start) / (self.total_steps - start))
        if self.cooldown == "linear":
            shape = 1.0 - progress
        else:
            shape = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.final_scale + (1.0 - self.final_scale) * shape


def warmup_cooldown(
    warmup_steps: int,
    total_steps: int,
    cooldown: Cooldown = "cosine",
    *,
    final_scale: float = 0.0,
    hold_steps: int = 0,
) -> WarmupCooldown:
    """Return a multiplier function for ``torch.optim.lr_scheduler.LambdaLR``.

    The factor rises linearly as ``(step + 1) / warmup_steps`` during the first ``warmup_steps``
    steps, stays at 1 for ``hold_steps`` steps, then cools down to ``final_scale`` at
    ``total_steps`` (``'linear'`` or ``'cosine'``), or stays at 1 (``'constant'``). After
    ``total_steps`` it stays at ``final_scale``. Call ``scheduler.step()`` once per optimiser step.

    Example::

        sched = LambdaLR(opt, warmup_cooldown(500, 10_000, "cosine"))
    """
    return WarmupCooldown(warmup_steps, total_steps, cooldown, final_scale, hold_steps)


@torch.no_grad()
def clip_grad_norm_(
    parameters: torch.Tensor | Iterable[torch.Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> torch.Tensor:
    """Scale all gradients in place so that their global norm is at most ``max_norm``.

    The global norm is the ``norm_type``-norm of all gradient entries concatenated into one vector
    (``inf`` for the largest absolute value). Gradients are multiplied by
    ``min(1, max_norm / (norm + 1e-6))``; the 1e-6 keeps the division finite when every gradient is
    zero. The factor is applied as a tensor, without reading it back to Python, so clipping adds no
    host-device synchronisation on a GPU. Returns the norm *before* clipping, which is worth logging:
    it is the best early warning of exploding gradients.
    """
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm_type = float(norm_type)
    device = grads[0].device  # model-parallel gradients may live on several devices
    if math.isinf(norm_type):
        per_tensor = torch.stack([g.detach().abs().max().to(device) for g in grads])
        total = per_tensor.max()
    else:
        # the norm of the per-tensor norms is the norm of the concatenation
        per_tensor = torch.stack([torch.linalg.vector_norm(g.detach(), norm_type).to(device) for g in grads])
        total = torch.linalg.vector_norm(per_tensor, norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError(f"the total gradient norm is {total.item()}; clipping cannot repair a non-finite gradient")
    factor = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(factor.to(g.device, g.dtype))
    return total
