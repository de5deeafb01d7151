"""DC605: evaluation data that was trained on, found by content: the run-time face of DL402.

Every forward of the watched model on a checked step fingerprints each sample of its first
input (dimension 0 is the batch) from a fixed sample of 64 of its elements: an exact integer
hash, a few device ops, read with the step's one read. Training forwards (training mode,
gradients on) add their samples' fingerprints to a set; an evaluation forward (eval mode or
gradients off) counts its samples already in the set. The set holds at most ``max_samples``
fingerprints (about 100 bytes each in Python); after that, new training samples are not
recorded, and the report says so.

Not among the default checks: it keeps a set of every training sample, and evaluating on the
training set on purpose (a "train accuracy" pass) is indistinguishable from a leak by content:
the message says which case to look for. Training with random augmentation hides a leak (the
augmented sample differs from the evaluated one).
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from dlcheck.arguments import integer
from dlcheck.checks._sample import Fingerprints, first_tensor
from dlcheck.checks._util import compiling, option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"
logger = logging.getLogger("dlcheck")


class EvalLeak:
    """max_samples: training fingerprints kept (memory bound). min_seen: evaluation samples
    that must have been trained on before DC605."""

    name = "eval_leak"

    def __init__(self, max_samples: int = 1_000_000, min_seen: int = 1) -> None:
        self.max_samples = integer(_W, option(self.name, "max_samples"), max_samples, 1)
        self.min_seen = integer(_W, option(self.name, "min_seen"), min_seen, 1)
        self._fp = Fingerprints(64)
        self._root_id: int | None = None
        self._passes: list[tuple[bool, torch.Tensor]] = []  # (training?, (N, 3) prints)
        self._trained: set[tuple[float, float, float]] = set()
        self._full = False
        self._evaluated = 0
        self._seen = 0

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        return id(module) == self._root_id

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if compiling():
            return
        training = module.training and torch.is_grad_enabled()
        if training and self._full:
            return
        x = first_tensor(inputs)
        if x is None or x.dim() == 0 or x.numel() == 0:
            return
        self._passes.append((training, self._fp.rows(x)))

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        for _, prints in self._passes:
            gather.add(self, prints)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values, passes = read.get(self), self._passes
        self._passes = []
        if not values:
            return
        seen_now = evaluated_now = 0
        # in the order the forwards ran: an evaluation is compared with what was trained before
        for (training, _), flat in zip(passes, values):
            keys = [(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat) - 2, 3)]
            if training:
                if not self._full:
                    self._trained.update(keys)
                    if len(self._trained) >= self.max_samples:
                        self._full = True
                        logger.warning(
                            "dlcheck eval_leak: %d training samples recorded (max_samples); "
                            "later training samples are not compared", len(self._trained))
            else:
                evaluated_now += len(keys)
                seen_now += sum(1 for k in keys if k in self._trained)
        self._evaluated += evaluated_now
        self._seen += seen_now
        if self._seen >= self.min_seen and seen_now:
            share = seen_now / evaluated_now
            watch.emit(
                "DC605", "",
                f"{seen_now} of the {evaluated_now} samples evaluated since the last checked "
                f"step ({share:.0%}) were trained on earlier in this run (same content): "
                f"evaluation scores on them measure memory, not generalisation"
                + (" (the training-sample record is full: later ones were not compared)"
                   if self._full else ""),
                "keep the evaluation split out of training: split once, before any training "
                "(see dllint rule DL402), and do not concatenate it into the training set; "
                "if this evaluation runs on the training set on purpose (train accuracy), "
                "ignore it",
                {"seen": seen_now, "evaluated": evaluated_now, "share": share,
                 "seen_total": self._seen, "evaluated_total": self._evaluated,
                 "recorded": len(self._trained), "record_full": self._full},
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._passes = []
        self._trained = set()
        self._fp.clear()
