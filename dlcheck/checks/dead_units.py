"""DC401: ReLU-family layers where most units (channels or features) never fire.

Per forward: the per-unit maximum over every non-unit dimension, folded into a running maximum
(the default, "never positive") or into a per-unit counter of the forward passes in which the unit
was positive (``min_active`` > 0). Two or three small device ops, no host read; the state is read
(and all-reduced under DDP) once per window.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from dlcheck.hookspecs import hookimpl

RELU_FAMILY = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU,
               nn.SiLU)


class DeadUnits:
    """threshold: fraction of dead units above which a layer is reported (DeepDiagnosis and
    AutoTrainer: 0.7; SageMaker Debugger's DeadRelu: 0.5). min_active: a unit is dead when it was
    positive in at most this fraction of the forward passes (0: never; SageMaker: 0.01).
    window: number of checked steps the counters cover."""

    name = "dead_units"

    def __init__(self, threshold: float = 0.7, window: int = 10, min_active: float = 0.0,
                 unit_dim: int | None = None) -> None:
        self.threshold = threshold
        self.window = window
        self.min_active = min_active
        self.unit_dim = unit_dim
        # per (module, units): the running per-unit maximum, or with min_active > 0 the
        # per-unit count of passes in which the unit was positive
        self._state: dict[tuple[str, int], torch.Tensor] = {}
        self._passes: dict[tuple[str, int], int] = {}
        self._steps = 0
        self._dims: dict[int, tuple[int, ...]] = {}  # reduced dimensions, per output rank

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
        dims = self._dims.get(ndim)
        if dims is None:
            d = self._unit_dim(ndim)
            dims = self._dims[ndim] = tuple(i for i in range(ndim) if i != d)
        peak = (output.detach() if output.requires_grad else output).amax(dim=dims)
        key = (name, peak.numel())
        state = self._state.get(key)
        if state is None:
            # a normal tensor even when the first forward runs under inference_mode, or later
            # in-place updates outside it would fail
            with torch.inference_mode(False):
                state = self._state[key] = (
                    torch.zeros(peak.numel(), device=peak.device) if self.min_active else
                    torch.full((peak.numel(),), -math.inf, device=peak.device))
            self._passes[key] = 0
        if self.min_active:
            state.add_(peak > 0)
        else:
            if peak.dtype != torch.float32:
                peak = peak.to(torch.float32)
            torch.maximum(state, peak, out=state)  # NaN stays NaN: not alive
        self._passes[key] += 1

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._state and self._steps + 1 >= self.window:
            for key in sorted(self._state):
                gather.add(self, self._alive_counts(key), reduce="sum")
                gather.add(self, torch.tensor([float(self._passes[key])],
                                              device=self._state[key].device), reduce="sum")

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if getattr(watch, "in_step_end", False):
            self._steps += 1  # report() flushes mid-step: that is not a step
        values = read.get(self)
        if not values:
            return
        keys = sorted(self._state)
        for i, key in enumerate(keys):
            self._judge(watch, key, values[2 * i], values[2 * i + 1][0], self._steps)
        self._state.clear()
        self._passes.clear()
        self._steps = 0

    @hookimpl
    def dlcheck_report(self, watch: Any) -> None:
        # a run shorter than one window still deserves an answer
        for key in sorted(self._state):
            self._judge(watch, key, self._alive_counts(key).tolist(), float(self._passes[key]),
                        max(self._steps, 1))

    def _alive_counts(self, key: tuple[str, int]) -> torch.Tensor:
        """Per unit, the forward passes in which it was positive; with the running maximum,
        1 for a unit positive at least once (summed over ranks: alive on any rank)."""
        state = self._state[key]
        return state if self.min_active else (state > 0).to(torch.float32)

    def _judge(self, watch: Any, key: tuple[str, int], counts: list[float], passes: float,
               steps: int) -> None:
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
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._state.clear()
        self._passes.clear()
