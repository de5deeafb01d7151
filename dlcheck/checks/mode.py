"""DC301 evaluating in training mode, DC302 training in eval mode, DC303 batch norm on a batch of one.

Python-only checks (module flags and grad mode): no tensor work at all.
"""

from __future__ import annotations

import sys
from typing import Any

import torch
import torch.utils.checkpoint
from torch import nn

from dlcheck.hookspecs import hookimpl

_DROPOUT = nn.modules.dropout._DropoutNd
_BN = nn.modules.batchnorm._BatchNorm


class Mode:
    name = "mode"

    def __init__(self) -> None:
        self._no_grad_train: list[str] = []
        self._batch_norm = True  # does the model hold a batch norm? (set at attach)

    @staticmethod
    def module_filter(module: nn.Module) -> bool:
        return isinstance(module, (_DROPOUT, _BN))

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._batch_norm = any(isinstance(m, _BN) for m in model.modules())

    def bare_pass(self, watch: Any, args: tuple, kwargs: dict) -> bool:
        """May a training pass (gradients on, the model in training mode) run without this
        check's module hooks (see Watcher._go_bare)? In such a pass DC301 has nothing to find
        (it needs gradients off) and DC302 is read at the model's output; only DC303 looks at
        it: a batch norm that gets a batch of one. So yes when the model has no batch norm, or
        when every tensor it is given has a batch of two or more (a batch norm sees the batch
        of the model's input); a container argument, or no tensor at all, keeps the hooks."""
        if not self._batch_norm:
            return True
        seen = False
        for value in (*args, *kwargs.values()):
            if isinstance(value, torch.Tensor):
                if value.dim() == 0 or value.shape[0] < 2:
                    return False
                seen = True
            elif isinstance(value, (tuple, list, dict)):
                return False
        return seen

    @hookimpl
    def dlcheck_forward_pre(self, watch: Any, module: Any, name: str, inputs: tuple) -> None:
        # before the forward, so the explanation comes before torch's own error for (1, C)
        if isinstance(module, _BN) and module.training and inputs:
            x = inputs[0]
            if isinstance(x, torch.Tensor) and x.dim() >= 2 and x.shape[0] == 1:
                per_channel = 1
                for s in x.shape[2:]:
                    per_channel *= int(s)
                watch.emit(
                    "DC303", name,
                    f"{type(module).__name__} {name!r} in training mode got a batch of one "
                    f"(input {tuple(x.shape)}): its statistics come from {per_channel} value(s) per "
                    f"channel of a single sample, so they are noisy or undefined and the running "
                    f"averages drift",
                    "use a batch of at least 2 (drop_last=True on the DataLoader avoids a last "
                    "batch of one), call model.eval() for single-sample inference, or use "
                    "GroupNorm/LayerNorm when batches must be tiny",
                    {"input_shape": list(x.shape), "values_per_channel": per_channel},
                )

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        # inference_mode turns gradients off too; torch.is_inference_mode_enabled() would be a
        # graph break under torch.compile
        if module.training and not torch.is_grad_enabled() and not _in_reentrant_checkpoint():
            self._no_grad_train.append(name)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        names, self._no_grad_train = self._no_grad_train, []
        if names:
            first = names[0]
            kinds = sorted({_kind(watch, n) for n in names})
            watch.emit(
                "DC301", first,
                f"evaluating in training mode: {len(set(names))} dropout/batch-norm module(s) "
                f"(first {first!r}) ran under torch.no_grad()/inference_mode while in training "
                f"mode, so {' and '.join(kinds)}",
                "call model.eval() before evaluating and model.train() before training resumes",
                {"modules": sorted(set(names))[:20]}, key=None,
            )
        if watch.grad_enabled_forward_in_eval and getattr(watch, "in_step_end", False):
            watch.emit(
                "DC302", "",
                f"training step taken while the model ({watch.model_class}) is in eval mode: "
                f"dropout is off and batch norm uses frozen running statistics",
                "call model.train() before the training loop (after every evaluation)",
                {"model_training": False},
            )


try:
    _CHECKPOINT_FORWARD = torch.utils.checkpoint.CheckpointFunction.forward.__code__
except AttributeError:  # a torch without reentrant checkpointing
    _CHECKPOINT_FORWARD = None


def _in_reentrant_checkpoint() -> bool:
    """Reentrant checkpointing (``checkpoint(..., use_reentrant=True)``) runs the forward under
    no_grad and runs it again with gradients in backward: a training step, not an evaluation,
    when an input of the checkpointed function requires grad (else it gives no gradient, and a
    checkpointed model evaluated under no_grad is still told). Only looked for when a
    training-mode module ran without gradients: the walk up the stack is off the hot path."""
    if _CHECKPOINT_FORWARD is None:
        return False
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is _CHECKPOINT_FORWARD:
            args = frame.f_locals.get("args", ())
            return any(isinstance(a, torch.Tensor) and a.requires_grad for a in args)
        frame = frame.f_back
    return False


def _kind(watch: Any, name: str) -> str:
    model = watch.model
    try:
        m = model.get_submodule(name) if (model is not None and name) else model
    except AttributeError:
        m = None
    if isinstance(m, _BN):
        return ("batch norm normalises with batch statistics and updates its running averages "
                "from evaluation data")
    return "dropout zeroes activations and the results are random"
