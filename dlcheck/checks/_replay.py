"""Replay one forward pass of a watched model with per-module hooks, from what was saved when
the pass began: its arguments, the random number generators' states, the grad and autocast
modes, and the version counters of its input tensors (and of the parameters, when no optimizer
tells the watcher that the step is not over yet).

The replay computes with copies of the model's buffers (batch norm's running statistics are
left as they were), restores the random state it found, and runs with every check of the
watcher paused. What it cannot undo is the user's own code: a forward that counts its calls,
or a user hook, sees one more call. It only runs on a step whose output was not finite.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import torch
from torch.nn.modules.module import register_module_forward_hook

from dlcheck.checks._util import tensors

_AUTOCAST_DEVICES = ("cpu", "cuda")

try:
    _any_autocast = torch._C._is_any_autocast_enabled
except AttributeError:  # another torch: ask per device
    def _any_autocast() -> bool:
        return True


class Snapshot:
    """What a forward pass of the model started from."""

    __slots__ = ("args", "kwargs", "cpu_rng", "cuda_rng", "grad", "autocast", "inputs",
                 "versions", "params", "param_versions")

    def __init__(self, args: tuple, model: Any, with_params: bool) -> None:
        self.args = args
        self.kwargs: dict | None = None
        self.cpu_rng = torch.get_rng_state()
        # the CUDA generator's state is a seed and an offset, copied without a sync
        self.cuda_rng = ((torch.cuda.current_device(), torch.cuda.get_rng_state())
                         if torch.cuda.is_initialized() else None)
        self.grad = torch.is_grad_enabled()
        self.autocast = [(d, torch.get_autocast_dtype(d)) for d in _AUTOCAST_DEVICES
                         if torch.is_autocast_enabled(d)] if _any_autocast() else []
        # an input or a parameter changed in place after the pass makes the replay inexact
        # (inference tensors keep no version: they cannot be changed in place outside
        # inference mode anyway); the common call, model(x), takes the short way
        if len(args) == 1 and type(args[0]) is torch.Tensor:
            self.inputs = [] if args[0].is_inference() else [args[0]]
        else:
            self.inputs = [t for t in tensors(args) if not t.is_inference()]
        self.versions = [t._version for t in self.inputs]
        self.params = list(model.parameters()) if with_params else []
        self.param_versions = [p._version for p in self.params]

    def changed(self) -> bool:
        return any(t._version != v for t, v in zip(self.inputs, self.versions)) or any(
            p._version != v for p, v in zip(self.params, self.param_versions))


def replay(watch: Any, model: Any, snap: Snapshot, hook: Callable) -> None:
    """Run ``model`` again on ``snap``'s arguments with ``hook(module, args, output)`` as a
    global forward hook; exceptions propagate (the caller reports them)."""
    cuda = [snap.cuda_rng[0]] if snap.cuda_rng is not None else []
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    with contextlib.ExitStack() as stack:
        stack.enter_context(watch.paused())
        stack.enter_context(torch.random.fork_rng(devices=cuda))
        torch.set_rng_state(snap.cpu_rng)
        if snap.cuda_rng is not None:
            torch.cuda.set_rng_state(snap.cuda_rng[1], snap.cuda_rng[0])
        stack.enter_context(torch.set_grad_enabled(snap.grad))
        wanted = dict(snap.autocast)
        for device in _AUTOCAST_DEVICES:  # the pass's autocast, not the caller's
            if device in wanted:
                stack.enter_context(torch.autocast(device, dtype=wanted[device]))
            elif torch.is_autocast_enabled(device):
                stack.enter_context(torch.autocast(device, enabled=False))
        handle = register_module_forward_hook(hook)
        stack.callback(handle.remove)
        torch.func.functional_call(model, buffers, tuple(snap.args), dict(snap.kwargs or {}),
                                   strict=False)
