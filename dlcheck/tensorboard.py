"""Write the recorded history and the problems to TensorBoard.

``dlcheck.watch(model, opt, tensorboard=SummaryWriter(...))``: at each recorded step, one scalar
per layer and series under ``dlcheck/<series>/<layer>`` (and ``dlcheck/loss``), at the training
step as TensorBoard's step; each problem as text under ``dlcheck/problems`` (its one-line form,
at the step where it was found). The writer is duck-typed (``add_scalar``, ``add_text``,
``flush``): ``torch.utils.tensorboard.SummaryWriter`` (needs the ``tensorboard`` package,
``pip install "dllint[tensorboard]"``) or any object with those methods. The writer is flushed
when the watch ends, never closed: it belongs to the caller.
"""

from __future__ import annotations

import math
from typing import Any

from dlcheck.history import SERIES, History
from dlcheck.hookspecs import hookimpl

TAG = "dlcheck"


def _layer_tag(layer: str) -> str:
    # the root module's own parameters have the empty name
    return layer or "<model>"


class TensorBoard:
    """A plugin that writes what ``recorder`` stored at each step, and the watcher's problems."""

    name = "tensorboard"

    def __init__(self, writer: Any, recorder: History) -> None:
        missing = [m for m in ("add_scalar", "add_text") if not callable(getattr(writer, m, None))]
        if missing:
            raise TypeError(f"dlcheck.watch: tensorboard must be a SummaryWriter (an object with "
                            f"add_scalar and add_text), got {type(writer).__name__} without "
                            f"{missing[0]}")
        self.writer = writer
        self.recorder = recorder
        self._written_step = -1
        self._problems_written = 0

    @hookimpl(trylast=True)  # after the recorder stored the step
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        rec = self.recorder
        if rec.steps and rec.steps[-1] > self._written_step:
            self._written_step = at = rec.steps[-1]
            for layer, series in rec.layers.items():
                for key in SERIES:
                    column = series.get(key)
                    value = column[-1] if column else None
                    if value is not None and not math.isnan(value):
                        self.writer.add_scalar(f"{TAG}/{key}/{_layer_tag(layer)}", value, at)
            if rec.loss and rec.loss[-1] is not None:
                self.writer.add_scalar(f"{TAG}/loss", rec.loss[-1], at)
        self._write_problems(watch)

    @hookimpl(trylast=True)
    def dlcheck_report(self, watch: Any) -> None:
        self._write_problems(watch)

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._write_problems(watch)
        flush = getattr(self.writer, "flush", None)
        if callable(flush):
            flush()

    def _write_problems(self, watch: Any) -> None:
        problems = watch.problems
        for p in problems[self._problems_written:]:
            self.writer.add_text(f"{TAG}/problems", f"**{p.code}** {_markdown(p.one_line())}",
                                 p.step)
        self._problems_written = len(problems)


def _markdown(text: str) -> str:
    # TensorBoard renders text as Markdown: module names like layer_1.w_ must stay literal
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>" else c for c in text)
