"""DC101: an autograd graph that outlives its step and keeps growing (``running_loss += loss``,
``losses.append(loss)``): the runtime face of DL101.

Autograd nodes cannot be weak-referenced, but each owns a ``metadata`` dict: we put a tiny
sentinel object in the metadata of each checked step's output node and keep only a weak
reference to it. When the graph is freed, the sentinel dies with it. Nothing runs during
backward (a hook on the node would be called there), and the same holds on CPU and CUDA.
"""

from __future__ import annotations

import weakref
from typing import Any

from dlcheck.checks._util import tensors
from dlcheck.hookspecs import hookimpl


class _Sentinel:
    __slots__ = ("__weakref__",)


_KEY = "dlcheck.graph_sentinel"  # our entry in the node's metadata, shared with nobody


class GraphRetained:
    """min_steps: how many graphs of earlier steps must be alive at once before DC101 fires (a
    single retained step, e.g. ``last_loss = loss``, is not a leak)."""

    name = "graph"

    def __init__(self, min_steps: int = 3) -> None:
        self.min_steps = min_steps
        self._root_id: int | None = None
        self._alive: list[tuple[int, weakref.ref]] = []
        self._tagged_step: int | None = None

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        return id(module) == self._root_id

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if self._tagged_step == watch.current_step:
            return
        for t in tensors(output):
            node = t.grad_fn
            if node is not None:
                sentinel = _Sentinel()
                node.metadata[_KEY] = sentinel
                self._alive.append((watch.current_step, weakref.ref(sentinel)))
                self._tagged_step = watch.current_step
                return

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if not getattr(watch, "in_step_end", False):
            return
        # graphs of earlier steps that are still alive: the current step's graph is still
        # legitimately held by the user's `loss`/`out` variables
        self._alive = [(s, r) for s, r in self._alive if r() is not None]
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
