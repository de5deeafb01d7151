"""Replicas that drift apart (DC701): under DistributedDataParallel every rank holds a copy of the
model, and the copies must stay identical.

DDP broadcasts the parameters once, when it is built, and from then on keeps them equal only by
giving every rank the same averaged gradient. Anything that touches one rank's copy outside that
path makes the replicas diverge silently, and each rank then trains a different model while the
loss curves of rank 0 look fine: a parameter edited under ``if rank == 0``, an EMA or a weight
tying applied on one rank, a parameter left out of DDP's reducer, a different random
initialisation of a layer added after DDP was built, an optimizer whose state differs by rank.

Every ``interval`` steps (and after the first), at the end of a real step (never from
``report()``: every rank passes there together), each rank takes two numbers per parameter, its
sum and its L2 norm, in float64, and one ``all_reduce(MAX)`` of ``[f, -f]`` gives each number's
largest and smallest value over the ranks. Replicas that DDP keeps in step are bit-identical, so a
spread larger than rounding (``rtol`` of the magnitude) is drift. Parameters sharded by
``fully_shard`` are partitioned, not replicated: they are not compared.
"""

from __future__ import annotations

from typing import Any

import torch

from dlcheck import distributed
from dlcheck.arguments import integer, number
from dlcheck.checks._util import option
from dlcheck.hookspecs import hookimpl

_W = "dlcheck.watch"


class Replicas:
    name = "replicas"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, interval: int = 100, rtol: float = 1e-6) -> None:
        self.interval = integer(_W, option(self.name, "interval"), interval, 1)
        self.rtol = number(_W, option(self.name, "rtol"), rtol, 0.0)
        self._told = False

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        if (self._told or not getattr(watch, "in_step_end", False) or watch.world_size <= 1
                or not getattr(watch, "replicated", False) or step % self.interval):
            return
        model = watch.model
        if model is None:
            return
        named = [(n, p) for n, p in model.named_parameters() if not distributed.is_sharded(p)]
        if not named:
            return
        with torch.no_grad():
            params = [p.detach() for _, p in named]
            device = params[0].device
            sums = torch.stack([p.sum(dtype=torch.float64).to(device) for p in params])
            norms = torch.stack([torch.linalg.vector_norm(p, dtype=torch.float64).to(device)
                                 for p in params])
            fingerprint = torch.cat([sums, norms])
            both = torch.cat([fingerprint, -fingerprint])
            distributed.all_reduce_max(both)
            k = fingerprint.numel()
            high, low = both[:k], -both[k:]
            spread = (high - low).tolist()
            scale = (high.abs() + low.abs()).tolist()
        n = len(named)
        drifted = sorted({i % n for i, (s, m) in enumerate(zip(spread, scale))
                          if s > self.rtol * m and s > 0.0})
        if not drifted:
            return
        self._told = True
        names = [named[i][0] for i in drifted]
        worst = max(drifted, key=lambda i: max(spread[i], spread[i + n]))
        watch.emit(
            "DC701", names[0] if len(names) == 1 else "",
            f"the replicas of the model have drifted apart: {len(names)} parameter(s) differ "
            f"between ranks at step {step} (first: {names[0]!r}; largest spread of the sum over "
            f"ranks: {spread[worst]:.3g})",
            "every rank must change its copy only through the synchronised optimizer step: look "
            "for parameter edits, re-initialisation or EMA/weight tying done on one rank only "
            "(code under `if rank == 0`), parameters DDP ignores, or optimizer state that differs "
            "by rank; load checkpoints on every rank",
            {"parameters": names[:20], "count": len(names), "step": step}, shared=True,
        )
