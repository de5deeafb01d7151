"""Overhead of dlcheck's runtime checks: a small MLP and a small CNN, 200 training steps each.

Runs plain, the watcher with no check (its fixed cost), each check alone, all default checks
together, and torch.autograd.detect_anomaly(), side by side in one process, and prints the
per-step time and the ratio to the plain step.
Configurations are interleaved over several rounds, so a noisy shared machine biases every
column alike. On CPU a configuration's time is the median of its per-step process CPU times
(``time.process_time``) over all rounds, which other processes on a shared machine inflate
least; on CUDA it is the median over rounds of the wall time of 200 steps, synchronised at both
ends.

    python bench/runtime_overhead.py [--steps 200] [--rounds 3] [--device cpu|cuda]
                                     [--threads N]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
import warnings

import torch
from torch import nn

import dlcheck
from dlcheck.watcher import DEFAULT_CHECKS


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


def run(factory, config: str, steps: int, device: torch.device) -> list[float]:
    torch.manual_seed(0)
    model, shape, classes = factory()
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xs = [torch.randn(*shape, device=device) for _ in range(4)]
    ys = [torch.randint(0, classes, (shape[0],), device=device) for _ in range(4)]
    if config == "plain":
        ctx = contextlib.nullcontext()
    elif config == "detect_anomaly":
        with warnings.catch_warnings():  # it announces itself with a UserWarning
            warnings.simplefilter("ignore")
            ctx = torch.autograd.detect_anomaly(check_nan=True)
    elif config == "no checks":
        ctx = dlcheck.watch(model, opt, checks=[], on_problem="log")
    elif config == "all checks":
        ctx = dlcheck.watch(model, opt, on_problem="log")
    else:
        ctx = dlcheck.watch(model, opt, checks=[config], on_problem="log")

    def step(i: int) -> None:
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(xs[i % 4]), ys[i % 4])
        loss.backward()
        opt.step()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ctx:
            for i in range(10):  # warm-up: allocator, first-step shape recording
                step(i)
            if device.type == "cuda":
                torch.cuda.synchronize()
                t0 = time.perf_counter()
                for i in range(steps):
                    step(i)
                torch.cuda.synchronize()
                return [(time.perf_counter() - t0) / steps]
            # CPU: per-step CPU times; the caller takes the median over all rounds, robust to
            # the preemption spikes of a shared machine (a mean over 200 steps is not)
            times = []
            for i in range(steps):
                t0 = time.process_time()
                step(i)
                times.append(time.process_time() - t0)
            return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 by default: steadier on a shared machine; 0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    configs = ["plain", "no checks", *DEFAULT_CHECKS, "all checks", "detect_anomaly"]
    models = {"MLP": make_mlp, "CNN": make_cnn}
    for factory in models.values():  # process warm-up (allocator, kernels, caches): discarded
        run(factory, "plain", 50, device)
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for mname, factory in models.items():
            for config in configs:
                samples.setdefault((mname, config), []).extend(
                    run(factory, config, args.steps, device))
    best = {key: statistics.median(ts) for key, ts in samples.items()}
    print(f"dlcheck runtime overhead: {args.steps} steps x {args.rounds} interleaved rounds, "
          f"median step, "
          f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    header = f"{'configuration':<16}" + "".join(f"{m + ' ms/step':>14}{m + ' ratio':>11}" for m in models)
    print(header)
    print("-" * len(header))
    for config in configs:
        row = f"{config:<16}"
        for mname in models:
            t = best[(mname, config)]
            row += f"{t * 1e3:>14.3f}{t / best[(mname, 'plain')]:>10.2f}x"
        print(row)


if __name__ == "__main__":
    main()
