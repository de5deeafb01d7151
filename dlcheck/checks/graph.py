"""DC101: an autograd graph that outlives its step and keeps growing (``running_loss += loss``,
``losses.append(loss)``): the runtime face of DL101.

Autograd nodes cannot be weak-referenced, but each owns a ``metadata`` dict, created on first
access and freed with the node: we keep the dict of each checked step's output node and count
who else refers to it. While the node lives, the node does; once the graph is freed, only we do.
Nothing is written into the node (no trace left on the graph), nothing runs during backward,
and the same holds on CPU and CUDA.
"""

from __future__ import annotations

import sys
from typing import Any

from dlcheck.arguments import integer
from dlcheck.checks._util import compiling, option, tensors
from dlcheck.hookspecs import hookimpl


def _refs(entry: tuple[int, dict]) -> int:
    return sys.getrefcount(entry[1])


# references to a metadata dict held only by one of our (step, dict) entries
_OURS_ONLY = _refs((0, {}))


class GraphRetained:
    """min_steps: how many graphs of earlier steps must be alive at once before DC101 fires (a
    single retained step, e.g. ``last_loss = loss``, is not a leak)."""

    name = "graph"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, min_steps: int = 3) -> None:
        self.min_steps = integer("dlcheck.watch", option(self.name, "min_steps"), min_steps, 1)
        self._root_id: int | None = None
        self._alive: list[tuple[int, dict]] = []
        self._tagged_step: int | None = None

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        return id(module) == self._root_id

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if compiling():  # a traced tensor has no node yet: the loss, computed eagerly, has one
            return
        self._track(watch, output)

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if not compiling():
            self._track(watch, loss)

    def _track(self, watch: Any, output: Any) -> None:
        if self._tagged_step == watch.current_step:
            return
        for t in tensors(output):
            node = t.grad_fn
            if node is not None:
                self._alive.append((watch.current_step, node.metadata))
                self._tagged_step = watch.current_step
                return

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if not getattr(watch, "in_step_end", False):
            return
        # graphs of earlier steps that are still alive: the current step's graph is still
        # legitimately held by the user's `loss`/`out` variables
        self._alive = [e for e in self._alive if _refs(e) > _OURS_ONLY]
        old = [s for s, _ in self._alive if s < step]
        if len(old) >= self.min_steps:
            watch.emit(
                "DC101", "",
                f"the autograd graphs of {len(old)} earlier steps (steps {old[0]}..{old[-1]}) are "
                f"still alive at step {step} and their number keeps growing: a tensor attached to "
                f"the graph is carried from step to step, so memory grows every step",
                "accumulate plain numbers: running_loss += loss.item() (or loss.detach()); store "
                "outputs/losses for logging with .detach(); see dllint rule DL101",
                {"alive_steps": old[-20:]},
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._alive.clear()
