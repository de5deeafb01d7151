"""What every framework callback shares: one watcher per fit, driven by the framework's events.

A framework knows two moments a forward hook cannot tell apart from evaluation or from a
micro-batch: when the gradients of a step are final (after accumulation and DDP's all-reduce,
before clipping where it can) and when the optimizer step is over. The callbacks hand both to
the watcher (``Watcher.tell_steps``), so a dlcheck step is an optimizer step.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import torch
from torch import nn

from dlcheck import arguments, distributed
from dlcheck.problems import DCProblemError, Problem, Report
from dlcheck.watcher import Watcher


class Session:
    """The watcher of one training run and what has been told of its problems."""

    def __init__(self, where: str, checks: Any, every: int, on_problem: str,
                 plugins: Sequence[Any], verbose: bool) -> None:
        arguments.choice(where, "on_problem", on_problem, ("warn", "raise", "log"))
        arguments.flag(where, "verbose", verbose)
        self.every = arguments.integer(where, "every", every, 1)
        # a wrong check name or option is refused here, at the user's call, not when training
        # starts: a watcher on an empty module validates them the way the real one will (the
        # plugins are not given to it: they would see an attach to a model nobody trains)
        if isinstance(plugins, (str, bytes)) or not isinstance(plugins, Iterable):
            raise TypeError(f"{where}: plugins must be a sequence of plugin objects, got "
                            f"{type(plugins).__name__}")
        Watcher(nn.Module(), checks=checks, every=every, on_problem=on_problem).close()
        self.checks, self.on_problem, self.plugins = checks, on_problem, tuple(plugins)
        self.verbose = verbose
        self.watcher: Watcher | None = None
        self.report: Report | None = None
        self._params: dict[int, list[nn.Parameter]] = {}
        self._model_params: list[nn.Parameter] = []
        self._backward = False  # gradients were handed over since the last end of step
        self._told = 0  # problems already handed to the framework's loggers
        self.untold: list[Problem] = []

    def start(self, model: nn.Module, optimizers: Iterable[Any], on_problem: str | None = None,
              ) -> Watcher:
        self.abort()
        self.report = None
        self.watcher = Watcher(model, None, checks=self.checks, every=self.every,
                               on_problem=on_problem or self.on_problem,
                               plugins=self.plugins).tell_steps()
        optimizers = [_unwrap_optimizer(o) for o in optimizers if o is not None]
        # several optimizers take turns (a GAN's generator and discriminator): each step's
        # gradient checks look at the parameters of the optimizer about to step, or the other
        # model's parameters, without a gradient at that moment, would read as never reached
        self._params = ({id(o): [p for g in o.param_groups for p in g["params"]]
                         for o in optimizers} if len(optimizers) > 1 else {})
        self._model_params = list(self.watcher.model.parameters())
        self._backward = False
        self._told = 0
        return self.watcher

    @property
    def active(self) -> bool:
        return self.watcher is not None and not self.watcher.closed

    def gradients_final(self, optimizer: Any = None) -> None:
        """The gradients an optimizer is about to apply are final."""
        if not self.active:
            return
        if self._backward:  # a second optimizer in the same batch: the first one's step is over
            self.end_step()
        params = self._params.get(id(_unwrap_optimizer(optimizer))) if optimizer is not None \
            else None
        # a training_step that returned None skips backward, and the optimizer still steps:
        # no gradient at all is no backward, not a model that backprop never reaches
        if not any(p.grad is not None for p in (params or self._model_params)):
            return
        self.watcher.backward_done(params)
        self._backward = True

    def batch_end(self) -> list[Problem]:
        """A batch is over: it ends a dlcheck step when an optimizer stepped in it (under
        gradient accumulation most batches only accumulate)."""
        return self.end_step() if self._backward and self.active else []

    def end_step(self) -> list[Problem]:
        self._backward = False
        self.watcher.step()
        return self.new_problems()

    def new_problems(self) -> list[Problem]:
        if self.watcher is None:
            return []
        problems = self.watcher.problems
        new, self._told = problems[self._told:], len(problems)
        return new

    def finish(self, all_ranks: bool) -> Report:
        """Close the watcher; with ``all_ranks`` (every rank calls it) rank 0's report holds
        the problems of every rank."""
        if self.watcher is None:
            return self.report or Report()
        watcher, self.watcher = self.watcher, None
        self._forget_parameters()
        report = watcher.close()
        self.untold = report.problems[self._told:]  # found by close(): the last step's flush
        self._told = len(report.problems)
        if all_ranks and distributed.world_size() > 1:
            report = _merge_ranks(report)
        self.report = report
        return report

    def abort(self) -> None:
        """Close without collectives and without raising: training stopped on an exception."""
        if self.watcher is None:
            return
        watcher, self.watcher = self.watcher, None
        self._forget_parameters()
        try:
            self.report = watcher.close()
        except Exception:  # noqa: BLE001 - the exception that stopped training is the one to see
            self.report = Report(watcher.problems, watcher.current_step, {})

    def _forget_parameters(self) -> None:
        # the callback outlives the fit (it is the user's object): it must not keep the
        # model's parameters alive
        self._params, self._model_params, self._backward = {}, [], False

    def raise_first(self, problems: list[Problem]) -> None:
        """``on_problem="raise"`` for a framework that cannot clean up after an exception: the
        watcher is closed first, then the first new problem raised."""
        if problems and self.on_problem == "raise":
            self.abort()
            raise DCProblemError(problems[0])


def _unwrap_optimizer(optimizer: Any) -> Any:
    # Lightning's LightningOptimizer and accelerate's AcceleratedOptimizer wrap the torch one
    for attr in ("_optimizer", "optimizer"):
        inner = getattr(optimizer, attr, None)
        if isinstance(inner, torch.optim.Optimizer):
            return inner
    return optimizer


def _merge_ranks(report: Report) -> Report:
    """Every rank's problems in one report: a problem that several ranks found (a NaN gradient
    after the all-reduce) is listed once, with the ranks in ``data["ranks"]``."""
    gathered: list[Any] = [None] * distributed.world_size()
    torch.distributed.all_gather_object(gathered, report.problems)
    found = sorted(((p.step, rank, i, p) for rank, problems in enumerate(gathered)
                    for i, p in enumerate(problems or ())), key=lambda e: e[:3])
    merged: dict[tuple[str, str], Problem] = {}
    for _, rank, _, p in found:  # the earliest sighting of each problem leads
        key = (p.code, p.module)
        kept = merged.get(key)
        if kept is None:
            merged[key] = Problem(p.code, p.module, p.step, p.message, p.suggestion,
                                  {**p.data, "ranks": [rank]}, p.rank)
        elif rank not in kept.data["ranks"]:
            kept.data["ranks"] = sorted(kept.data["ranks"] + [rank])
    problems = list(merged.values())
    return Report(problems, report.steps, report.shapes)


def counts(problems: Iterable[Problem]) -> dict[str, float]:
    """The numbers a logger charts: problems in all and per code."""
    out: dict[str, float] = {"dlcheck/problems": 0.0}
    for p in problems:
        out["dlcheck/problems"] += 1.0
        out[f"dlcheck/{p.code}"] = out.get(f"dlcheck/{p.code}", 0.0) + 1.0
    return out
