"""Hook specifications: the one extension point of dlcheck.

A check pack is a module or object registered under the ``dlcheck`` entry-point group. It
implements ``dlcheck_make_checks`` and returns check objects; each check object is then
registered with the watcher's plugin manager and implements any of the per-event hooks below.
The built-in checks (``dlcheck.checks``) are loaded exactly like a third-party pack.

Hot-path rule for implementers: ``dlcheck_forward`` and ``dlcheck_after_backward`` must not read
values to the host (no ``.item()``, ``bool(tensor)``, ``.tolist()``): put device tensors into the
gatherer in ``dlcheck_gather`` and read the host values in ``dlcheck_step``.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "dlcheck"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def dlcheck_make_checks(config: dict[str, Any]) -> list[Any]:
    """Return check objects for this watcher. ``config`` maps check names to their options
    (``None`` for a check the user did not ask for explicitly); a pack decides which to build."""


@hookspec
def dlcheck_attach(watch: Any, model: Any) -> None:
    """The watch starts: inspect the model (do not keep a strong reference to it)."""


@hookspec
def dlcheck_forward(watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
    """A watched module finished its forward. Called only on checked steps, only for modules
    the check's optional ``module_filter(module) -> bool`` accepts."""


@hookspec
def dlcheck_forward_pre(watch: Any, module: Any, name: str, inputs: tuple) -> None:
    """A watched module is about to run (for checks that must speak before torch raises)."""


@hookspec
def dlcheck_loss(watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
    """A loss function from ``torch.nn.functional`` (or its ``nn`` module) was called."""


@hookspec
def dlcheck_after_backward(watch: Any, grads: Any) -> None:
    """Gradients are final for this step (after DDP's all-reduce). ``grads`` gives the names of
    the parameters with a gradient (``grads.names``, ``grads.none`` for those whose gradient is
    None) and their L2 norms, computed once for all checks: ``grads.norms``, a list of 0-d
    tensors to hand to the gatherer as it is, or ``grads.l2``, the same as one vector."""


@hookspec
def dlcheck_gather(watch: Any, gather: Any) -> None:
    """End of a checked step: add device tensors to read (``gather.add(self, t)``, or
    ``gather.add(self, t, reduce="sum")`` for statistics all ranks must agree on). ``t`` is a
    tensor, read flattened, or a list of 0-d tensors: all the 0-d values of a step are read
    with a single ``torch.stack``, cheaper than one stack per check."""


@hookspec
def dlcheck_step(watch: Any, step: int, read: Any) -> None:
    """End of a checked step: ``read.get(self)`` gives the host values of what was gathered,
    in order, as lists of floats. Emit problems with ``watch.emit(...)`` and reset state."""


@hookspec
def dlcheck_report(watch: Any) -> None:
    """``report()`` was called: emit findings that only make sense at the end (partial windows)."""


@hookspec
def dlcheck_detach(watch: Any) -> None:
    """The watch ends: drop every reference to modules, parameters and tensors."""
