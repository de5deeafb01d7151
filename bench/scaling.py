"""Does dllint's time grow linearly with the size of a file? Generated files of growing size, in
several shapes, each linted in this process with every built-in rule; the slope of log(time)
against log(size) is fitted per shape, and the script exits 1 if one is superlinear.

    python bench/scaling.py                       # every shape, four sizes each (a few minutes)
    python bench/scaling.py --shapes loops deep   # some shapes
    python bench/scaling.py --quick               # small sizes (the smoke test in tests/)
    python bench/scaling.py --max-slope 1.3       # the bound on the fitted slope (default 1.25)

The shapes are the inputs that were once quadratic or crashed:
- loops: a module of training loops accumulating into one name (a notebook is linted as one module);
- function: one function with many statements;
- deep: one expression nested ever deeper (``x + x + ... + x``), up to the nesting dllint follows;
- literal: one big list literal (generated data saved as code);
- calls: many short statements with calls and attribute reads (ordinary code, as a reference).

Time is CPU time of this process (the lint runs on its own thread), the minimum of ``--repeat``
runs: on a shared machine wall time carries the other jobs' noise. The slope is fitted to
dllint's own time: the lint less the time spent in libcst's parse during it (libcst's parser is
quadratic in an expression's depth; its slope is printed beside, for information). A slope of 1 is linear; the
bound leaves room for the garbage of a larger file and the machine's noise, not for n log n at
these sizes to pass as n^2 (which fits 2).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dllint import engine  # noqa: E402
from dllint.engine import MAX_NESTING, lint_source  # noqa: E402
from dllint.registry import default_registry  # noqa: E402

LOOP = ("for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    optimizer.zero_grad()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    running += loss\n")


def loops(n: int) -> str:
    return "import torch\nrunning = 0\n" + LOOP * (n // 6)


def function(n: int) -> str:
    body = "".join(f"    v{i} = x * {i} + v{max(i - 1, 0)}\n" for i in range(n))
    return "import torch\ndef f(x):\n    v0 = x\n" + body + "    return v0\n"


def deep(n: int) -> str:
    return "import torch\nx = torch.zeros(4)\ny = " + " + ".join(["x"] * n) + "\n"


def literal(n: int) -> str:
    return "import torch\nDATA = [\n" + "".join(f"    {i % 997}, {i * 0.5}, 'k{i}',\n" for i in range(n)) + "]\n"


def calls(n: int) -> str:
    lines = [f"h{i} = layer{i % 7}(h{max(i - 1, 0)}).relu().view(-1, {i % 5 + 1})" for i in range(n)]
    return "import torch\nh0 = torch.zeros(1)\n" + "\n".join(lines) + "\n"


# shape -> (generator, sizes, quick sizes); a size is what the generator's n counts (lines,
# operands, elements).
SHAPES: dict[str, tuple[Callable[[int], str], list[int], list[int]]] = {
    "loops": (loops, [1500, 3000, 6000, 12000], [300, 600, 1200]),
    "function": (function, [2500, 5000, 10000, 20000], [250, 500, 1000]),
    "deep": (deep, [MAX_NESTING // 8, MAX_NESTING // 4, MAX_NESTING // 2, MAX_NESTING - 10],
             [40, 80, 160]),
    "literal": (literal, [5000, 10000, 20000, 40000], [500, 1000, 2000]),
    "calls": (calls, [2500, 5000, 10000, 20000], [250, 500, 1000]),
}


def fit_slope(sizes: list[float], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-6)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    den = sum((x - mx) ** 2 for x in xs)
    return num / den if den else 0.0


def measure(source: str, rules, repeat: int) -> tuple[float, float, list[str]]:
    """(CPU seconds of the whole lint, of libcst's parse within it, the tool findings) for
    ``source``, the run with the least dllint time of ``repeat`` runs."""
    best = (math.inf, 0.0)
    tool: list[str] = []
    spent = [0.0]
    real_parse = engine.parse

    def timed_parse(text: str):
        start = time.process_time()
        try:
            return real_parse(text)
        finally:
            spent[0] += time.process_time() - start

    engine.parse = timed_parse
    try:
        for _ in range(repeat):
            spent[0] = 0.0
            start = time.process_time()
            found = lint_source(source, "generated.py", rules)
            total = time.process_time() - start
            if total - spent[0] < best[0] - best[1]:
                best = (total, spent[0])
            tool = [d.code for d in found if d.code in ("DL000", "DL001", "DL002")]
    finally:
        engine.parse = real_parse
    return best[0], best[1], tool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=sorted(SHAPES))
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--max-slope", type=float, default=1.25)
    args = parser.parse_args(argv)
    rules = [rule() for rule in default_registry() if rule.code not in ("DL000", "DL001", "DL002")]
    print(f"{'shape':9} {'size':>7} {'lines':>7} {'bytes':>9} {'cpu-s':>8} {'libcst':>8} {'dllint':>8}")
    failed = []
    for name in args.shapes:
        generate, sizes, quick = SHAPES[name]
        sizes = quick if args.quick else sizes
        times, parses = [], []
        for size in sizes:
            source = generate(size)
            seconds, parse, tool = measure(source, rules, args.repeat)
            own = max(seconds - parse, 1e-6)
            times.append(own)
            parses.append(parse)
            print(f"{name:9} {size:>7} {source.count(chr(10)):>7} {len(source):>9} {seconds:>8.3f} "
                  f"{parse:>8.3f} {own:>8.3f}" + (f"  tool findings: {tool}" if tool else ""))
            if tool:
                failed.append(f"{name} at size {size}: {tool}")
        # The bound is on dllint's own time (the lint less libcst's parse, which is not ours:
        # it is quadratic in the depth of an expression); libcst's slope is shown beside it.
        slope = fit_slope(sizes, times)
        verdict = "ok" if slope <= args.max_slope else "SUPERLINEAR"
        print(f"{name:9} slope {slope:.2f} (bound {args.max_slope}): {verdict}; "
              f"libcst's parse alone: slope {fit_slope(sizes, parses):.2f}\n")
        if slope > args.max_slope:
            failed.append(f"{name}: slope {slope:.2f} > {args.max_slope}")
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    print("every shape scales linearly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
