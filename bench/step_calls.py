"""Python function calls per training step under dlcheck (cProfile's call counts): the same MLP
and CNN as runtime_overhead.py, plain, with the watcher and no check, with all default checks on
sentinel steps, and with every step fully checked. A count, not a time: it does not move with the
machine's load, so it shows what a change to the hot path removed when timings are too noisy.
``--ops`` counts the torch ops per step instead (those that reach the dispatcher's Python key:
an op that calls others in C++, such as ``torch._foreach_norm`` on CPU, counts once; one made of
others in Python-visible pieces, such as ``flatten_dense_tensors``, counts each view).

    python bench/step_calls.py [--steps 16] [--ops]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
from collections import Counter

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

import dlcheck
from dlcheck.watcher import FULL_EVERY, FULL_FIRST
from runtime_overhead import make_cnn, make_mlp

CONFIGS = {"plain": None, "no checks": {"checks": []}, "all checks": {},
           "full every step": {"sentinel": False}}


class _Ops(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


def calls_per_step(factory, config: str, steps: int, ops: bool = False) -> float:
    torch.manual_seed(0)
    model, shape, classes = factory()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(*shape), torch.randint(0, classes, (shape[0],))
    options = CONFIGS[config]
    watcher = dlcheck.wrap(model, opt, on_problem="log", **options) if options is not None else None

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    try:
        for _ in range(FULL_FIRST + 1):  # past the fully checked first steps: sentinel steps
            step()
        if ops:
            with _Ops() as counter:
                for _ in range(steps):
                    step()
            return sum(counter.counts.values()) / steps
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(steps):
            step()
        profile.disable()
    finally:
        if watcher is not None:
            watcher.close()
    return sum(v[1] for v in pstats.Stats(profile).stats.values()) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=16,
                    help=f"profiled steps, all sentinel steps when below {FULL_EVERY - 1}")
    ap.add_argument("--ops", action="store_true",
                    help="count torch ops per step instead of Python calls")
    args = ap.parse_args()
    if not 1 <= args.steps < FULL_EVERY - 1:
        ap.error(f"--steps must be between 1 and {FULL_EVERY - 2}, got {args.steps}")
    logging.getLogger("dlcheck").setLevel(logging.ERROR)
    torch.set_num_threads(1)
    what = "torch ops per step (dispatch)" if args.ops else "Python calls per step (cProfile)"
    print(f"{what}, {args.steps} steps after the first {FULL_FIRST + 1}")
    print(f"{'configuration':<16}{'MLP':>8}{'CNN':>8}")
    for config in CONFIGS:
        mlp = calls_per_step(make_mlp, config, args.steps, args.ops)
        cnn = calls_per_step(make_cnn, config, args.steps, args.ops)
        print(f"{config:<16}{mlp:>8.1f}{cnn:>8.1f}")


if __name__ == "__main__":
    main()
