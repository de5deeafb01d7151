"""DC604: inputs far from standardised at the first Linear/Conv layers that take data.

The default initialisations (Kaiming-uniform in ``nn.Linear``/``nn.Conv*``, He, Xavier) choose the
weights' scale so that a layer fed inputs of mean 0 and variance 1 passes signals on at a
constant scale. Raw pixels (0..255), prices or timestamps make the first pre-activations tens
to thousands of times too large: saturated tanh/sigmoid units, dead ReLUs, huge first-layer
gradients and a learning rate that suits no layer.

Looked at: the Linear/Conv layers whose input does not require grad (data, possibly transformed
by code without parameters; not the output of a learned layer), during training forwards of the
first ``batches`` checked steps. Per feature (the last dimension for Linear, the channel for
Conv): sums of x and x**2 and the count of non-zero values, accumulated on the device and read
once, with the step's one read, at the last of those steps. Nothing is computed after that.
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
_LAYERS = (nn.Linear, nn.modules.conv._ConvNd)
_MAX_LAYERS = 4


class InputScale:
    """batches: checked steps looked at. high: a feature whose root mean square exceeds this is
    far from standardised. low: dense inputs whose overall root mean square is below this are
    too (e.g. pixels divided by 255 twice)."""

    name = "input_scale"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, batches: int = 3, high: float = 10.0, low: float = 0.01) -> None:
        self.batches = integer(_W, option(self.name, "batches"), batches, 1)
        self.high = number(_W, option(self.name, "high"), high, 0.0, low_open=True)
        self.low = number(_W, option(self.name, "low"), low, 0.0)
        self._done = False
        self._steps = 0
        self._names: list[str] = []
        self._fixed = False  # the layers are chosen in the first step that has any
        # name -> [sum x, sum x**2, non-zero count] per feature (device), values per feature,
        # module type
        self._acc: dict[str, list[Any]] = {}

    @staticmethod
    def module_filter(module: nn.Module) -> bool:
        return isinstance(module, _LAYERS)

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        if self._done or not inputs or compiling() or not module.training \
                or not torch.is_grad_enabled():
            return
        x = inputs[0]
        if not isinstance(x, torch.Tensor) or x.requires_grad or not x.is_floating_point() \
                or x.numel() == 0:
            return
        if name not in self._acc:
            if self._fixed or len(self._acc) >= _MAX_LAYERS:
                return
            self._names.append(name)
        conv = isinstance(module, nn.modules.conv._ConvNd)
        if conv:
            # (N, C, ...) or unbatched (C, ...)
            # batched when the input has the weight's rank (a lazy module's weight has none)
            unit = 1 if x.dim() == len(module.kernel_size) + 2 else 0
        else:
            unit = x.dim() - 1
        dims = tuple(i for i in range(x.dim()) if i != unit)
        xf = x.detach() if x.dtype is torch.float32 else x.detach().to(torch.float32)
        parts = [xf.sum(dims), (xf * xf).sum(dims), (xf != 0).sum(dims, dtype=torch.float32)]
        count = x.numel() // max(x.shape[unit], 1)
        acc = self._acc.get(name)
        if acc is None or acc[0][0].shape != parts[0].shape:
            self._acc[name] = [parts, count, type(module).__name__]
        else:
            acc[0] = [a + b for a, b in zip(acc[0], parts)]
            acc[1] += count

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._acc and not self._done and self._steps + 1 >= self.batches:
            for name in self._names:
                for part in self._acc[name][0]:
                    gather.add(self, part)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if self._done or not getattr(watch, "in_step_end", False):
            return
        if self._acc:
            self._fixed = True
            self._steps += 1
        values = read.get(self)
        if not values:
            return
        for i, name in enumerate(self._names):
            sums, squares, nonzero = values[3 * i:3 * i + 3]
            _, count, kind = self._acc[name]
            self._judge(watch, name, kind, sums, squares, nonzero, count)
        self._done = True
        self._acc.clear()

    def _judge(self, watch: Any, name: str, kind: str, sums: list[float], squares: list[float],
               nonzero: list[float], count: int) -> None:
        if count <= 0 or not sums:
            return
        mean = [s / count for s in sums]
        rms = [math.sqrt(max(q / count, 0.0)) for q in squares]
        std = [math.sqrt(max(r * r - m * m, 0.0)) for r, m in zip(rms, mean)]
        units = "channel" if kind.startswith("Conv") else "feature"
        large = [i for i, r in enumerate(rms) if r > self.high and math.isfinite(r)]
        if large:
            worst = max(large, key=lambda i: rms[i])
            watch.emit(
                "DC604", name,
                f"inputs to {name!r} ({kind}) are far from standardised: {len(large)} of "
                f"{len(rms)} input {units}s have a root mean square above {self.high:g} "
                f"({units} {worst}: mean {mean[worst]:.4g}, std {std[worst]:.4g}); the "
                f"layer's initialisation assumes mean 0 and variance 1, so its outputs and "
                f"gradients start about {rms[worst]:.3g}x too large",
                "standardise the inputs with the training set's statistics: "
                "x = (x - mean) / std per feature (transforms.Normalize(mean, std) for images, "
                "after scaling pixels 0..255 to 0..1; StandardScaler fitted on the training "
                "split for tables); log-transform counts and prices",
                {"features": len(rms), "large": len(large), "indices": large[:20],
                 "worst_mean": mean[worst], "worst_std": std[worst], "threshold": self.high},
            )
            return
        total = sum(squares)
        dense = sum(nonzero) > 0.5 * count * len(rms)
        overall = math.sqrt(total / (count * len(rms)))
        if dense and 0.0 < overall < self.low:
            watch.emit(
                "DC604", name,
                f"inputs to {name!r} ({kind}) are far from standardised: their overall root "
                f"mean square is {overall:.3g} (below {self.low:g}); the layer's "
                f"initialisation assumes variance 1, so its outputs start about "
                f"{1 / overall:.3g}x too small",
                "standardise the inputs: x = (x - mean) / std per feature with the training "
                "set's statistics (look for a scaling applied twice, e.g. /255 in the data set "
                "and again in the model)",
                {"features": len(rms), "rms": overall, "threshold": self.low},
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._acc.clear()
