"""Sentinel steps and the replay of a failing step's forward.

On a sentinel step (most steps of an eager model, see ``Schedule``) no module is probed: the
watcher keeps, at each entry into the model, a reference to the arguments and the random number
generators' state, and the step's end reads only whether the loss and the gradients are finite
(values the gradient checks compute anyway). When one is not, the step's forward passes are run
again here, under ``torch.no_grad()``, with every module probed, so that the first module that
produced the non-finite value is named as on a fully checked step.

What a replay must not change: the random streams (saved before, put back after), the buffers
(batch norm's running statistics: copied before, copied back after), the gradients (nothing runs
backward) and the parameters (a replay runs in the optimizer's step pre-hook, before the update).
It leaves nothing on the model: the watcher's global hooks do the probing.
"""

from __future__ import annotations

from typing import Any

import torch

# passes kept per step: gradient accumulation runs several forward passes per optimizer step
MAX_PASSES = 64


class Entry:
    """One call of the model: its arguments (references, not copies: the version counters tell
    whether the caller changed them in place afterwards), the generators' state at the entry,
    and the grad and autocast modes it ran under."""

    __slots__ = ("args", "kwargs", "versions", "rng", "cuda_rng", "grad", "autocast")

    def __init__(self, args: tuple) -> None:
        self.args = args
        self.kwargs: dict[str, Any] = {}
        # (a loop, not a list comprehension: no frame of its own, at every model entry)
        versions = []
        for t in args:
            if isinstance(t, torch.Tensor):
                versions.append(t._version)
        self.versions = versions
        self.rng = _cpu_rng_state()  # torch.get_rng_state() without its Python frame
        cuda = _CUDA_BUILT and torch.cuda.is_initialized()
        self.cuda_rng = torch.cuda.get_rng_state_all() if cuda else None
        self.grad = torch.is_grad_enabled()
        # (autocast on the CPU alone looked up here: one call fewer at every model entry)
        self.autocast = _autocast_state(cuda) if cuda or torch.is_autocast_enabled("cpu") \
            else None

    def changed(self) -> bool:
        """Were the arguments changed in place since the call (the replay then differs)?"""
        now = [t._version for t in self.args if isinstance(t, torch.Tensor)]
        return now != self.versions


_cpu_rng_state = torch.default_generator.get_state
# a torch built without CUDA (or ROCm) never initialises it: no call at each model entry to ask
_CUDA_BUILT = bool(getattr(torch._C, "_has_cuda", True)) or torch.version.hip is not None


def _autocast_state(cuda: bool) -> list[tuple[str, torch.dtype]] | None:
    out = None
    for device in ("cpu", "cuda") if cuda else ("cpu",):
        if torch.is_autocast_enabled(device):
            out = (out or []) + [(device, torch.get_autocast_dtype(device))]
    return out


class Passes:
    """The entries of one step: every grad-enabled pass (up to ``MAX_PASSES``) and the last
    pass without gradients (an evaluation between two steps: keeping them all would hold an
    evaluation set's batches in memory)."""

    __slots__ = ("entries", "dropped")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.dropped = 0

    def add(self, entry: Entry) -> Entry:
        entries = self.entries
        if not entry.grad:
            for i in range(len(entries) - 1, -1, -1):
                if not entries[i].grad:
                    del entries[i]
                    break
        if len(entries) >= MAX_PASSES:
            self.dropped += 1
        else:
            entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries = []
        self.dropped = 0


def replay(model: torch.nn.Module, entries: list[Entry]) -> list[str]:
    """Run the model again on each entry, under no_grad, from the generators' state saved at its
    entry; put the generators and the buffers back afterwards. Returns notes on what may make the
    replay differ from the original (arguments changed in place)."""
    notes = []
    rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    try:
        with torch.no_grad():
            for entry in entries:
                if entry.changed():
                    notes.append("its inputs were changed in place after the forward")
                torch.set_rng_state(entry.rng)
                if entry.cuda_rng is not None:
                    torch.cuda.set_rng_state_all(entry.cuda_rng)
                if entry.autocast:
                    _run_autocast(model, entry, list(entry.autocast))
                else:
                    model(*entry.args, **entry.kwargs)
    finally:
        torch.set_rng_state(rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)
        with torch.no_grad():
            for b, saved in buffers:
                b.copy_(saved)
    return notes


def _run_autocast(model: torch.nn.Module, entry: Entry, modes: list) -> None:
    device, dtype = modes.pop()
    with torch.autocast(device, dtype=dtype):
        if modes:
            _run_autocast(model, entry, modes)
        else:
            model(*entry.args, **entry.kwargs)
