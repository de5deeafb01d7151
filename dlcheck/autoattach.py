"""Watch every model a program trains, without a change to its code (``dlcheck run``).

How a model is found, with nothing but torch's global hooks and one wrapped constructor:

* **Optimizers.** ``torch.optim.Optimizer.__init__`` is wrapped while attached, so an optimizer
  is known as soon as it is built, before the first forward pass (an evaluation at step 0 is then
  seen). torch's global step pre-hook catches the others: an optimizer built before the attach,
  unpickled, or given new parameter groups after it was built.
* **Models.** While some optimizer holds parameters that no watcher covers, a global module
  forward pre-hook looks at each module called. Pre-hooks run outermost first, so the first
  module holding such parameters is the model the program calls (a ``DistributedDataParallel``
  or ``torch.compile`` wrapper stands for the module it wraps). It gets a :class:`Watcher` with
  the optimizer holding most of its parameters: that optimizer's step hooks end its steps,
  exactly as ``dlcheck.watch(model, optimizer)`` would.
* Once every optimizer's parameters are covered the pre-hook is removed: a training step then
  costs what a hand-written ``dlcheck.watch`` costs. A new optimizer puts it back.

:meth:`AutoAttach.close` removes all of it (the constructor, the global hooks, every watcher)
and returns one report for all the models.
"""

from __future__ import annotations

import functools
import logging
import weakref
from typing import Any, Sequence

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_pre_hook
from torch.optim.optimizer import register_optimizer_step_pre_hook

from dlcheck.problems import DCProblemError, Problem, Report
from dlcheck.watcher import Watcher, _QuietCompileWarning

logger = logging.getLogger("dlcheck")


class AutoAttach:
    """Attach a :class:`Watcher` to every model trained while this is started.

    ``checks``, ``every``, ``on_problem`` and ``plugins`` are handed to each watcher as they are
    (see :func:`dlcheck.watch`); they are checked by :meth:`start`, before anything runs."""

    def __init__(self, *, checks: Any = "default", every: int = 1, on_problem: str = "warn",
                 plugins: Sequence[Any] = (), history: bool = False) -> None:
        self._options = {"checks": checks, "every": every, "on_problem": on_problem,
                         "plugins": tuple(plugins), "history": history}
        self._watchers: list[_Watched] = []  # every watcher made, in order, the closed ones too
        # id(parameter) -> optimizer: parameters of known optimizers that no watcher covers yet
        self._pending: dict[int, weakref.ref] = {}
        self._order: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()
        self._groups: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()
        self._seen: set[int] = set()  # ids of modules already looked at (cleared on change)
        self._pre_handle: Any = None
        self._step_handle: Any = None
        self._original_init: Any = None
        self._wrapped_init: Any = None
        self._started = False
        self._closed = False
        self._report: Report | None = None

    # ------------------------------------------------------------------ public
    def start(self) -> "AutoAttach":
        """Validate the options (a wrong one raises TypeError/ValueError naming it) and attach."""
        if self._started:
            raise RuntimeError("dlcheck: AutoAttach.start() called twice")
        # the very checks the watchers will build: refuse a bad option before the program runs
        Watcher(nn.Module(), None, **self._options).close()
        self._started = True
        original = torch.optim.Optimizer.__init__
        attach = self

        @functools.wraps(original)
        def __init__(optimizer: Any, *args: Any, **kwargs: Any) -> None:
            original(optimizer, *args, **kwargs)
            if not attach._closed:
                attach._guarded(attach._add_optimizer, optimizer)

        self._original_init, self._wrapped_init = original, __init__
        torch.optim.Optimizer.__init__ = __init__  # type: ignore[method-assign]
        self._step_handle = register_optimizer_step_pre_hook(self._on_any_step)
        return self

    @property
    def watchers(self) -> list[Watcher]:
        """The watchers made so far, in the order their models were found."""
        return [w.watcher for w in self._watchers]

    def models(self) -> list[dict[str, Any]]:
        """Which models were watched: label, class, optimizer class, steps."""
        return [{"name": w.label, "class": w.watcher.model_class, "optimizer": w.optimizer_class,
                 "steps": w.watcher.current_step} for w in self._watchers]

    def report(self) -> Report:
        """One report for every model (module names prefixed by the model's label when there
        are several); after :meth:`close`, the final one."""
        if self._report is not None:
            return self._report
        return self._merge([(w, w.watcher.report()) for w in self._watchers])

    def close(self) -> Report:
        """Remove every hook, the wrapped constructor and every watcher; return the report.
        Safe to call twice, and on a half-started instance."""
        if self._report is not None:
            return self._report
        self._closed = True
        try:
            reports = []
            for w in self._watchers:
                try:
                    reports.append((w, w.watcher.close()))
                except DCProblemError:
                    # on_problem="raise" and the last flush found one: it is in the problems,
                    # and the watcher closed all the same (its hooks go in a finally)
                    reports.append((w, Report(w.watcher.problems, w.watcher.current_step,
                                              dict(w.watcher.shapes))))
                except Exception as exc:  # noqa: BLE001 - the other watchers must close too
                    logger.warning("closing the watcher of %s failed: %s: %s",
                                   w.label, type(exc).__name__, exc)
                    reports.append((w, Report(w.watcher.problems, w.watcher.current_step,
                                              dict(w.watcher.shapes))))
        finally:
            self._detach()
        self._report = self._merge(reports)
        return self._report

    def __enter__(self) -> "AutoAttach":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ hooks
    def _detach(self) -> None:
        if self._original_init is not None:
            # a program that wrapped the constructor after us keeps its wrapper (ours inside
            # it does nothing once closed); otherwise the original goes back
            if torch.optim.Optimizer.__dict__.get("__init__") is self._wrapped_init:
                torch.optim.Optimizer.__init__ = self._original_init  # type: ignore[method-assign]
            self._original_init = self._wrapped_init = None
        for name in ("_step_handle", "_pre_handle"):
            handle = getattr(self, name)
            if handle is not None:
                handle.remove()
                setattr(self, name, None)
        self._pending.clear()
        self._seen.clear()

    def _guarded(self, fn: Any, *args: Any) -> None:
        # finding models must never break the program's training
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not attach (%s: %s); training continues unwatched",
                           type(exc).__name__, exc)

    def _on_any_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if self._closed:
            return
        known = self._groups.get(optimizer)
        if known is None or known != len(optimizer.param_groups):
            self._guarded(self._add_optimizer, optimizer)

    def _add_optimizer(self, optimizer: Any) -> None:
        self._groups[optimizer] = len(optimizer.param_groups)
        if optimizer not in self._order:
            self._order[optimizer] = len(self._order)
        ref = weakref.ref(optimizer)
        covered = self._covered_params(optimizer)
        added = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if id(p) not in covered:
                    self._pending[id(p)] = ref
                    added = True
        if added:
            self._seen.clear()  # a module looked at before may hold these parameters
            if self._pre_handle is None:
                self._pre_handle = _Handles(register_module_forward_pre_hook(self._on_forward_pre),
                                            # torch warns at a compiled module's call while a
                                            # global hook exists; ours ignores the wrapper too
                                            _QuietCompileWarning())

    def _covered_params(self, optimizer: Any) -> set[int]:
        """Parameters already under a watcher stepped by ``optimizer`` (new groups added to the
        optimizer of a watched model need no new watcher)."""
        out: set[int] = set()
        for w in self._watchers:
            if not w.watcher.closed and w.optimizer_ref() is optimizer:
                model = w.watcher.model
                if model is not None:
                    out.update(id(p) for p in model.parameters())
        return out

    def _on_forward_pre(self, module: nn.Module, args: tuple) -> None:
        key = id(module)
        if key in self._seen:
            return None
        self._seen.add(key)
        self._guarded(self._look_at, module)
        if not self._pending and self._pre_handle is not None:
            self._pre_handle.remove()  # every optimizer is covered: no cost per module call
            self._pre_handle = None
        return None

    def _look_at(self, module: nn.Module) -> None:
        counts: dict[Any, int] = {}
        for p in module.parameters():
            ref = self._pending.get(id(p))
            if ref is None:
                continue
            optimizer = ref()
            if optimizer is None:  # its optimizer is gone: the id may be reused
                del self._pending[id(p)]
                continue
            counts[optimizer] = counts.get(optimizer, 0) + 1
        if not counts:
            # none of its submodules holds pending parameters either
            self._seen.update(id(m) for m in module.modules())
            return
        # most of the model's parameters; on a tie the newest optimizer (built for a new phase)
        optimizer = max(counts, key=lambda o: (counts[o], self._order.get(o, -1)))
        self._watch(_unwrap(module), module, optimizer)

    def _watch(self, model: nn.Module, called: nn.Module, optimizer: Any) -> None:
        inner = _inner(model)
        inner_modules = {id(m) for m in inner.modules()}
        step = 0
        label = None
        for w in self._watchers:
            old = w.watcher
            if old.closed or old.model is None or id(old.model) not in inner_modules:
                continue
            # This model, or a part of it, is watched already: with an optimizer built later
            # (a new training phase) the old watcher stops and the new one goes on counting.
            step = max(step, old.current_step)
            if old.model is inner:
                label = w.label
            try:
                old.close()
            except DCProblemError:  # on_problem="raise": kept in its problems, told at the end
                pass
        watcher = Watcher(model, optimizer, **self._options)
        watcher.current_step = step
        if label is None:
            label = self._label(inner)
        self._watchers.append(_Watched(watcher, label, weakref.ref(optimizer),
                                       type(optimizer).__name__))
        for p in called.parameters():
            self._pending.pop(id(p), None)
        self._seen.update(id(m) for m in called.modules())

    def _label(self, model: nn.Module) -> str:
        name = type(model).__name__
        taken = {w.label for w in self._watchers}
        if name not in taken:
            return name
        n = 2
        while f"{name}#{n}" in taken:
            n += 1
        return f"{name}#{n}"

    # ------------------------------------------------------------------ report
    def _merge(self, reports: list[tuple["_Watched", Report]]) -> Report:
        labels = {w.label for w, _ in reports}
        prefix = len(labels) > 1
        problems: list[Problem] = []
        seen: set[tuple] = set()
        shapes: dict[str, dict[str, Any]] = {}
        steps = 0
        for w, report in reports:
            steps = max(steps, report.steps)
            for p in report.problems:
                module = _prefixed(w.label, p.module) if prefix else p.module
                # a model watched again after a new optimizer may tell a problem twice
                key = (p.code, module, p.message)
                if key in seen:
                    continue
                seen.add(key)
                problems.append(Problem(p.code, module, p.step, p.message, p.suggestion,
                                        dict(p.data), p.rank))
            for name, shape in report.shapes.items():
                shapes.setdefault(_prefixed(w.label, name) if prefix else name, shape)
        problems.sort(key=lambda p: p.step)  # stable: the order found within a step stays
        return Report(problems, steps, shapes)


class _Handles:
    """Several removable things removed as one."""

    def __init__(self, *handles: Any) -> None:
        self._handles = handles

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


class _Watched:
    __slots__ = ("watcher", "label", "optimizer_ref", "optimizer_class")

    def __init__(self, watcher: Watcher, label: str, optimizer_ref: weakref.ref,
                 optimizer_class: str) -> None:
        self.watcher = watcher
        self.label = label
        self.optimizer_ref = optimizer_ref
        self.optimizer_class = optimizer_class


def _prefixed(label: str, module: str) -> str:
    return f"{label}.{module}" if module else label


def _unwrap(module: nn.Module) -> nn.Module:
    """A ``torch.compile`` wrapper stands for its module (names without ``_orig_mod.``)."""
    inner = getattr(module, "_orig_mod", None)
    if isinstance(inner, nn.Module) and type(module).__name__ == "OptimizedModule":
        return inner
    return module


def _inner(module: nn.Module) -> nn.Module:
    if isinstance(module, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        return module.module
    return module


__all__ = ["AutoAttach"]
