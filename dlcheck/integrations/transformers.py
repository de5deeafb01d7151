"""dlcheck for the Hugging Face ``Trainer``::

    from dlcheck.integrations.transformers import DLCheckCallback
    trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[DLCheckCallback()])

Arguments are those of ``dlcheck.watch`` (``checks``, ``every``, ``on_problem``, ``plugins``)
and ``verbose`` (print the report at the end of ``train``).

* attaches at ``on_train_begin``, detaches at ``on_train_end``: nothing stays on the model;
* gradients are read in ``on_pre_optimizer_step`` (accumulated over
  ``gradient_accumulation_steps``, all-reduced; the Trainer clips them before this event when
  ``max_grad_norm > 0``), a step ends at ``on_step_end``: a dlcheck step is an optimizer step;
* the Trainer has no event for an exception, so ``on_problem="raise"`` closes the watcher and
  then raises, at the end of the step in which the problem was found (the forward checks are
  read once per step, at its end: the optimizer has applied that step);
* a new problem makes the Trainer log at that step: ``dlcheck/problems`` and one count per code
  go into the logs (``state.log_history``, the console, and the reporting integrations that
  come after this callback in the Trainer's list; with ``report_to="none"`` and
  ``callbacks=[DLCheckCallback(), TensorBoardCallback()]`` TensorBoard gets them too);
* the report is printed on the main process at the end, with every rank's problems.
"""

from __future__ import annotations

from typing import Any, Sequence

from transformers import TrainerCallback

from dlcheck.integrations._session import Session, counts
from dlcheck.problems import Report
from dlcheck.watcher import Watcher


class DLCheckCallback(TrainerCallback):
    __doc__ = __doc__

    def __init__(self, *, checks: Any = "default", every: int = 1, on_problem: str = "warn",
                 plugins: Sequence[Any] = (), verbose: bool = True) -> None:
        self._session = Session("DLCheckCallback", checks, every, on_problem, plugins, verbose)
        self._log_due = False

    @property
    def watcher(self) -> Watcher | None:
        """The watcher while ``train`` runs, else None."""
        return self._session.watcher

    @property
    def report(self) -> Report | None:
        """The report of the last ``train`` (on the main process: every rank's problems)."""
        return self._session.report

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                       optimizer: Any = None, **kwargs: Any) -> None:
        on_problem = self._session.on_problem
        if on_problem == "raise":
            on_problem = "warn"  # raised by this callback, after the watcher is closed
        if on_problem == "warn" and not state.is_world_process_zero:
            on_problem = "log"
        self._session.start(model, [optimizer], on_problem)
        self._log_due = False

    def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._session.gradients_final()
        self._tell(control, self._session.new_problems())

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._tell(control, self._session.batch_end())

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # a problem found while evaluating (a NaN in eval) is told now, not at the next step
        self._tell(control, self._session.new_problems())

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None,
               **kwargs: Any) -> None:
        watcher = self._session.watcher
        if not self._log_due or watcher is None or not isinstance(logs, dict):
            return
        self._log_due = False
        numbers = counts(watcher.problems)
        logs.update(numbers)
        history = state.log_history
        if history and history[-1].get("step") == state.global_step:
            history[-1].update(numbers)  # the Trainer stored a copy of logs before this event

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not self._session.active:
            return
        new = self._session.new_problems()
        report = self._session.finish(all_ranks=True)
        if state.is_world_process_zero:
            if report.problems:
                state.log_history.append({**counts(report.problems), "step": state.global_step})
            if self._session.verbose:
                print(report, flush=True)
        self._session.raise_first(new + self._session.untold)

    def _tell(self, control: Any, new: list) -> None:
        if not new:
            return
        self._session.raise_first(new)
        control.should_log = True
        self._log_due = True
