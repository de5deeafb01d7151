"""Per-layer time series over the checked steps: what the HTML report and TensorBoard draw.

For each layer (a module that owns parameters, or a ReLU-family activation) and each recorded
step: the gradient's L2 norm, the update-to-weight ratio ``||w_after - w_before|| / ||w_after||``
of the optimizer step, the fraction of units never positive in the step's forward passes
(ReLU family), and the range (min, max) of the layer's output; plus the step's loss when a
``torch.nn.functional`` loss (or ``w.step(loss)``) was seen.

Cost and memory are bounded by ``max_points``: the steps recorded are every ``stride``-th checked
step, and when ``max_points`` steps are stored every other one is dropped and the stride doubles.
Over T checked steps about ``max_points / 2 * log2(T / max_points)`` steps are recorded, so the
cost per step tends to nothing, and memory is ``max_points`` floats per layer and series.
On a step that is not recorded the forward hook returns after one comparison.

Opt-in (``dlcheck.watch(..., history=True)``), not a default check: a recorded step copies the
parameters once (the update needs the weights before the optimizer step, which doubles the
parameters' memory for the duration of that step) and reduces every layer's output once, and a
watcher that hooks every layer is measurably slower on unrecorded steps than one that hooks only
the ReLUs. Values are read through the watcher's one gather per step; nothing is read to the host
in forward or backward. Under DDP each rank records its own values (no collective).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from dlcheck.arguments import integer
from dlcheck.checks._util import compiling, is_float
from dlcheck.checks.dead_units import RELU_FAMILY
from dlcheck.hookspecs import hookimpl

# the series of a layer, in the order the report draws them
SERIES = ("grad_norm", "update_ratio", "dead_fraction", "act_min", "act_max")
DEFAULT_MAX_POINTS = 256
_W = "dlcheck.watch"


def _owns_parameters(module: nn.Module) -> bool:
    return next(module.parameters(recurse=False), None) is not None


def _layer_of(parameter_name: str) -> str:
    return parameter_name.rpartition(".")[0]


def _root_sum_squares(values: list[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in values))


class History:
    """A plugin (``dlcheck.watch(..., history=True)`` registers one; ``plugins=[History()]``
    works too). ``max_points``: the most steps kept (at least 2)."""

    name = "history"

    def __init__(self, max_points: int = DEFAULT_MAX_POINTS) -> None:
        self.max_points = integer(_W, "history", max_points, 2)
        self.stride = 1  # in checked steps
        self.steps: list[int] = []
        self.layers: dict[str, dict[str, list[float | None]]] = {}
        self.loss: list[float | None] = []
        self._order: list[str] = []  # layers in the order of their first appearance
        self._module_order: dict[str, int] = {}  # module names in the model's order
        self._recording_step = -1
        self._recording = False
        # per recorded step, device tensors waiting for the gather
        self._ranges: dict[str, list[torch.Tensor]] = {}
        self._peaks: dict[str, torch.Tensor] = {}
        self._loss: torch.Tensor | None = None
        self._grad_names: list[str] = []
        self._grad_norms: list[torch.Tensor] = []
        self._params: list[torch.Tensor] = []
        self._before: list[torch.Tensor] = []
        self._parts: list[tuple[str, Any]] = []  # (what, extra) per gathered part, in order
        self._params_by_name: dict[str, nn.Parameter] | None = None

    # ---------------------------------------------------------------- which steps
    @staticmethod
    def module_filter(module: nn.Module) -> bool:
        return isinstance(module, RELU_FAMILY) or _owns_parameters(module)

    def _recorded(self, watch: Any) -> bool:
        step = watch.current_step
        if step != self._recording_step:
            self._recording_step = step
            self._recording = (step // watch.every) % self.stride == 0
        return self._recording

    # ---------------------------------------------------------------- hooks
    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        # names only, no reference to a module: the layers are listed in the model's order
        self._module_order = {name: i for i, (name, _) in enumerate(model.named_modules())}

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple,
                        output: Any) -> None:
        if not self._recorded(watch) or compiling() or not isinstance(output, torch.Tensor):
            return
        if not is_float(output) or output.is_complex() or output.numel() == 0:
            return
        if not torch.is_grad_enabled():
            return  # evaluation passes are not training's activations
        out = output.detach() if output.requires_grad else output
        lo, hi = torch.aminmax(out)
        self._ranges.setdefault(name, []).extend((lo, hi))
        if isinstance(module, RELU_FAMILY) and out.dim() >= 2:
            ndim = out.dim()
            unit = ndim - 1 if ndim in (2, 3) else 1
            peak = out.amax(dim=tuple(i for i in range(ndim) if i != unit))
            kept = self._peaks.get(name)
            if kept is None or kept.shape != peak.shape:
                self._peaks[name] = peak
            else:
                self._peaks[name] = torch.maximum(kept, peak)

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if (self._recorded(watch) and isinstance(loss, torch.Tensor) and loss.dim() == 0
                and is_float(loss) and not loss.is_complex()):
            self._loss = loss.detach()

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        if not self._recorded(watch):
            return
        self._grad_names, self._grad_norms = grads.names, grads.norms
        # the weights before the optimizer step: the update is their difference after it
        by_name = self._params_by_name
        if by_name is None or any(n not in by_name for n in grads.names):
            # first use, or a parameter registered since: look the names up again
            model = watch.model
            by_name = self._params_by_name = (dict(model.named_parameters())
                                              if model is not None else {})
        params = [by_name[n] for n in grads.names if n in by_name]
        if len(params) != len(grads.names):
            self._params, self._before = [], []
            return
        with torch.no_grad():
            self._params = [p.detach() for p in params]
            self._before = _copy(self._params)

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        self._parts = []
        if not getattr(watch, "in_step_end", False) or not self._recorded(watch):
            return  # report() flushing mid-step: not a step
        if self._grad_norms:
            gather.add(self, self._grad_norms)
            self._parts.append(("grad", list(self._grad_names)))
            if self._before:
                with torch.no_grad():
                    update = _norms(_subtract(self._params, self._before))
                    weight = _norms(self._params)
                gather.add(self, update)
                gather.add(self, weight)
                self._parts.append(("update", list(self._grad_names)))
                self._parts.append(("weight", None))
        for name, peak in self._peaks.items():
            gather.add(self, [(peak > 0).sum(dtype=torch.float32)])
            self._parts.append(("alive", (name, peak.numel())))
        for name, ranges in self._ranges.items():
            gather.add(self, ranges)
            self._parts.append(("range", name))
        if self._loss is not None:
            gather.add(self, [self._loss])
            self._parts.append(("loss", None))

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if not getattr(watch, "in_step_end", False):
            return  # report() flushed mid-step: the step goes on, and so does what it gathered
        parts, values = self._parts, read.get(self)
        self._clear()
        if not parts or len(values) != len(parts):
            return
        row: dict[str, dict[str, float]] = {}
        loss: float | None = None
        updates: dict[str, float] = {}
        for (what, extra), got in zip(parts, values):
            if what == "grad":
                by_layer: dict[str, list[float]] = {}
                for pname, v in zip(extra, got):
                    by_layer.setdefault(_layer_of(pname), []).append(v)
                for layer, norms in by_layer.items():
                    row.setdefault(layer, {})["grad_norm"] = _root_sum_squares(norms)
            elif what == "update":
                updates = {"names": extra, "values": got}  # type: ignore[dict-item]
            elif what == "weight":
                upd: dict[str, list[float]] = {}
                wei: dict[str, list[float]] = {}
                for pname, u, w in zip(updates["names"], updates["values"], got):  # type: ignore
                    layer = _layer_of(pname)
                    upd.setdefault(layer, []).append(u)
                    wei.setdefault(layer, []).append(w)
                for layer in upd:
                    u, w = _root_sum_squares(upd[layer]), _root_sum_squares(wei[layer])
                    row.setdefault(layer, {})["update_ratio"] = u / w if w > 0 else (
                        0.0 if u == 0 else math.inf)
            elif what == "alive":
                name, units = extra
                row.setdefault(name, {})["dead_fraction"] = 1.0 - got[0] / units
            elif what == "range":
                row.setdefault(extra, {}).update(act_min=min(got[0::2]), act_max=max(got[1::2]))
            elif what == "loss":
                loss = got[0]
        self._append(step, row, loss)

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._clear()
        self._params_by_name = None

    def _clear(self) -> None:
        self._ranges, self._peaks, self._loss = {}, {}, None
        self._grad_norms, self._params, self._before, self._parts = [], [], [], []

    # ---------------------------------------------------------------- storage
    def _append(self, step: int, row: dict[str, dict[str, float]], loss: float | None) -> None:
        n = len(self.steps)
        for layer in row:
            if layer not in self.layers:
                self.layers[layer] = {}
                self._order.append(layer)
        for layer, series in self.layers.items():
            values = row.get(layer, {})
            for key in values:
                if key not in series:
                    series[key] = [None] * n
            for key, column in series.items():
                column.append(values.get(key))
        self.steps.append(step)
        self.loss.append(loss)
        if len(self.steps) >= self.max_points:
            # keep the steps that the doubled stride would have recorded: every other one
            self.steps = self.steps[::2]
            self.loss = self.loss[::2]
            for series in self.layers.values():
                for key in series:
                    series[key] = series[key][::2]
            self.stride *= 2

    def to_dict(self) -> dict[str, Any]:
        """A plain copy: ``steps`` (the step numbers recorded), ``stride`` (recorded every
        ``stride`` checked steps now), ``loss`` (per step, None where no loss was seen) and
        ``layers``: layer name -> series name -> one value (or None) per step. Series: see
        ``SERIES``; a layer has only the series that apply to it."""
        layers = {}
        last = len(self._module_order)
        ordered = sorted(self._order, key=lambda n: self._module_order.get(n, last))
        for layer in ordered:
            series = self.layers[layer]
            layers[layer] = {key: list(series[key]) for key in SERIES if key in series}
        has_loss = any(v is not None for v in self.loss)
        return {"steps": list(self.steps), "stride": self.stride, "max_points": self.max_points,
                "loss": list(self.loss) if has_loss else [], "layers": layers}


def _copy(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    try:
        return list(torch._foreach_mul(tensors, 1.0))
    except (RuntimeError, TypeError):  # mixed devices or dtypes the foreach kernels refuse
        return [t.clone() for t in tensors]


def _subtract(a: list[torch.Tensor], b: list[torch.Tensor]) -> list[torch.Tensor]:
    try:
        return list(torch._foreach_sub(a, b))
    except (RuntimeError, TypeError):
        return [x - y for x, y in zip(a, b)]


def _norms(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    try:
        return list(torch._foreach_norm(tensors))
    except (RuntimeError, TypeError):
        return [torch.linalg.vector_norm(t) for t in tensors]


def find(watch: Any) -> History | None:
    """The watcher's History plugin, if it has one."""
    for plugin in watch._pm.get_plugins():
        if isinstance(plugin, History):
            return plugin
    return None
