"""Learning-rate range test: one short run that sweeps the learning rate upwards.

Principle: learning happens only in a fairly narrow band of learning rates, and where that band
lies changes from one model and data set to the next, so it has to be measured. Instead of many
short runs with a few log-spaced rates, the range test does a single run in which the learning
rate grows exponentially (by the same factor every step, i.e. evenly on a log scale) from tiny to
huge. At first the loss barely moves (too small), then it falls quickly (the useful band), then it
becomes unstable and shoots up (too large). The per-batch loss is noisy, so it is smoothed with an
exponential moving average before reading the curve, and the sweep stops as soon as the smoothed
loss exceeds a multiple of the best value seen: beyond that point nothing more is learned and the
weights are being destroyed.

The suggested learning rate is the rate at the minimum of the smoothed loss divided by 10: the
minimum is already at the edge of stability, and the loss at a given step reflects rates from a
few steps earlier, so backing off an order of magnitude gives a rate that is high but safe. Use it
as the peak of a warm-up schedule. The model and optimiser are restored afterwards, since the
sweep deliberately trains them into divergence.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["LRRangeResult", "lr_range_test"]


@dataclass
class LRRangeResult:
    """The curve of a range test. ``lrs[i]`` was used for the step that produced ``losses[i]``."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggested_lr: float
    lr_at_min: float
    diverged: bool
    notes: list[str] = field(default_factory=list)

    def plot(self, ax: Any = None, log_loss: bool = False) -> Any:
        """Plot raw and smoothed loss against the learning rate (log axis); needs matplotlib.

        matplotlib is an optional dependency: imported here only, so the rest works without it.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("LRRangeResult.plot needs matplotlib: pip install matplotlib") from exc
        if ax is None:
            _, ax = plt.subplots()
        ax.plot(self.lrs, self.losses, alpha=0.3, label="loss per batch")
        ax.plot(self.lrs, self.smoothed, label="smoothed loss")
        ax.axvline(self.suggested_lr, linestyle="--", color="gray", label=f"suggested lr {self.suggested_lr:.2g}")
        ax.set_xscale("log")
        if log_loss:
            ax.set_yscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.legend()
        return ax


def _batches(loader: Iterable[Any]) -> Iterator[Any]:
    # cycle through the loader: the sweep length should not depend on the size of one epoch
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_range_test: the loader yielded no batches")


def _to(batch: Any, device: torch.device | None) -> Any:
    if device is None:
        return batch
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    return batch


def lr_range_test(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    loader: Iterable[Any],
    optimizer: torch.optim.Optimizer | None = None,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 200,
    smoothing: float = 0.05,
    diverge_factor: float = 4.0,
    restore: bool = True,
    device: torch.device | str | None = None,
    plot: bool = False,
) -> LRRangeResult:
    """Sweep the learning rate exponentially from ``start_lr`` to ``end_lr`` over ``num_steps``
    training steps and return the loss curve and a suggested learning rate.

    ``loader`` yields ``(inputs, targets)`` pairs (it is cycled if shorter than ``num_steps``) and the
    loss is ``loss_fn(model(inputs), targets)``. ``optimizer`` defaults to SGD with momentum 0.9;
    pass your own to test the one you will train with (its learning rate is overwritten each
    step). ``smoothing`` is the weight of the newest loss in the exponential moving average (with
    bias correction, so that the first values are not pulled towards zero). The sweep stops early
    when the smoothed loss exceeds ``diverge_factor`` times its minimum or becomes non-finite.
    ``device``, if given, is where each batch is moved (the model must already be there). With
    ``restore`` (default) the model's and optimiser's state are put back afterwards. With
    ``plot`` the curve is drawn if matplotlib is installed (a warning otherwise).
    """
    if not 0.0 < start_lr < end_lr:
        raise ValueError("need 0 < start_lr < end_lr")
    if num_steps < 2:
        raise ValueError("num_steps must be at least 2")
    if not 0.0 < smoothing <= 1.0:
        raise ValueError("smoothing must be in (0, 1]")
    dev = torch.device(device) if device is not None else None
    if optimizer is None:
        from .optim import SGD

        optimizer = SGD(model.parameters(), lr=start_lr, momentum=0.9)
    model_state = copy.deepcopy(model.state_dict()) if restore else None
    optim_state = copy.deepcopy(optimizer.state_dict()) if restore else None
    was_training = model.training
    # constant ratio between consecutive rates: an even sweep on the log scale
    ratio = (end_lr / start_lr) ** (1.0 / (num_steps - 1))
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    notes: list[str] = []
    average, best, diverged = 0.0, math.inf, False
    model.train()
    try:
        batches = _batches(loader)
        for step in range(num_steps):
            lr = start_lr * ratio**step
            for group in optimizer.param_groups:
                group["lr"] = lr
            inputs, targets = _to(next(batches), dev)
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            value = float(loss.detach())  # one sync per step is fine for a short diagnostic run
            lrs.append(lr)
            losses.append(value)
            average = (1.0 - smoothing) * average + smoothing * value
            debiased = average / (1.0 - (1.0 - smoothing) ** (step + 1))
            smoothed.append(debiased)
            if not math.isfinite(debiased) or debiased > diverge_factor * best:
                diverged = True
                notes.append(
                    f"stopped at step {step + 1}: smoothed loss {debiased:.4g} > {diverge_factor} x best {best:.4g}"
                )
                break
            best = min(best, debiased)
    finally:
        if restore:
            model.load_state_dict(model_state)
            optimizer.load_state_dict(optim_state)
        model.train(was_training)
    finite = [(s, lr) for s, lr in zip(smoothed, lrs) if math.isfinite(s)]
    if not finite:
        raise RuntimeError("lr_range_test: the loss was never finite; check the model before tuning the learning rate")
    lr_at_min = min(finite)[1]
    if not diverged:
        notes.append("the loss never diverged: end_lr may be too low to see the whole curve")
    if lr_at_min == lrs[0]:
        notes.append("the loss was lowest at the first rate: start_lr may be too high")
    result = LRRangeResult(lrs, losses, smoothed, lr_at_min / 10.0, lr_at_min, diverged, notes)
    if plot:
        try:
            result.plot()
        except ImportError:
            warnings.warn("lr_range_test(plot=True) needs matplotlib; returning the curve without a plot", stacklevel=2)
    return result
