"""DC505: a GradScaler that skips many optimizer steps in a row.

``GradScaler.step(optimizer)`` skips ``optimizer.step()`` when the unscaled gradients hold
Inf/NaN, and ``update()`` halves the scale. A few skips while the scale calibrates are normal;
a long run of them means every step is lost (a model that produces non-finite gradients at any
scale) while the loop runs on silently.

No user change is needed: while a watcher with this check is open, ``GradScaler.step`` is
wrapped at the class (and put back when the last such watcher closes, like the loss functions).
The wrapper calls the original and learns whether the optimizer really stepped from a
post-hook registered on that optimizer for the duration of the call only. Nothing is read from
the device: the scaler has already read its found-Inf flags to decide.
"""

from __future__ import annotations

import functools
import threading
import weakref
from typing import Any, Callable

from dlcheck.arguments import integer
from dlcheck.checks._util import option
from dlcheck.hookspecs import hookimpl
from dlcheck.problems import DCProblemError

_W = "dlcheck.watch"

_lock = threading.RLock()
_checks: "weakref.WeakSet[GradScalerSkips]" = weakref.WeakSet()
_original: Callable | None = None
_live: tuple[weakref.ref, ...] = ()


def _scaler_class() -> Any:
    try:
        from torch.amp.grad_scaler import GradScaler
    except ImportError:  # an older torch
        from torch.cuda.amp.grad_scaler import GradScaler  # type: ignore[no-redef]
    return GradScaler


def _wrap(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def step(self: Any, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        watching = [c for c in (r() for r in _live) if c is not None and c.follows(optimizer)]
        if not watching:
            return fn(self, optimizer, *args, **kwargs)
        stepped: list[bool] = []
        handle = None
        try:
            handle = optimizer.register_step_post_hook(lambda *a: stepped.append(True))
        except Exception:  # noqa: BLE001 - an optimizer without step hooks: no facts
            return fn(self, optimizer, *args, **kwargs)
        try:
            out = fn(self, optimizer, *args, **kwargs)
        finally:
            handle.remove()
        for c in watching:
            c.on_scaler_step(self, bool(stepped))
        return out

    step.__dlcheck_original__ = fn  # type: ignore[attr-defined]
    return step


def _install(check: "GradScalerSkips") -> None:
    global _original
    with _lock:
        if _original is None:
            cls = _scaler_class()
            _original = cls.__dict__["step"]
            cls.step = _wrap(_original)
        _checks.add(check)
        _refresh()


def _uninstall(check: "GradScalerSkips") -> None:
    global _original
    with _lock:
        _checks.discard(check)
        _refresh()
        if not _checks and _original is not None:
            _scaler_class().step = _original
            _original = None


def _refresh() -> None:
    global _live
    _live = tuple(weakref.ref(c) for c in _checks)


def installed() -> bool:
    return _original is not None


class GradScalerSkips:
    """patience: skipped steps in a row (for one optimizer of the watched model) before DC505.
    The scale starts at 2**16 and halves at each skip: 20 skips take it below 0.07."""

    name = "grad_scaler"

    def __init__(self, patience: int = 20) -> None:
        self.patience = integer(_W, option(self.name, "patience"), patience, 1)
        self._watch: Any = None
        self._model: Any = None
        self._follows: "weakref.WeakKeyDictionary[Any, bool]" = weakref.WeakKeyDictionary()
        self._run = 0
        self._skipped = 0
        self._steps = 0

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._watch = weakref.ref(watch)
        self._model = weakref.ref(model)
        _install(self)

    def follows(self, optimizer: Any) -> bool:
        """Is ``optimizer`` the watcher's, or one over the watched model's parameters?"""
        watch = self._watch() if self._watch is not None else None
        if watch is None or watch.closed:
            return False
        if optimizer is watch.optimizer:
            return True
        try:
            known = self._follows.get(optimizer)
        except TypeError:  # not weak-referenceable
            return False
        if known is None:
            model = self._model() if self._model is not None else None
            mine = {id(p) for p in model.parameters()} if model is not None else set()
            known = any(id(p) in mine for g in getattr(optimizer, "param_groups", ())
                        for p in g.get("params", ()))
            self._follows[optimizer] = known
        return known

    def on_scaler_step(self, scaler: Any, stepped: bool) -> None:
        watch = self._watch() if self._watch is not None else None
        if watch is None:
            return
        try:
            self._count(watch, scaler, stepped)
        except DCProblemError:
            raise
        except Exception as exc:  # noqa: BLE001 - never break the user's step
            watch._internal_error(self, exc)

    def _count(self, watch: Any, scaler: Any, stepped: bool) -> None:
        self._steps += 1
        if stepped:
            self._run = 0
            return
        self._run += 1
        self._skipped += 1
        if self._run < self.patience:
            return
        try:
            scale = float(scaler.get_scale())  # the step is lost anyway: one read is fine
        except Exception:  # noqa: BLE001
            scale = None
        watch.emit(
            "DC505", "",
            f"GradScaler skipped optimizer.step() {self._run} times in a row (found Inf/NaN in "
            f"the unscaled gradients every time; scale now {scale:g}): training has stopped"
            if scale is not None else
            f"GradScaler skipped optimizer.step() {self._run} times in a row: training has "
            f"stopped",
            "the gradients are non-finite at every scale: look for the first non-finite value "
            "(checks=['nonfinite'] on the forward, or run a step in float32), a loss computed "
            "in float16 (compute it in float32 outside autocast), or a learning rate that made "
            "the weights diverge",
            {"skipped_in_a_row": self._run, "scale": scale, "skipped": self._skipped,
             "scaler_steps": self._steps},
        )

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        _uninstall(self)
        self._follows = weakref.WeakKeyDictionary()
