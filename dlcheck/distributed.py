"""torch.distributed helpers: which rank we are, and the one collective per checked step."""

from __future__ import annotations

import torch


def _initialized() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank() -> int:
    return torch.distributed.get_rank() if _initialized() else 0


def world_size() -> int:
    return torch.distributed.get_world_size() if _initialized() else 1


def all_reduce_sum(flat: torch.Tensor) -> None:
    """Sum ``flat`` over ranks in place: the only collective dlcheck issues, once per step.

    NCCL only reduces CUDA tensors, so the vector stays on the device it was gathered on.
    """
    if _initialized() and world_size() > 1:
        torch.distributed.all_reduce(flat, op=torch.distributed.ReduceOp.SUM)
