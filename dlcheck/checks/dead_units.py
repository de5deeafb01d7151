"""DC401: ReLU-family layers where most units (channels or features) never fire.

Per forward: the per-unit maximum over every non-unit dimension (one small device op, no host
read). The maxima of up to ``_FOLD`` passes are kept and folded together in one op into a
running maximum (the default, "never positive") or into a per-unit count of the forward passes
in which the unit was positive (``min_active`` > 0); the state is read (and all-reduced under
DDP) once per window.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from dlcheck.arguments import integer, number
from dlcheck.checks._util import compiling, option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"

# maxima kept per layer before they are folded: one fold op per this many passes instead of one
# per pass (each op costs several microseconds inside a training step); memory: this many
# vectors of one float per unit
_FOLD = 16

RELU_FAMILY = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU,
               nn.SiLU)


class DeadUnits:
    """threshold: fraction of dead units above which a layer is reported (DeepDiagnosis and
    AutoTrainer: 0.7; SageMaker Debugger's DeadRelu: 0.5). min_active: a unit is dead when it was
    positive in at most this fraction of the forward passes (0: never; SageMaker: 0.01).
    window: number of checked steps the counters cover."""

    name = "dead_units"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, threshold: float = 0.7, window: int = 10, min_active: float = 0.0,
                 unit_dim: int | None = None) -> None:
        self.threshold = number(_W, option(self.name, "threshold"), threshold, 0.0, 1.0)
        self.window = integer(_W, option(self.name, "window"), window, 1)
        self.min_active = number(_W, option(self.name, "min_active"), min_active, 0.0, 1.0)
        if unit_dim is not None:
            integer(_W, option(self.name, "unit_dim"), unit_dim, -64)
        self.unit_dim = unit_dim
        # per (module, units): the folded running per-unit maximum, or with min_active > 0 the
        # per-unit count of passes in which the unit was positive; and the per-pass maxima not
        # folded yet
        self._state: dict[tuple[str, int], torch.Tensor] = {}
        self._peaks: dict[tuple[str, int], list[torch.Tensor]] = {}
        self._passes: dict[tuple[str, int], int] = {}
        self._steps = 0
        self._dims: dict[int, tuple[int, ...]] = {}  # reduced dimensions, per output rank
        self._traced: dict[tuple[str, int], torch.Tensor] = {}  # see dlcheck_forward

    @staticmethod
    def module_filter(module: nn.Module) -> bool:
        return isinstance(module, RELU_FAMILY)

    def _unit_dim(self, ndim: int) -> int:
        if self.unit_dim is not None:
            return self.unit_dim % ndim
        # (N, F) features; (N, C, H, W[, D]) channels; (B, T, D) sequences: the last dimension
        return ndim - 1 if ndim in (2, 3) else 1

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if not isinstance(output, torch.Tensor) or output.dim() < 2:
            return
        ndim = output.dim()
        if compiling():
            # Traced by Dynamo: every container this reads becomes a guard, so a list that grows
            # from pass to pass would recompile the model at each step. Keep the first pass of
            # each step in a dict emptied at the end of the step (the same guards every step)
            # and fold it in eagerly there.
            d = self._unit_dim(ndim)
            peak = output.detach().amax(dim=tuple(i for i in range(ndim) if i != d))
            key = (name, peak.numel())
            if key not in self._traced:
                self._traced[key] = peak
            return
        dims = self._dims.get(ndim)
        if dims is None:
            d = self._unit_dim(ndim)
            dims = self._dims[ndim] = tuple(i for i in range(ndim) if i != d)
        peak = (output.detach() if output.requires_grad else output).amax(dim=dims)
        self._add((name, peak.numel()), peak)

    def _add(self, key: tuple[str, int], peak: torch.Tensor) -> None:
        peaks = self._peaks.get(key)
        if peaks is None:
            peaks = self._peaks[key] = []
            self._passes[key] = 0
        peaks.append(peak)
        self._passes[key] += 1
        if len(peaks) >= _FOLD:
            self._fold(key)

    def _drain(self) -> None:
        """Take in the maxima kept by the compiled passes of this step."""
        if self._traced:
            for key, peak in self._traced.items():
                self._add(key, peak)
            self._traced.clear()  # the same dict: Dynamo's guards on it stay valid

    def _fold(self, key: tuple[str, int]) -> torch.Tensor | None:
        """Fold the kept per-pass maxima into the layer's state; return the state."""
        peaks, state = self._peaks.get(key), self._state.get(key)
        if peaks:
            stacked = torch.stack(peaks) if len(peaks) > 1 else peaks[0].unsqueeze(0)
            if self.min_active:
                part = (stacked > 0).sum(0, dtype=torch.float32)
                state = part if state is None else state + part
            else:
                part = stacked.amax(0)
                if part.dtype != torch.float32:
                    part = part.to(torch.float32)
                state = part if state is None else torch.maximum(state, part)  # NaN: not alive
            self._state[key] = state
            peaks.clear()
        return state

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        self._drain()
        if self._passes and self._steps + 1 >= self.window:
            keys = sorted(self._passes)
            for key in keys:
                gather.add(self, self._alive_counts(key), reduce="sum")
            # the forward passes per layer, summed over ranks too
            gather.add(self, torch.tensor([float(self._passes[k]) for k in keys],
                                          device=self._state[keys[0]].device), reduce="sum")

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if getattr(watch, "in_step_end", False):
            self._steps += 1  # report() flushes mid-step: that is not a step
        values = read.get(self)
        if not values:
            return
        keys = sorted(self._passes)
        passes = values[len(keys)]
        for i, key in enumerate(keys):
            self._judge(watch, key, values[i], passes[i], self._steps,
                        shared=getattr(watch, "in_step_end", False))
        self._state.clear()
        self._peaks.clear()
        self._passes.clear()
        self._steps = 0

    @hookimpl
    def dlcheck_report(self, watch: Any) -> None:
        # a run shorter than one window still deserves an answer
        self._drain()
        for key in sorted(self._passes):
            self._judge(watch, key, self._alive_counts(key).tolist(), float(self._passes[key]),
                        max(self._steps, 1), shared=False)

    def _alive_counts(self, key: tuple[str, int]) -> torch.Tensor:
        """Per unit, the forward passes in which it was positive; with the running maximum,
        1 for a unit positive at least once (summed over ranks: alive on any rank)."""
        state = self._fold(key)  # never None: a layer is in _passes after its first pass
        return state if self.min_active else (state > 0).to(torch.float32)  # type: ignore

    def _judge(self, watch: Any, key: tuple[str, int], counts: list[float], passes: float,
               steps: int, shared: bool) -> None:
        # shared: the counts were summed over ranks (a real end of step), so every rank judges
        # the same numbers and rank 0 alone tells
        name, units = key
        if passes <= 0 or units == 0:
            return
        limit = self.min_active * passes
        dead = sum(1 for c in counts if c <= limit)
        frac = dead / units
        if frac > self.threshold and not math.isclose(frac, self.threshold):
            never = "never positive" if self.min_active == 0 else (
                f"positive in at most {self.min_active:.0%} of the forward passes")
            watch.emit(
                "DC401", name,
                f"{frac:.0%} of the {units} units of {name!r} were {never} over {steps} step(s) "
                f"({int(passes)} forward pass(es)); threshold {self.threshold:.0%}",
                "dead ReLUs stop learning: lower the learning rate or add warm-up, use He "
                "(kaiming) initialisation and normalised inputs, avoid large negative biases, or "
                "use LeakyReLU/GELU",
                {"dead_fraction": frac, "dead_units": dead, "units": units,
                 "forward_passes": int(passes), "steps": steps, "threshold": self.threshold},
                shared=shared,
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._traced.clear()
        self._state.clear()
        self._peaks.clear()
        self._passes.clear()
