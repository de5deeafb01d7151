"""What dlcheck may leave on a model, an optimizer or a graph: nothing. A snapshot taken before a
watch starts, compared after it closes."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as torch_module
from torch.optim import optimizer as torch_optimizer

# every per-module dict torch keeps hooks in (those this torch has)
MODULE_HOOK_DICTS = tuple(
    name for name in (
        "_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
        "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks",
        "_backward_pre_hooks", "_state_dict_hooks", "_state_dict_pre_hooks",
        "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks",
    ) if hasattr(nn.Linear(1, 1), name)
)

GLOBAL_HOOK_DICTS = tuple(
    name for name in dir(torch_module)
    if name.startswith("_global_") and isinstance(getattr(torch_module, name), dict)
)


def global_hooks() -> dict[str, int]:
    counts = {name: len(getattr(torch_module, name)) for name in GLOBAL_HOOK_DICTS}
    # the optimizer_coverage check sees every optimizer through torch's global step hooks
    for name in ("_global_optimizer_pre_hooks", "_global_optimizer_post_hooks"):
        counts[f"optim.{name}"] = len(getattr(torch_optimizer, name, {}))
    return counts


def snapshot(model: nn.Module) -> dict[str, Any]:
    """Attribute names of every module and parameter, and the global hook counts."""
    return {
        "modules": [(type(m).__name__, sorted(vars(m))) for m in model.modules()],
        "params": [sorted(vars(p)) for p in model.parameters()],
        "global": global_hooks(),
    }


def leftovers(model: nn.Module, before: dict[str, Any] | None = None,
              optimizer: Any = None, outputs: tuple = (), closed: bool = True) -> list[str]:
    """Everything of dlcheck still on the model, the optimizer, the graph of ``outputs`` or in
    torch's global hook dicts (and, once every watcher is ``closed``, on the loss functions);
    an empty list when nothing is left."""
    found = []
    for name, m in model.named_modules():
        for d in MODULE_HOOK_DICTS:
            if getattr(m, d, None):
                found.append(f"module {name or '<model>'!r}: {d} = {dict(getattr(m, d))!r}")
    for name, p in model.named_parameters():
        if getattr(p, "_backward_hooks", None):
            found.append(f"parameter {name!r}: _backward_hooks")
        if getattr(p, "_post_accumulate_grad_hooks", None):
            found.append(f"parameter {name!r}: _post_accumulate_grad_hooks")
    if before is not None:
        now = snapshot(model)
        for key in ("modules", "params", "global"):
            if now[key] != before[key]:
                found.append(f"{key} changed: {before[key]!r} -> {now[key]!r}")
    if optimizer is not None:
        for d in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks"):
            if getattr(optimizer, d, None):
                found.append(f"optimizer: {d}")
    for t in outputs:
        if isinstance(t, torch.Tensor):
            if t.grad_fn is not None and t.grad_fn.metadata:
                found.append(f"output node metadata: {t.grad_fn.metadata!r}")
            if getattr(t, "_backward_hooks", None):
                found.append("output tensor: _backward_hooks")
    if closed and hasattr(nn.functional.mse_loss, "__dlcheck_original__"):
        found.append("torch.nn.functional losses still wrapped")
    if closed and hasattr(torch.amp.GradScaler.step, "__dlcheck_original__"):
        found.append("GradScaler.step still wrapped")
    if closed and (torch_optimizer._global_optimizer_pre_hooks
                   or torch_optimizer._global_optimizer_post_hooks):
        found.append("global optimizer step hooks left")
    return found
