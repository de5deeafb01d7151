"""Overhead of dlcheck's runtime checks: a small MLP and a small CNN, 200 training steps each.

Runs plain, the watcher with no check (its fixed cost), each check alone, all default checks
together, and torch.autograd.detect_anomaly(), side by side in one process, and prints the
per-step time and the ratio to the plain step.

All configurations train the same model (one MLP, one CNN, each with its optimizer and data), in
short blocks (``--block``, 20 steps). In each pass the configurations of a model take turns in
a new random order (fixed seed), and a plain block runs before the first and after each one: a
configuration's block is compared with the mean of the two plain blocks around it, taken a
second or less before and after, so a machine that slows down for a while slows both sides of
the ratio alike. Only one watcher exists at a time, as in real use: a block opens its watcher
(or detect_anomaly), takes a few untimed steps (the first step records shapes), times its steps
and closes it. A block's time covers the checks' periodic work (a window's end every 10 steps,
a median every 5). A block's time per step is process CPU time (``time.process_time``) on CPU,
which other processes on a shared machine inflate least, and wall time synchronised at both
ends on CUDA. ms/step is the median over a configuration's blocks; a ratio is the median over
its blocks of that ratio, with a 95% confidence interval of the median (order statistics, no
assumption about the noise's distribution). On a shared machine one block's ratio varies by
about +-0.15: more rounds narrow the interval (``--configs "all checks" --rounds 15``).

A last line gives the minor page faults per timed step of each configuration: kernel time that
process CPU time includes and instruction counts do not. ``--steady-malloc`` fixes glibc's mmap
and trim thresholds for the whole run (every configuration alike), which takes the CNN's
500-1200 faults a step to about 0 (see docs/dlcheck.md, "Overhead").

    python bench/runtime_overhead.py [--steps 200] [--rounds 3] [--block 20]
                                     [--device cpu|cuda] [--threads N] [--steady-malloc]
                                     [--configs "all checks,nonfinite"]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import math
import random
import resource
import statistics
import sys
import time
import warnings

import torch
from torch import nn

import dlcheck
from dlcheck.watcher import DEFAULT_CHECKS, FULL_FIRST


def make_mlp() -> tuple[nn.Module, tuple[int, ...], int]:
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256),
                          nn.ReLU(), nn.Linear(256, 10))
    return model, (64, 1, 28, 28), 10


def make_cnn() -> tuple[nn.Module, tuple[int, ...], int]:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(32, 10),
    )
    return model, (32, 3, 16, 16), 10


class Setup:
    """One model with its optimizer and data, shared by every configuration: different model
    instances lie differently in memory and caches, which alone moved a column by 10% here."""

    def __init__(self, factory, device: torch.device) -> None:
        torch.manual_seed(0)
        model, shape, classes = factory()
        self.model = model.to(device)
        self.opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        self.xs = [torch.randn(*shape, device=device) for _ in range(4)]
        self.ys = [torch.randint(0, classes, (shape[0],), device=device) for _ in range(4)]


class Config:
    """One column of the table for one model."""

    def __init__(self, setup: Setup, name: str, device: torch.device) -> None:
        self.model, self.opt, self.xs, self.ys = setup.model, setup.opt, setup.xs, setup.ys
        self.name = name
        self.device = device
        self.i = 0
        self.faults: list[float] = []  # minor page faults per timed step, one value per block

    def context(self):
        model, opt, config = self.model, self.opt, self.name
        if config == "plain":
            return contextlib.nullcontext()
        if config == "detect_anomaly":
            return torch.autograd.detect_anomaly(check_nan=True)
        if config == "no checks":
            return dlcheck.watch(model, opt, checks=[], on_problem="log")
        if config == "all checks":
            return dlcheck.watch(model, opt, on_problem="log")
        if config == "all + history":  # every step of a block is recorded: the worst case
            return dlcheck.watch(model, opt, on_problem="log", history=True)
        if config == "full every step":  # every step fully checked: what the first steps cost
            return dlcheck.watch(model, opt, on_problem="log", sentinel=False)
        return dlcheck.watch(model, opt, checks=[config], on_problem="log")

    def step(self) -> None:
        i = self.i = self.i + 1
        self.opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(self.model(self.xs[i % 4]), self.ys[i % 4])
        loss.backward()
        self.opt.step()

    def block(self, steps: int, warmup: int = 3) -> float:
        """Time per step over one block: process CPU time on CPU, synchronised wall time on CUDA."""
        cuda = self.device.type == "cuda"
        clock = time.perf_counter if cuda else time.process_time
        with warnings.catch_warnings():  # detect_anomaly announces itself with a UserWarning
            warnings.simplefilter("ignore")
            with self.context():
                for _ in range(warmup):
                    self.step()
                # Opening and closing watchers leaves garbage behind: collect it now, or a full
                # collection (tens of ms with torch loaded) lands in some configuration's timing
                gc.collect()
                if cuda:
                    torch.cuda.synchronize()
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                t0 = clock()
                for _ in range(steps):
                    self.step()
                if cuda:
                    torch.cuda.synchronize()
                t = (clock() - t0) / steps
                self.faults.append(
                    (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / steps)
                return t


def median_with_interval(values: list[float]) -> tuple[float, float, float]:
    """The median and a 95% confidence interval for it from order statistics: the values of
    rank n/2 - 1.96 sqrt(n)/2 (rounded down) and 1 + n/2 + 1.96 sqrt(n)/2 (rounded up), counted
    from 1 (distribution-free; wide when n is small)."""
    ordered = sorted(values)
    n = len(ordered)
    half = 1.96 * math.sqrt(n) / 2
    lo = max(0, math.floor(n / 2 - half) - 1)
    hi = min(n - 1, math.ceil(n / 2 + half))
    return statistics.median(ordered), ordered[lo], ordered[hi]


def steady_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds (which it otherwise moves as the process frees large
    blocks), so that the heap keeps the pages it has: with the defaults a CNN step here takes
    500-1200 minor page faults (1-4 ms of kernel time in a 12 ms step), and how many depends on
    the process's allocation history, not on the configuration being timed. Applies to every
    configuration alike. False where it cannot be set (not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, 512 << 20))
    except (OSError, AttributeError):
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--block", type=int, default=20,
                    help="steps per block; configurations take turns block by block")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 by default: steadier on a shared machine; 0: torch's default)")
    ap.add_argument("--warmup", type=int, default=FULL_FIRST + 3,
                    help="untimed steps of each watched block: by default past the fully "
                         f"checked first {FULL_FIRST} steps, so that a block times the steady "
                         "state (one fully checked step in 20); 'full every step' times "
                         "what every one of the first steps costs")
    ap.add_argument("--configs", default="",
                    help="comma-separated configurations to run besides plain (default: all)")
    ap.add_argument("--steady-malloc", action="store_true",
                    help="fix glibc's mmap/trim thresholds for the whole run (every configuration "
                         "alike): times the checks without the page faults of the allocator's "
                         "moving thresholds (see the page-fault line)")
    args = ap.parse_args()
    if args.steady_malloc and not steady_malloc():
        ap.error("--steady-malloc: glibc's mallopt is not available here")
    logging.getLogger("dlcheck").setLevel(logging.ERROR)  # findings in a benchmark model: not ours
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    configs = ["plain", "no checks", *DEFAULT_CHECKS, "all checks", "full every step",
               "all + history", "detect_anomaly"]
    if args.configs:
        wanted = [c.strip() for c in args.configs.split(",") if c.strip()]
        unknown = sorted(set(wanted) - set(configs))
        if unknown:
            ap.error(f"unknown configuration(s) {unknown}; choose from {configs}")
        configs = ["plain"] + [c for c in configs if c in wanted and c != "plain"]
    models = {"MLP": make_mlp, "CNN": make_cnn}
    setups = {m: Setup(factory, device) for m, factory in models.items()}
    runs = {(m, c): Config(setups[m], c, device) for m in models for c in configs}
    for r in runs.values():  # process warm-up (allocator, kernels, caches): discarded
        r.block(5, warmup=5)
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
    ratios: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
    blocks = max(1, args.steps // args.block)
    others = [c for c in configs if c != "plain"]
    shuffle = random.Random(0).shuffle
    for _ in range(args.rounds):
        for _ in range(blocks):
            for mname in models:
                # plain, c1, plain, c2, ..., plain: each block sits between two plain blocks of
                # its model, a second or less apart, and is compared with their mean
                shuffle(others)
                before = runs[(mname, "plain")].block(args.block)
                samples[(mname, "plain")].append(before)
                for config in others:
                    t = runs[(mname, config)].block(
                        args.block, 3 if config in ("detect_anomaly", "plain") else args.warmup)
                    after = runs[(mname, "plain")].block(args.block)
                    samples[(mname, config)].append(t)
                    samples[(mname, "plain")].append(after)
                    ratios[(mname, config)].append(2 * t / (before + after))
                    before = after
    print(f"dlcheck runtime overhead: {blocks * args.block} steps x {args.rounds} rounds in "
          f"blocks of {args.block} (after {args.warmup} untimed steps of a new watcher), each "
          f"between two plain blocks; median step; ratio to the "
          f"neighbouring plain blocks: median [95% CI]; device {device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s)"
          + ("; glibc mmap/trim thresholds fixed (--steady-malloc)" if args.steady_malloc else ""))
    header = f"{'configuration':<16}" + "".join(
        f"{m + ' ms/step':>14}{m + ' ratio [95% CI]':>24}" for m in models)
    print(header)
    print("-" * len(header))
    for config in configs:
        row = f"{config:<16}"
        for mname in models:
            ms = statistics.median(samples[(mname, config)]) * 1e3
            if config == "plain":
                row += f"{ms:>14.3f}{'1.00x':>11}{'':13}"
                continue
            mid, lo, hi = median_with_interval(ratios[(mname, config)])
            row += f"{ms:>14.3f}{mid:>10.2f}x [{lo:.2f}, {hi:.2f}]"
        print(row)
    # minor page faults per timed step (median over blocks): kernel time that the process's
    # CPU time includes and instruction counts do not
    print("\nminor page faults per step (median over blocks): " + "; ".join(
        f"{m} " + ", ".join(f"{c} {statistics.median(runs[(m, c)].faults):.0f}" for c in configs)
        for m in models))


if __name__ == "__main__":
    main()
