"""DC102 gradient None, DC103 gradient exactly zero, DC402 exploding, DC403 vanishing.

Both checks work from one per-parameter L2-norm vector computed once per backward (one
``torch._foreach_norm`` call) and read once per step.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

from dlcheck.arguments import flag, integer, number
from dlcheck.checks._util import option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"


class GradFlow:
    """patience: checked steps in a row a gradient must be exactly zero before DC103 fires
    (zero-initialised layers, e.g. ResNet's zero_init_residual, give zero gradients upstream at
    the first step only)."""

    name = "grad_flow"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, patience: int = 3) -> None:
        self.patience = integer(_W, option(self.name, "patience"), patience, 1)
        self._norms: list[torch.Tensor] = []
        self._names: list[str] = []
        self._zero_runs: dict[str, int] = {}

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        for name in grads.none:
            watch.emit(
                "DC102", name,
                f"parameter {name!r} requires grad but its .grad is None after backward: "
                f"backpropagation never reached it",
                "look for .detach(), torch.no_grad(), .item()/.numpy()/.tolist() or a "
                "non-differentiable op (argmax, round, integer cast) on its path, or a module "
                "that forward never uses; freeze it with requires_grad_(False) if that is intended",
                {"parameter": name}, shared=watch.grads_synced,
            )
        self._norms, self._names = grads.norms, grads.names

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._norms:
            gather.add(self, self._norms)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values, names = read.get(self), self._names
        self._norms = []
        if not values or (0.0 not in values[0] and not self._zero_runs):  # a scan at C speed
            return
        for name, v in zip(names, values[0]):
            if v == 0.0:
                run = self._zero_runs.get(name, 0) + 1
                self._zero_runs[name] = run
                if run >= self.patience:
                    watch.emit(
                        "DC103", name,
                        f"gradient of {name!r} is exactly zero ({run} checked steps in a row): "
                        f"backprop reaches it but nothing flows (dead ReLUs or saturated "
                        f"sigmoid/tanh downstream, a multiplication by zero, or an unused "
                        f"parameter whose gradient zero_grad(set_to_none=False) keeps at zero)",
                        "check the layers after it for dead units (DC401) or saturation; make "
                        "sure the parameter is used in forward",
                        {"parameter": name, "steps_zero": run}, shared=watch.grads_synced,
                    )
            elif name in self._zero_runs:
                del self._zero_runs[name]

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._norms = []


class GradNorm:
    """Exploding: a parameter's gradient RMS (``||g||_2 / sqrt(n)``) ``factor`` times above its
    own running median over the last ``history`` checked steps (judged after ``min_history``),
    or infinite. dlcheck's choice: published tools only test for NaN/Inf (SageMaker Debugger's
    ExplodingTensor) or fixed absolute limits. A jump is judged only for a gradient at least
    ``min_share`` (1%) of the step's median gradient RMS over all parameters: the bias of a conv
    right before a batch norm has a gradient of rounding noise (~1e-8, five orders of magnitude
    below the weights'), whose ratio to its own median jumps by 100x without meaning anything.
    Vanishing: RMS below ``vanishing`` (1e-7, the mean-|g| threshold of SageMaker Debugger's
    VanishingGradient and of DeepDiagnosis; mean |g| <= RMS, so RMS < 1e-7 implies theirs fires
    too) for ``patience`` checked steps in a row. Each is told once, at the first step it
    happens, named after the worst parameter. Weight matrices and kernels only unless
    ``include_1d``: a bias right before a batch norm has a gradient of ~1e-10 by construction
    (the norm removes it), which is not a vanishing gradient."""

    name = "grad_norm"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, factor: float = 100.0, history: int = 50, min_history: int = 5,
                 vanishing: float = 1e-7, patience: int = 3, include_1d: bool = False,
                 min_share: float = 0.01) -> None:
        self.factor = number(_W, option(self.name, "factor"), factor, 1.0, low_open=True)
        self.min_share = number(_W, option(self.name, "min_share"), min_share, 0.0, 1.0)
        self.history = integer(_W, option(self.name, "history"), history, 1)
        self.min_history = integer(_W, option(self.name, "min_history"), min_history, 1)
        if min_history > history:
            raise ValueError(f"{_W}: {option(self.name, 'min_history')} must be at most "
                             f"{option(self.name, 'history')} ({history}), got {min_history}")
        self.vanishing = number(_W, option(self.name, "vanishing"), vanishing, 0.0)
        self.patience = integer(_W, option(self.name, "patience"), patience, 1)
        self.include_1d = flag(_W, option(self.name, "include_1d"), include_1d)
        self._norms: list[torch.Tensor] = []
        self._names: list[str] = []
        self._ndims: list[int] = []
        self._inv_sqrt_n: list[float] = []
        # The history lives on the host: the norms are read there once per step anyway (the
        # same read the other gradient checks share), and a few hundred floats cost less in
        # Python than five device ops per step.
        self._hist: list[list[float]] = []
        self._hist_names: list[str] = []
        self._filled = 0
        self._reference: list[float] | None = None
        self._small_runs: dict[str, int] = {}
        self._told: set[str] = set()  # "exploding", "vanishing": each told once

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        self._norms = grads.norms
        if self._names is not grads.names:
            self._names, self._ndims = grads.names, grads.ndims
            self._inv_sqrt_n = [n ** -0.5 for n in grads.numels]

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._norms:
            gather.add(self, self._norms)  # the same list as grad_flow's: read once

    def _reference_for(self, rms: list[float]) -> list[float] | None:
        """Each parameter's running median RMS (None until ``min_history`` steps are stored);
        stores this step's RMS in the history."""
        if self._hist_names is not self._names and self._hist_names != self._names:
            # the set of parameters with a gradient changed: start the history again
            self._hist, self._hist_names = [], self._names
            self._filled, self._reference = 0, None
        reference = None
        if self._filled >= self.min_history:
            # the median moves slowly: refresh it every few steps, not every step (a sort)
            if self._reference is None or self._filled % 5 == 0:
                self._reference = [_median(col) for col in zip(*self._hist)]
            reference = self._reference
        # a non-finite entry would poison the median: it is reported anyway, store 0 instead
        row = rms if all(map(math.isfinite, rms)) else [m if math.isfinite(m) else 0.0
                                                         for m in rms]
        if len(self._hist) < self.history:
            self._hist.append(row)
        else:
            self._hist[self._filled % self.history] = row
        self._filled += 1
        return reference

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values, names = read.get(self), self._names
        self._norms = []
        if not values:
            return
        # runs every step: scans at C speed first, a Python loop only over what they find
        rms_values = list(map(operator.mul, values[0], self._inv_sqrt_n))
        reference = self._reference_for(rms_values)
        if "exploding" not in self._told:
            exploding = self._exploding(rms_values, reference)
            if exploding:
                self._tell_exploding(watch, names, rms_values, reference, exploding)
        vanishing, ndims = self.vanishing, self._ndims
        small = [i for i, m in enumerate(rms_values) if 0.0 < m < vanishing
                 and (self.include_1d or ndims[i] > 1)]
        if small or self._small_runs:
            runs = {names[i]: self._small_runs.get(names[i], 0) + 1 for i in small}
            self._small_runs = runs  # a run ends at the first step above the threshold
            due = [i for i in small if runs[names[i]] >= self.patience]
            if due and "vanishing" not in self._told:
                self._tell_vanishing(watch, names, rms_values, runs, due)

    def _exploding(self, rms: list[float], reference: list[float] | None) -> list[int]:
        """Indices of the gradients that are infinite, or that jumped ``factor`` times above
        their running median while at least ``min_share`` of the step's median."""
        exploding = [i for i, m in enumerate(rms) if m == math.inf]
        if reference is not None:
            # a median of zero (a gradient that was mostly exactly zero) gives no scale to
            # compare with: DC103 speaks about those
            factor = self.factor
            jumped = [i for i, (m, r) in enumerate(zip(rms, reference))
                      if r > 0.0 and m > factor * r]
            if jumped:  # rare: only then is the step's median worth a sort
                finite = [m for m in rms if math.isfinite(m)]
                floor = self.min_share * _median(finite) if finite else 0.0
                exploding = sorted(set(exploding) | {i for i in jumped if rms[i] >= floor})
        return exploding

    # A diverging step makes many gradients jump at once (23 of PreActResNet18's parameters in
    # one step, in a run on public model code), and the steps after it jump again: one problem,
    # at the first such step, named after the worst parameter and listing the others. What
    # follows a divergence is its consequence.
    def _tell_exploding(self, watch: Any, names: list[str], rms: list[float],
                        reference: list[float] | None, idx: list[int]) -> None:
        def ratio(i: int) -> float | None:
            return rms[i] / reference[i] if reference is not None and reference[i] > 0.0 else None

        # the infinite ones first, then the largest jump
        worst = max(idx, key=lambda i: (math.isinf(rms[i]), ratio(i) or 0.0))
        name, m, r = names[worst], rms[worst], ratio(worst)
        why = "is infinite" if math.isinf(m) else f"is {r:.3g}x its running median"
        others = len(idx) - 1
        also = f"; {others} other parameter(s) jumped in the same step" if others else ""
        self._told.add("exploding")
        watch.emit(
            "DC402", name,
            f"exploding gradient: RMS of the gradient of {name!r} = {m:.3g} {why}{also}",
            "clip gradients (torch.nn.utils.clip_grad_norm_), lower the learning rate or "
            "add learning-rate warm-up; check for a loss spike or bad batch",
            {"parameter": name, "grad_rms": m, "ratio_to_median": r, "factor": self.factor,
             "parameters": [names[i] for i in idx][:20], "count": len(idx)},
            shared=watch.grads_synced,
        )

    def _tell_vanishing(self, watch: Any, names: list[str], rms: list[float],
                        runs: dict[str, int], idx: list[int]) -> None:
        worst = min(idx, key=lambda i: rms[i])
        name, m, run = names[worst], rms[worst], runs[names[worst]]
        others = len(idx) - 1
        also = f"; {others} other parameter(s) too" if others else ""
        self._told.add("vanishing")
        watch.emit(
            "DC403", name,
            f"vanishing gradient: RMS of the gradient of {name!r} = {m:.3g} < "
            f"{self.vanishing:g} for {run} checked steps in a row{also}",
            "use a suitable initialisation (He for ReLU, Xavier for tanh), add "
            "normalisation layers or residual connections, avoid saturating "
            "activations (sigmoid/tanh) in deep stacks",
            {"parameter": name, "grad_rms": m, "threshold": self.vanishing,
             "parameters": [names[i] for i in idx][:20], "count": len(idx)},
            shared=watch.grads_synced,
        )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._norms = []
        self._hist, self._reference = [], None


def _median(values: tuple[float, ...]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
