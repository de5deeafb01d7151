"""torch.distributed helpers: which rank we are, the one collective per checked step, and the
two that only some runs need (the shards of fully_shard's gradients; the replica check)."""

from __future__ import annotations

from typing import Any

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


# ------------------------------------------------------------------ sharded tensors (FSDP2)
# fully_shard turns parameters and their gradients into DTensors, each rank holding one shard.
# dlcheck reads only the local shard (a DTensor's own reductions would issue a collective at a
# moment one rank alone may reach) and sums per-parameter squares over ranks itself.

_DTENSOR: Any = None


def _dtensor_type() -> Any:
    global _DTENSOR
    if _DTENSOR is None:
        try:
            from torch.distributed.tensor import DTensor
        except Exception:  # noqa: BLE001 - a torch built without distributed
            DTensor = ()  # isinstance(x, ()) is always False
        _DTENSOR = DTensor
    return _DTENSOR


def is_sharded(t: Any) -> bool:
    return isinstance(t, _dtensor_type())


def local(t: torch.Tensor) -> torch.Tensor:
    """The part of ``t`` this rank holds: its shard for a DTensor, ``t`` itself otherwise."""
    return t.to_local() if isinstance(t, _dtensor_type()) else t


def _is_partitioned(t: Any) -> bool:
    """A DTensor whose shards differ from rank to rank (sharded, not replicated)."""
    placements = getattr(t, "placements", ())
    return any(p.is_shard() for p in placements)


def global_norms(grads: list[Any], local_norms: list[torch.Tensor]) -> list[torch.Tensor]:
    """Per-parameter L2 norms over all ranks, from each rank's norms of its shards: one
    all-reduce of the squares. A gradient that is whole on every rank (replicated, or a plain
    tensor left outside fully_shard) counts as the mean of the ranks' squares, which is its own
    square when the ranks agree."""
    if not local_norms or world_size() <= 1:
        return local_norms
    squares = torch.stack([n.to(torch.float32) for n in local_norms]).square()
    world = float(world_size())
    weights = torch.tensor([1.0 if _is_partitioned(g) else 1.0 / world for g in grads],
                           device=squares.device)
    squares = squares * weights
    all_reduce_sum(squares)
    return list(squares.sqrt().unbind())


def all_reduce_max(flat: torch.Tensor) -> None:
    """Element-wise maximum over ranks, in place (the replica check's own collective, issued
    only every ``interval`` steps at a real end of step)."""
    if _initialized() and world_size() > 1:
        torch.distributed.all_reduce(flat, op=torch.distributed.ReduceOp.MAX)
