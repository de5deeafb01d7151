"""DC501 trainable parameter in no optimizer, DC502 frozen parameter the optimizer still moves,
DC503 an optimizer step that changed nothing.

Coverage (``optimizer_coverage``) is Python only: the parameters of every optimizer that
stepped during the first steps (seen through torch's global optimizer step pre-hook, so that a
model trained by two optimizers, e.g. SparseAdam for embeddings and Adam for the rest, is
covered) against the model's parameters. Judged once, after ``settle`` steps, and again only
when the number of param groups or the set of trainable parameters changes.

The step's effect (``optimizer_step``) compares a fixed sample of a few parameters' elements
before the optimizer step (the step pre-hook, where the watcher hands over the gradients) and
after it (the step post-hook, where the watcher gathers): two copies of at most 32 values, one
comparison, on every ``interval``-th checked step and on the steps right after one that changed
nothing.
"""

from __future__ import annotations

import math
import weakref
from typing import Any, Callable

import torch
import torch.optim.optimizer as torch_optimizer

from dlcheck.arguments import flag, integer
from dlcheck.checks._util import option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"


def _nothing() -> None:
    return None


def _groups(opt: Any) -> list[dict]:
    groups = getattr(opt, "param_groups", None)
    return groups if isinstance(groups, list) else []


def _describe(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


class OptimizerCoverage:
    """settle: steps to wait before judging, so that every optimizer of the model has stepped
    once. strict: also report a frozen parameter in an optimizer that would not move it (no
    gradient): by default only the ones it still moves are reported."""

    name = "optimizer_coverage"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, settle: int = 2, strict: bool = False) -> None:
        self.settle = integer(_W, option(self.name, "settle"), settle, 1)
        self.strict = flag(_W, option(self.name, "strict"), strict)
        self._seen: "weakref.WeakSet[Any]" = weakref.WeakSet()
        self._last: Callable[[], Any] = _nothing  # a weak reference to the last one seen
        self._handle: Any = None
        self._steps = 0
        self._signature: Any = None
        self._layout: Any = None

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        # every optimizer that steps, not only the one given to the watcher; removed at detach
        self._handle = torch_optimizer.register_optimizer_step_pre_hook(self._on_any_step)

    def _on_any_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        # runs inside every optimizer.step() of the process: it must never raise there. The
        # WeakSet's membership test is a Python call: the last optimizer seen is compared first
        if optimizer is self._last():
            return
        try:
            if optimizer not in self._seen:
                self._seen.add(optimizer)
            self._last = weakref.ref(optimizer)
        except TypeError:  # an optimizer that cannot be weakly referenced: not followed
            pass

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        self._layout = grads.names  # a new list when the set of trainable parameters changes

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if not getattr(watch, "in_step_end", False):
            return
        self._steps += 1
        if self._steps < self.settle:
            return
        optimizers = list(self._seen)
        if watch.optimizer is not None and watch.optimizer not in self._seen:
            optimizers.append(watch.optimizer)
        if not optimizers:
            return  # parameters updated by hand: nothing to compare with
        signature = (len(optimizers), sum(len(_groups(o)) for o in optimizers), id(self._layout))
        if signature == self._signature:
            return
        self._signature = signature
        self._judge(watch, optimizers)

    def _judge(self, watch: Any, optimizers: list[Any]) -> None:
        model = watch.model
        if model is None:
            return
        held: set[int] = set()
        for opt in optimizers:
            for group in _groups(opt):
                for p in group.get("params", ()):
                    held.add(id(p))
        if not held:
            return  # an optimizer wrapper without param_groups: no facts
        missing, frozen = [], []
        for name, p in model.named_parameters():
            if p.requires_grad and id(p) not in held:
                missing.append(name)
            elif not p.requires_grad and id(p) in held and (self.strict or p.grad is not None):
                frozen.append(name)
        kinds = sorted({type(o).__name__ for o in optimizers})
        if missing:
            share = f"{len(missing)} of {sum(1 for p in model.parameters() if p.requires_grad)}"
            watch.emit(
                "DC501", missing[0],
                f"{share} trainable parameter(s) are in no param group of the optimizer(s) that "
                f"step ({', '.join(kinds)}): {_describe(missing)}; they get gradients but are "
                f"never updated",
                "build the optimizer from model.parameters() after the model is complete (a "
                "layer added or replaced after the optimizer was made is not in it), or "
                "optimizer.add_param_group({'params': ...}); freeze them with "
                "requires_grad_(False) if they are not meant to train",
                {"parameters": missing[:20], "count": len(missing), "optimizers": kinds},
            )
        if frozen:
            moved = "" if self.strict else (
                " and still have a .grad, so the optimizer keeps moving them (the stale "
                "gradient, momentum and weight decay)")
            watch.emit(
                "DC502", frozen[0],
                f"{len(frozen)} frozen parameter(s) (requires_grad=False) are in an optimizer's "
                f"param groups{moved}: {_describe(frozen)}",
                "set their .grad to None when freezing (p.grad = None, or "
                "optimizer.zero_grad(set_to_none=True)), or build the optimizer from "
                "[p for p in model.parameters() if p.requires_grad]",
                {"parameters": frozen[:20], "count": len(frozen)},
            )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        self._seen = weakref.WeakSet()
        self._last = _nothing
        self._layout = None


class OptimizerStep:
    """interval: look at every interval-th checked step (and at each step after one that changed
    nothing). patience: steps in a row with non-zero gradients and no change before DC503.
    Needs the optimizer given to the watcher (its step hooks bracket the step)."""

    name = "optimizer_step"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, interval: int = 5, patience: int = 3, samples: int = 32) -> None:
        self.interval = integer(_W, option(self.name, "interval"), interval, 1)
        self.patience = integer(_W, option(self.name, "patience"), patience, 1)
        self.samples = integer(_W, option(self.name, "samples"), samples, 1)
        self._count = 0
        self._run = 0
        self._chosen: list[tuple[str, Any, int, int]] | None = None  # name, weak param, stride, n
        self._chosen_for: Any = None
        self._foreign = False
        self._before: torch.Tensor | None = None
        self._norms: list[torch.Tensor] = []
        self._params: list[Any] = []

    def _choose(self, watch: Any, grads: Any) -> None:
        model, opt = watch.model, watch.optimizer
        held = {id(p) for g in _groups(opt) for p in g.get("params", ())}
        index = {n: i for i, n in enumerate(grads.names)}
        named = [(n, p) for n, p in model.named_parameters()
                 if n in index and p.numel() > 0 and p.is_contiguous()
                 and type(p.detach()) is torch.Tensor]
        ours = [(n, p) for n, p in named if id(p) in held]
        # the optimizer's own parameters if it holds any of the model's; else the model's (an
        # optimizer built over another model's parameters)
        self._foreign = not ours
        pool = ours or named
        if pool:
            device = pool[0][1].device
            pool = [(n, p) for n, p in pool if p.device == device]
        k = min(4, len(pool))
        picks = [pool[round(i * (len(pool) - 1) / max(k - 1, 1))] for i in range(k)] if k else []
        per = max(1, self.samples // max(k, 1))
        self._chosen = []
        for n, p in dict(picks).items():
            count = min(per, p.numel())
            self._chosen.append((n, weakref.ref(p), max(1, p.numel() // count), count))
        self._index = [index[n] for n, *_ in self._chosen]
        self._chosen_for = grads.names

    def _sample(self) -> torch.Tensor | None:
        views = []
        for _, ref, stride, count in self._chosen or ():
            p = ref()
            if p is None:
                return None
            views.append(p.detach().reshape(-1)[::stride][:count])
        if not views:
            return None
        return torch.cat(views) if len(views) > 1 else views[0].clone()

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        self._before = None
        if watch.optimizer is None or watch.model is None:
            return
        self._count += 1
        if self._run == 0 and (self._count - 1) % self.interval:
            return
        if self._chosen_for is not grads.names:
            self._choose(watch, grads)
        if not self._chosen:
            return
        self._before = self._sample()
        self._norms = [grads.norms[i] for i in self._index]

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        before, self._before = self._before, None
        if before is None:
            return
        after = self._sample()
        if after is None or after.shape != before.shape:
            return
        gather.add(self, [(after != before).sum(dtype=torch.float32)] + self._norms)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values = read.get(self)
        self._norms = []
        if not values or not values[0]:
            return
        changed, norms = values[0][0], values[0][1:]
        gnorm = sum(norms)
        if changed > 0 or not (gnorm > 0.0 and math.isfinite(gnorm)):
            self._run = 0
            return
        self._run += 1
        if self._run < self.patience:
            return
        opt = watch.optimizer
        lrs = [_number(g.get("lr")) for g in _groups(opt)]
        names = [n for n, *_ in self._chosen or ()]
        if self._foreign:
            why = ("the optimizer holds none of the model's parameters (it was built over "
                   "another model's, e.g. a copy made before training)")
            fix = ("build the optimizer from this model's parameters: "
                   "optimizer = torch.optim.X(model.parameters(), ...)")
        elif lrs and all(lr == 0.0 for lr in lrs if lr is not None):
            why = "the learning rate is 0"
            fix = ("check the learning-rate schedule (a LambdaLR or warm-up factor that returns 0, "
                   "a decay that reached 0, a scheduler stepped too often) and the lr given to "
                   "the optimizer")
        else:
            why = ("the update is below the parameters' float precision (a learning rate too "
                   "small for their magnitude) or the optimizer skips them")
            fix = ("raise the learning rate, or check the optimizer's options (a custom step that "
                   "returns early, maximize, a foreach/fused path that ignores these parameters)")
        watch.emit(
            "DC503", "",
            f"optimizer.step() ({type(opt).__name__}) changed none of the sampled parameters "
            f"({_describe(names, 4)}) for {self._run} checked steps in a row although their "
            f"gradients were non-zero (norm {gnorm:.3g}): {why}; lr per param group: {lrs}",
            fix,
            {"parameters": names, "steps": self._run, "lr": lrs, "grad_norm": gnorm,
             "foreign_optimizer": self._foreign},
        )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._before, self._norms, self._chosen, self._chosen_for = None, [], None, None


def _number(value: Any) -> float | None:
    if isinstance(value, torch.Tensor):
        value = value.detach().reshape(-1)[0].item() if value.numel() else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
