"""Regularisation: tell the learner which models to prefer when the data does not decide.

Principle: all else being equal we prefer simpler models. The explicit ways to say so:

- **L2 penalty** ``lambda/2 * ||w||**2`` added to the loss prefers small weights. Its gradient is
  ``lambda * w``, so with plain SGD it is exactly *weight decay*: every step multiplies the weights by
  ``1 - lr * lambda`` (see :func:`decay_weights_`). Decay is cheaper (no extra graph), but with an
  adaptive optimiser such as Adam the two differ; use AdamW for the decoupled version.
- **L1 penalty** ``lambda * ||w||_1`` prefers weights that are exactly zero (its contours are
  diamonds with corners on the axes), so it yields sparse models.
- **Dropout** zeroes each unit with probability ``p`` during training, so no unit can rely on a
  particular set of others being present (co-adaptation, a form of memorisation). In the
  *inverted* form used here the surviving units are divided by ``1 - p`` during training, so the
  expected activation is unchanged and evaluation simply switches dropout off. Forgetting
  ``model.eval()`` leaves the noise on at test time.
- A **residual connection** ``x + block(x)`` is not a regulariser but belongs to the same toolbox
  of making deep nets trainable: the identity path carries the gradient to the lower layers
  undiminished even while the block's own gradient is still tiny.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["l1_penalty", "l2_penalty", "decay_weights_", "Dropout", "Residual"]

Tensors = nn.Module | Iterable[torch.Tensor]


def _tensors(params: Tensors) -> list[torch.Tensor]:
    tensors = list(params.parameters()) if isinstance(params, nn.Module) else list(params)
    if not tensors:
        raise ValueError("no parameters to penalise")
    return tensors


def l2_penalty(params: Tensors, weight: float = 1.0) -> torch.Tensor:
    """Return ``weight / 2 * sum(w**2)`` over ``params`` (a module or an iterable of tensors).

    The factor 1/2 makes the gradient ``weight * w``, so adding this to the loss with SGD is
    exactly ``torch.optim.SGD(weight_decay=weight)``. It is the squared norm, not the norm: that is
    what has this simple gradient, and what a Gaussian prior on the weights gives as its negative
    log. Passing a module penalises every parameter, biases and normalisation scales included,
    like an optimiser's ``weight_decay``; pass a filtered list to exclude them.
    """
    return 0.5 * weight * sum(p.pow(2).sum() for p in _tensors(params))


def l1_penalty(params: Tensors, weight: float = 1.0) -> torch.Tensor:
    """Return ``weight * sum(|w|)`` over ``params`` (a module or an iterable of tensors).

    The gradient has constant size ``weight`` whatever the magnitude of ``w``, so small weights are
    pushed all the way to zero instead of merely shrinking (L2's pull vanishes near zero).
    """
    return weight * sum(p.abs().sum() for p in _tensors(params))


@torch.no_grad()
def decay_weights_(params: Tensors, lr: float, weight_decay: float) -> None:
    """Multiply every parameter in place by ``1 - lr * weight_decay`` (decoupled weight decay).

    Call it next to ``optimizer.step()``. With SGD this equals an L2 penalty of strength
    ``weight_decay``; with any other optimiser it is the AdamW-style decay. It runs under no_grad
    because the decay is an update of the weights, not part of the model's computation.
    """
    for p in _tensors(params):
        p.mul_(1.0 - lr * weight_decay)


class Dropout(nn.Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the rest
    by ``1 / (1 - p)``; in eval mode, return the input unchanged.

    Scaling at training time (rather than multiplying by ``1 - p`` at test time) keeps the expected
    value of every element equal to its input in both modes, so the evaluation path needs no
    knowledge of ``p`` and costs nothing.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0  # everything dropped; avoids dividing by 1 - p = 0
        keep = torch.rand_like(x) >= self.p  # P(keep) = 1 - p
        # the mask is a constant for autograd: the gradient flows only through the kept elements
        return x * keep.to(x.dtype) / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Residual(nn.Module):
    """``y = x + block(x)``: a block with a skip connection around it.

    The block must preserve the shape of its input (checked, since broadcasting would otherwise
    silently turn a shape mismatch into a bigger tensor). With ``scale`` the block's output is
    multiplied by a learnable scalar initialised to that value; a small or zero start makes the
    whole residual block begin as the identity.
    """

    def __init__(self, block: nn.Module, scale: float | None = None) -> None:
        super().__init__()
        self.block = block
        if scale is None:
            self.register_parameter("scale", None)
        else:
            self.scale = nn.Parameter(torch.tensor(float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual: the block maps {tuple(x.shape)} to {tuple(out.shape)}; "
                "a skip connection needs the same shape on both sides"
            )
        if self.scale is not None:
            out = self.scale * out
        return x + out
