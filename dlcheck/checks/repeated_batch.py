"""DC601: the same batch fed to the model again and again.

``x, y = next(iter(loader))`` before the loop, a batch variable reused by a loop that forgot to
draw a new one, a sampler that always yields the same indices: the model fits one batch and the
loss falls as if it learned. Each training forward (training mode, gradients on) of a checked
step fingerprints the model's first input from a fixed sample of 64 of its elements (a few
device ops, read with the step's one read); ``repeats`` identical fingerprints in a row are
reported. Not among the default checks: training on one full batch (small data sets, the
"overfit one batch" sanity check) feeds the same batch on purpose.
"""

from __future__ import annotations

from typing import Any

import torch

from dlcheck.arguments import integer
from dlcheck.checks._sample import Fingerprints, first_tensor
from dlcheck.checks._util import compiling, option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"


class RepeatedBatch:
    """repeats: identical batches in a row (checked training forwards) before DC601."""

    name = "repeated_batch"

    def __init__(self, repeats: int = 5) -> None:
        self.repeats = integer(_W, option(self.name, "repeats"), repeats, 2)
        self._fp = Fingerprints(64)
        self._root_id: int | None = None
        self._prints: list[torch.Tensor] = []
        self._last: tuple[float, ...] | None = None
        self._run = 1
        self._first_step: int | None = None

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        return id(module) == self._root_id

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if compiling() or not module.training or not torch.is_grad_enabled():
            return
        x = first_tensor(inputs)
        if x is not None and x.numel() > 0:
            self._prints.append(self._fp.whole(x))

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._prints:
            gather.add(self, torch.cat(self._prints) if len(self._prints) > 1 else self._prints[0])

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values = read.get(self)
        self._prints = []
        if not values:
            return
        flat = values[0]
        for i in range(0, len(flat) - 2, 3):
            key = (flat[i], flat[i + 1], flat[i + 2])
            if key == self._last:
                self._run += 1
            else:
                self._last, self._run, self._first_step = key, 1, step
            if self._run >= self.repeats:
                watch.emit(
                    "DC601", "",
                    f"the model got the same input batch {self._run} times in a row (checked "
                    f"training forwards since step {self._first_step}): it fits this one batch "
                    f"and the falling loss says nothing about the data set",
                    "draw a new batch every step (for x, y in loader: ...), not "
                    "next(iter(loader)) once before the loop; check the sampler; ignore this "
                    "if you overfit one batch on purpose",
                    {"repeats": self._run, "since_step": self._first_step},
                )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._prints = []
        self._fp.clear()
