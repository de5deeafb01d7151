"""DC602 labels outside the model's output range, DC603 a single class in the first batches.

Seen where the loss function receives the targets, before it runs (``dlcheck_loss_pre``): torch
refuses a class index >= C with an IndexError on CPU and a device-side assert on CUDA, after
which nothing can be read from the device; the statistics taken before the call are read with
the step's one read, or at the end of the watch when the error stops the loop. Binary
cross-entropy targets outside [0, 1] are not refused by torch at all: the loss goes negative.

Cost: for class indices (``cross_entropy``, ``nll_loss``) the smallest and largest valid label
and their count, for binary targets the smallest and largest value: a few reductions per loss
call on the first ``batches`` checked steps that have one, nothing afterwards.
"""

from __future__ import annotations

from typing import Any

import torch

from dlcheck.arguments import integer
from dlcheck.checks._util import compiling, option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"
_CLASS_INDEX = ("cross_entropy", "nll_loss")
_BINARY = ("binary_cross_entropy", "binary_cross_entropy_with_logits")
_BIG = float(2 ** 40)


class Labels:
    """batches: checked steps (with a classification loss) whose labels are looked at; the
    single-class test is judged once they are all seen. min_labels: valid labels those steps
    must hold together before one class alone is reported."""

    name = "labels"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, batches: int = 10, min_labels: int = 64) -> None:
        self.batches = integer(_W, option(self.name, "batches"), batches, 1)
        self.min_labels = integer(_W, option(self.name, "min_labels"), min_labels, 1)
        self._pending: list[tuple[str, str, int, int]] = []  # fn, kind, classes, ignore_index
        self._stats: list[torch.Tensor] = []
        self._steps = 0
        self._range: dict[str, list[float]] = {}  # fn -> [min, max, count, classes]
        self._done = False

    @hookimpl
    def dlcheck_loss_pre(self, watch: Any, fn_name: str, input: Any, target: Any,
                         kwargs: dict) -> None:
        if self._done or compiling() or not isinstance(target, torch.Tensor) \
                or not isinstance(input, torch.Tensor) or target.numel() == 0:
            return
        t = target.detach()
        if fn_name in _CLASS_INDEX:
            if t.is_floating_point() or t.is_complex() or t.dtype is torch.bool:
                return  # class probabilities, not indices
            if input.dim() == 0:
                return
            classes = int(input.shape[1] if input.dim() >= 2 else input.shape[0])
            ignore = kwargs.get("ignore_index", -100)
            ignore = int(ignore) if isinstance(ignore, int) else -100
            t = t.reshape(-1).to(torch.int64)
            valid = t != ignore
            stats = torch.stack([torch.where(valid, t, int(_BIG)).amin(),
                                 torch.where(valid, t, -int(_BIG)).amax(),
                                 valid.sum()]).to(torch.float32)
            self._pending.append((fn_name, "class", classes, ignore))
        elif fn_name in _BINARY:
            if not t.is_floating_point():
                return
            t = t.reshape(-1)
            stats = torch.stack([t.amin(), t.amax(), t.new_tensor(float(t.numel()))]).to(
                torch.float32)
            self._pending.append((fn_name, "binary", 2, 0))
        else:
            return
        self._stats.append(stats)

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        for s in self._stats:
            gather.add(self, s)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values, pending = read.get(self), self._pending
        self._stats, self._pending = [], []
        if not values:
            return
        for (fn, kind, classes, ignore), (lo, hi, n) in zip(pending, values):
            if n <= 0:
                continue
            if kind == "class":
                self._class_range(watch, fn, classes, ignore, lo, hi)
                seen = self._range.setdefault(fn, [lo, hi, 0.0, classes])
                seen[0], seen[1] = min(seen[0], lo), max(seen[1], hi)
                seen[2] += n
                seen[3] = classes
            else:
                self._binary_range(watch, fn, lo, hi)
        if getattr(watch, "in_step_end", False):
            self._steps += 1
            if self._steps >= self.batches:
                self._single_class(watch)
                self._done = True
                self._range.clear()

    def _class_range(self, watch: Any, fn: str, classes: int, ignore: int, lo: float,
                     hi: float) -> None:
        if 0 <= lo and hi < classes:
            return
        lo_i, hi_i = int(lo), int(hi)
        if hi >= classes:
            what = (f"a label {hi_i} but the model outputs {classes} classes, so the valid labels "
                    f"are 0..{classes - 1}")
            if lo_i >= 1 and hi_i == classes:
                fix = "the labels look 1-based (1..C): subtract 1 from them"
            else:
                fix = (f"make the output layer as wide as the number of classes (largest label + "
                       f"1 = {hi_i + 1}), or remap the labels to 0..C-1")
        else:
            what = (f"a negative label {lo_i} that is not ignore_index ({ignore}); the valid "
                    f"labels are 0..{classes - 1}")
            fix = (f"pass ignore_index={lo_i} to the loss if {lo_i} marks padding, or remap the "
                   f"labels")
        watch.emit(
            "DC602", f"loss:{fn}",
            f"{fn} got {what} (torch raises an IndexError on CPU and a device-side assert on "
            f"CUDA)", fix,
            {"loss": fn, "min_label": lo_i, "max_label": hi_i, "classes": classes,
             "ignore_index": ignore},
        )

    def _binary_range(self, watch: Any, fn: str, lo: float, hi: float) -> None:
        if 0.0 <= lo and hi <= 1.0:
            return
        watch.emit(
            "DC602", f"loss:{fn}",
            f"{fn} got targets from {lo:g} to {hi:g}, outside [0, 1]: the loss is no longer a "
            f"cross-entropy (it goes negative and its minimum is not at the target); torch "
            f"does not check this",
            "map the labels to 0/1 (e.g. (y == positive_class).float()), or use cross_entropy "
            "with class indices for more than two classes",
            {"loss": fn, "min_target": lo, "max_target": hi},
        )

    def _single_class(self, watch: Any) -> None:
        for fn, (lo, hi, n, classes) in sorted(self._range.items()):
            if lo != hi or n < self.min_labels or classes < 2:
                continue
            watch.emit(
                "DC603", f"loss:{fn}",
                f"the first {self._steps} checked steps gave {fn} only the label {int(lo)} "
                f"({int(n)} labels) while the model outputs {classes} classes: the model "
                f"learns to always predict it",
                "shuffle the training data (DataLoader(..., shuffle=True): a data set sorted by "
                "class gives one class per batch), check the label column and the target "
                "transform; for data this imbalanced, use a weighted sampler or class weights",
                {"loss": fn, "label": int(lo), "labels": int(n), "classes": classes,
                 "steps": self._steps},
            )

    @hookimpl
    def dlcheck_report(self, watch: Any) -> None:
        self._stats, self._pending = [], []

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._stats, self._pending = [], []
        self._range.clear()
