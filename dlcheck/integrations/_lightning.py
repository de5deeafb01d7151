"""The Lightning callback's behaviour, shared by ``lightning.pytorch`` and ``pytorch_lightning``
(each needs its own ``Callback`` base: a trainer accepts only callbacks of its own package)."""

from __future__ import annotations

from typing import Any, Sequence

from dlcheck.integrations._session import Session, counts
from dlcheck.problems import Problem, Report
from dlcheck.watcher import Watcher


class LightningMixin:
    """Watches the LightningModule of each ``fit``.

    * attaches at ``on_fit_start`` (the optimizers exist then, the DDP process group too),
      detaches at ``on_fit_end`` / ``on_exception`` / ``teardown``: nothing stays on the module;
    * gradients are read in ``on_before_optimizer_step`` (accumulated, all-reduced, unscaled
      by the AMP scaler, before gradient clipping), a step ends after the batch in which an
      optimizer stepped: under ``accumulate_grad_batches=k`` a dlcheck step spans k batches;
    * new problems go to ``trainer.loggers`` as they appear (``dlcheck/problems`` and one
      count per code, plus the problem's line as text where the logger's experiment has
      ``add_text``: TensorBoard); the report is printed on rank 0 at the end of ``fit``, with
      the problems of every rank under DDP.
    """

    _where = "DLCheckCallback"

    def __init__(self, *, checks: Any = "default", every: int = 1, on_problem: str = "warn",
                 plugins: Sequence[Any] = (), verbose: bool = True) -> None:
        super().__init__()
        self._session = Session(self._where, checks, every, on_problem, plugins, verbose)

    @property
    def watcher(self) -> Watcher | None:
        """The watcher while ``fit`` runs, else None."""
        return self._session.watcher

    @property
    def report(self) -> Report | None:
        """The report of the last ``fit`` (on rank 0 under DDP: every rank's problems)."""
        return self._session.report

    # --------------------------------------------------------------- the fit
    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        on_problem = self._session.on_problem
        if on_problem == "warn" and not trainer.is_global_zero:
            on_problem = "log"  # one console, rank 0's; the others log to logger "dlcheck"
        self._session.start(pl_module, trainer.optimizers, on_problem)

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        self._session.gradients_final(optimizer)
        self._publish(trainer, self._session.new_problems())

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self._publish(trainer, self._session.batch_end())

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if not self._session.active:
            return
        self._publish(trainer, self._session.new_problems())
        report = self._session.finish(all_ranks=True)
        if trainer.is_global_zero:
            for logger in trainer.loggers:
                logger.log_metrics(counts(report.problems), step=trainer.global_step)
                _add_text(logger, "dlcheck/report", str(report), trainer.global_step)
            if self._session.verbose:
                print(report, flush=True)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self._session.abort()

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        self._session.abort()  # a fit that ended without on_fit_end (interrupted)

    # --------------------------------------------------------------- loggers
    def _publish(self, trainer: Any, new: list[Problem]) -> None:
        if not new or not trainer.is_global_zero:
            return
        watcher = self._session.watcher
        problems = watcher.problems if watcher is not None else new
        for logger in trainer.loggers:
            logger.log_metrics(counts(problems), step=trainer.global_step)
            for p in new:
                _add_text(logger, f"dlcheck/{p.code}", p.one_line(), trainer.global_step)


def _add_text(logger: Any, tag: str, text: str, step: int) -> None:
    """Text to a logger whose experiment takes it (TensorBoard's SummaryWriter); the others
    get the counts only."""
    add_text = getattr(getattr(logger, "experiment", None), "add_text", None)
    if callable(add_text):
        # TensorBoard renders text as Markdown: indented, the table keeps its columns
        add_text(tag, "\n".join("    " + line for line in text.splitlines()), step)
