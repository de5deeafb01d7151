"""Small helpers shared by the built-in checks."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def tensors(obj: Any, depth: int = 0) -> Iterable[torch.Tensor]:
    """Tensors in a module's inputs or output: tensor, tuple/list, dict (nested a little)."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif depth > 3:
        return
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from tensors(o, depth + 1)
    elif isinstance(obj, Mapping):
        for o in obj.values():
            yield from tensors(o, depth + 1)


def finite_probe(t: torch.Tensor) -> torch.Tensor:
    """One reduction whose result is non-finite when any element is (or when the sum overflows,
    which means activations near 1e38/numel: worth a look too). Stays on the device."""
    if t.requires_grad:  # detaching costs a dispatch: only where a graph would be built
        t = t.detach()
    dtype = t.dtype
    if dtype is torch.float32:  # the common case first; sum keeps float32
        # a 0-d tensor (a loss) is its own probe: one op fewer, and each op costs several
        # microseconds inside a training step
        return t.sum() if t.dim() else t
    if dtype in _LOW_PRECISION:
        return t.sum(dtype=torch.float32)
    if t.is_complex():
        return torch.view_as_real(t).sum().to(torch.float32)
    return t.sum().to(torch.float32)


def is_float(t: torch.Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


try:
    compiling = torch.compiler.is_compiling
except AttributeError:  # older torch
    def compiling() -> bool:
        return False


try:
    # the C function itself, not a Python function calling it: it runs a few times per step
    transforms_active = torch._C._are_functorch_transforms_active
    """True inside torch.func transforms (vmap, grad, jvp): tensors there are per-level wrappers."""
except AttributeError:  # older torch
    def transforms_active() -> bool:
        return False


def option(check: str, name: str) -> str:
    """How an option of a check is named in an argument error."""
    return f"checks[{check!r}][{name!r}]"


def shape_str(shape: Any) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"
