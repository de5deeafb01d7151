"""Normalisation layers: subtract a mean, divide by a standard deviation, then rescale.

Principle: even with a good initialisation, activations drift away from mean 0 / variance 1 as
the network gets deeper and as training changes the weights. A normalisation layer forces them
back, whatever the weights do, with simple differentiable operations, and then applies a
learnable per-channel scale and shift (``weight``, ``bias``) so that the layer can still represent
any mean and variance it needs. The four layers differ only in *which* values share a mean:

==============  ========================================  =======================================
layer           statistics over                            depends on other instances?
==============  ========================================  =======================================
BatchNorm       the batch (and spatial positions), per     yes in training; no in eval (running
                channel                                    averages from the training data)
LayerNorm       the last dimensions of one instance        no
GroupNorm       groups of channels of one instance         no
InstanceNorm    the spatial positions of one channel of    no
                one instance
==============  ========================================  =======================================

Batch norm is the one that needs to know whether it is training: at evaluation the batch
statistics would mix test instances with each other (a leak, and not how a deployed model sees
one instance at a time), so it uses running averages collected during training instead. Forgetting
``model.eval()`` therefore changes the measured accuracy.

All layers use the *biased* variance (divide by ``n``) to normalise, because that is the variance of
the values actually being normalised; batch norm stores the *unbiased* one (divide by ``n - 1``) in
its running average, because there it estimates the variance of the whole data distribution from
a sample. The parameter and buffer names match PyTorch's, so a state dict loads into either.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm"]


def _normalize(x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor, eps: float) -> torch.Tensor:
    # eps keeps the division finite for a constant input (variance zero)
    return (x - mean) * torch.rsqrt(var + eps)


def _add_affine(module: nn.Module, size: int, affine: bool) -> None:
    """Per-channel scale and shift, starting as the identity map: the layer only normalises until
    training says otherwise. Registered as None when absent, as torch does, so state dicts match."""
    if affine:
        module.weight = nn.Parameter(torch.ones(size))
        module.bias = nn.Parameter(torch.zeros(size))
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _add_running_stats(module: nn.Module, size: int, track: bool) -> None:
    """The running mean and (unbiased) variance used in eval mode, under torch's buffer names."""
    if track:
        module.register_buffer("running_mean", torch.zeros(size))
        module.register_buffer("running_var", torch.ones(size))
        module.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
    else:
        module.register_buffer("running_mean", None)
        module.register_buffer("running_var", None)
        module.register_buffer("num_batches_tracked", None)


class BatchNorm(nn.Module):
    """Batch normalisation over ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)``, ... inputs.

    Training mode: normalise each channel with the mean and biased variance of the current batch
    (over N and all spatial positions), and update the running averages
    ``running = (1 - momentum) * running + momentum * batch_statistic`` with the unbiased variance.
    ``momentum=None`` uses the cumulative average over all batches seen instead.

    Eval mode (or ``track_running_stats=False`` never having stats): normalise with the running
    averages, so that each instance's output depends on that instance only.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _add_affine(self, num_features, affine)
        _add_running_stats(self, num_features, track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm expects (N, {self.num_features}, ...) input, got {tuple(x.shape)}")
        dims = [0] + list(range(2, x.dim()))  # everything except the channel dimension
        shape = [1, -1] + [1] * (x.dim() - 2)  # per-channel values, broadcast explicitly
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            count = x.numel() // x.shape[1]
            if count < 2 and self.training:
                raise ValueError("BatchNorm needs more than one value per channel in training mode")
            mean = x.mean(dim=dims)
            var = x.var(dim=dims, unbiased=False)
            if self.training and self.running_mean is not None:
                with torch.no_grad():
                    self.num_batches_tracked += 1
                    if self.momentum is None:
                        factor = 1.0 / float(self.num_batches_tracked)
                    else:
                        factor = self.momentum
                    unbiased = var.detach() * (count / (count - 1))
                    self.running_mean.mul_(1.0 - factor).add_(mean.detach(), alpha=factor)
                    self.running_var.mul_(1.0 - factor).add_(unbiased, alpha=factor)
        else:
            mean, var = self.running_mean, self.running_var
        y = _normalize(x, mean.reshape(shape), var.reshape(shape), self.eps)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class LayerNorm(nn.Module):
    """Normalise over the last ``len(normalized_shape)`` dimensions of each instance.

    No batch statistics are involved, so training and eval mode compute the same thing and batch
    size does not matter (which is why transformers use it). The affine parameters are
    element-wise over ``normalized_shape``.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = nn.Parameter(torch.zeros(self.normalized_shape))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm expects (..., {self.normalized_shape}) input, got {tuple(x.shape)}")
        dims = list(range(x.dim() - k, x.dim()))
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, unbiased=False, keepdim=True)
        y = _normalize(x, mean, var, self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(nn.Module):
    """Split the channels into ``num_groups`` groups and normalise each group of each instance.

    ``num_groups=1`` normalises over all channels and positions (layer norm for images);
    ``num_groups=num_channels`` normalises each channel separately (instance norm). In between,
    channels that tend to behave alike share statistics, with enough values for a stable estimate
    even at batch size 1. The affine parameters are per channel, not per group.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _add_affine(self, num_channels, affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm expects (N, {self.num_channels}, ...) input, got {tuple(x.shape)}")
        n = x.shape[0]
        grouped = x.reshape(n, self.num_groups, -1)  # a group's channels and positions, flattened
        mean = grouped.mean(dim=2, keepdim=True)
        var = grouped.var(dim=2, unbiased=False, keepdim=True)
        y = _normalize(grouped, mean, var, self.eps).reshape(x.shape)
        if self.affine:
            shape = [1, -1] + [1] * (x.dim() - 2)
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class InstanceNorm(nn.Module):
    """Normalise each channel of each instance over its spatial positions (``(N, C, *spatial)``).

    Used in style transfer, where the contrast of one image should not depend on the others.
    Defaults follow PyTorch: no affine parameters and no running statistics, so it behaves the
    same in training and eval mode. With ``track_running_stats=True`` it keeps running averages
    of the per-instance means and unbiased variances (averaged over the batch) and uses them in
    eval mode, like batch norm.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _add_affine(self, num_features, affine)
        _add_running_stats(self, num_features, track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 3 or x.shape[1] != self.num_features:
            raise ValueError(
                f"InstanceNorm expects (N, {self.num_features}, *spatial) input, got {tuple(x.shape)}"
            )
        dims = list(range(2, x.dim()))
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training or self.running_mean is None:
            mean = x.mean(dim=dims, keepdim=True)
            var = x.var(dim=dims, unbiased=False, keepdim=True)
            if self.training and self.running_mean is not None:
                count = x[0, 0].numel()
                with torch.no_grad():
                    # num_batches_tracked is kept for state-dict compatibility only: with a fixed
                    # momentum the count is never needed (PyTorch does not advance it either)
                    batch_mean = mean.detach().reshape(x.shape[0], -1).mean(dim=0)
                    batch_var = var.detach().reshape(x.shape[0], -1).mean(dim=0) * (count / (count - 1))
                    self.running_mean.mul_(1.0 - self.momentum).add_(batch_mean, alpha=self.momentum)
                    self.running_var.mul_(1.0 - self.momentum).add_(batch_var, alpha=self.momentum)
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        y = _normalize(x, mean, var, self.eps)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )
