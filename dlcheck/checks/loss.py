"""DC504: a loss spike; DC203 for a non-finite loss when the ``nonfinite`` check is off.

The training losses (those with a graph, from a ``torch.nn.functional`` loss or handed to
``w.step(loss)``) are read with the step's one read, as 0-d values. Each loss call of a step is
its own series (a GAN's discriminator and generator losses differ in scale): the i-th call of
``binary_cross_entropy_with_logits`` in a step is compared with the i-th calls of earlier steps.

The test, on the host: a value is a spike when it is more than ``factor`` times the series'
median of the last ``window`` values AND its distance above that median is more than ``spread``
times the largest distance seen in the window. Lightning's ``SpikeDetection`` (window 10,
rtol 2.0) uses the first test alone, against a mean of 10 values: per-batch losses of small
batches are heavy-tailed (a batch holding one hard sample costs many times the median late in
training), and a relative test against ten values fires on them. The second test asks the value
to leave the range the loss has actually been moving in.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from typing import Any

import torch

from dlcheck.arguments import integer, number
from dlcheck.checks._util import compiling, option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"
_MAX_PER_STEP = 16  # loss calls per step followed (a loss per time step would be hundreds)
_MAX_SERIES = 32


class LossSpike:
    """window: values per series kept (the median and the range come from them). min_history:
    values needed before judging. factor: how many times the median a spike is at least.
    spread: how many times the window's largest distance above the median it is at least."""

    name = "loss"
    # not sampled: a spike lasts a step or two, and the loss is read on every step anyway

    def __init__(self, window: int = 50, min_history: int = 20, factor: float = 3.0,
                 spread: float = 10.0) -> None:
        self.window = integer(_W, option(self.name, "window"), window, 2)
        self.min_history = integer(_W, option(self.name, "min_history"), min_history, 1)
        if self.min_history > self.window:
            raise ValueError(f"{_W}: {option(self.name, 'min_history')} must be at most "
                             f"{option(self.name, 'window')} ({window}), got {min_history}")
        self.factor = number(_W, option(self.name, "factor"), factor, 1.0, low_open=True)
        self.spread = number(_W, option(self.name, "spread"), spread, 1.0)
        self._values: list[torch.Tensor] = []
        self._keys: list[tuple[str, int]] = []
        self._calls: dict[str, int] = {}
        # per series: its last ``window`` values in order of arrival, and the same values
        # sorted (kept sorted as values come and go: no sort per step)
        self._series: dict[tuple[str, int], tuple[deque, list[float]]] = {}
        self._report_nonfinite = True

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        # the nonfinite check reports a non-finite loss with its origin: do not say it twice
        self._report_nonfinite = not any(getattr(c, "name", None) == "nonfinite"
                                         for c in watch.checks)

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if not isinstance(loss, torch.Tensor) or loss.ndim != 0 or not loss.dtype.is_floating_point \
                or compiling():
            return
        # training losses only: an evaluation loss (no graph) is another distribution
        if not loss.requires_grad and fn_name != "loss":
            return
        if len(self._values) >= _MAX_PER_STEP:
            return
        i = self._calls.get(fn_name, 0)
        self._calls[fn_name] = i + 1
        value = watch.detached(loss)  # the same 0-d tensor as the nonfinite check's probe
        self._values.append(value if value.dtype is torch.float32 else value.to(torch.float32))
        self._keys.append((fn_name, i))

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._values:
            gather.add(self, self._values)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values, keys = read.get(self), self._keys
        self._values, self._keys, self._calls = [], [], {}
        if not values:
            return
        for key, v in zip(keys, values[0]):
            if not math.isfinite(v):
                if self._report_nonfinite:
                    watch.emit("DC203", f"loss:{key[0]}", f"the loss ({key[0]}) is {v}",
                               "lower the learning rate, clip gradients, and check the loss's "
                               "inputs (log of 0, targets outside the valid range)",
                               {"value": v, "loss": key[0]}, key="loss")
                continue
            entry = self._series.get(key)
            if entry is None:
                if len(self._series) >= _MAX_SERIES:
                    continue
                entry = self._series[key] = (deque(), [])
            arrived, ordered = entry
            n = len(ordered)
            if n >= self.min_history:
                # _judge's test, inlined (every step): it is called only for a spike
                mid = n // 2
                median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
                rise = v - median
                if rise > (self.factor - 1.0) * abs(median) and rise > self.spread * (
                        ordered[-1] - median) and median != 0.0:
                    self._judge(watch, key, v, ordered)
            if n >= self.window:
                del ordered[bisect_left(ordered, arrived.popleft())]
            arrived.append(v)
            insort(ordered, v)

    def _judge(self, watch: Any, key: tuple[str, int], v: float, ordered: list[float]) -> None:
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        reach = ordered[-1] - median  # the largest distance above the median in the window
        scale = abs(median)
        if scale == 0.0:
            return  # a loss at exactly 0 gives no scale to be relative to
        if v - median <= (self.factor - 1.0) * scale or v - median <= self.spread * reach:
            return
        fn_name, call = key
        which = f"call {call + 1} of {fn_name} in the step" if call else fn_name
        watch.emit(
            "DC504", f"loss:{fn_name}",
            f"loss spike: {which} = {v:.4g}, {v / median if median > 0 else math.inf:.3g}x the "
            f"median {median:.4g} of the last {len(ordered)} values and {(v - median) / reach if reach else math.inf:.3g}x "
            f"the largest rise above it in that window ({reach:.3g})",
            "a step that diverged: lower the learning rate or add warm-up, clip gradients "
            "(torch.nn.utils.clip_grad_norm_); if it recovers at once, look at the batch (a "
            "corrupted sample, a label outside its range)",
            {"value": v, "median": median, "window_max": ordered[-1], "loss": fn_name,
             "call": call, "factor": self.factor, "spread": self.spread},
            key=call,
        )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._values, self._keys = [], []
        self._series.clear()
