"""How fast dllint finds the files to lint (``dllint.files.discover``): git's ignore rules and the
exclude globs, all matched by pathspec.

    python bench/discovery.py                 # the installed torch package, then a generated repo
    python bench/discovery.py --repeat 5      # the median of 5 walks each

Two trees: the installed torch package (thousands of files, the default excludes, no repository)
and a generated repository of ``--dirs`` directories with a ``.gitignore`` in each, a
``.git/info/exclude`` and a ``extend-exclude`` of runs of ``*`` (which once backtracked
exponentially). Prints the files found, the median seconds and files per second.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dllint.files import Excludes, discover


def _generated(root: Path, dirs: int) -> None:
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "exclude").write_text("*.local.py\n")
    (root / ".gitignore").write_text("out/\n*.gen.py\n!keep.gen.py\n/top_only.py\n")
    for number in range(dirs):
        directory = root / f"pkg{number % 20}" / f"mod{number}"
        directory.mkdir(parents=True)
        (directory / ".gitignore").write_text(f"skip_{number}.py\n")
        for name in ("a.py", "b.gen.py", "keep.gen.py", "c.local.py", f"skip_{number}.py",
                     "d" + "x" * 40 + ".py"):
            (directory / name).write_text("x = 1\n")
        (directory / "out").mkdir()
        (directory / "out" / "e.py").write_text("x = 1\n")


def _time(arguments: list[str], excludes: Excludes, repeat: int) -> tuple[int, float]:
    times = []
    found = 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = len(discover(arguments, excludes))
        times.append(time.perf_counter() - start)
    return found, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dirs", type=int, default=400)
    args = parser.parse_args(argv)
    rows = []
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.submodule_search_locations:
        torch_dir = Path(list(spec.submodule_search_locations)[0])
        found, seconds = _time([str(torch_dir)], Excludes.build(torch_dir, None, []), args.repeat)
        rows.append(("installed torch, default excludes", found, seconds))
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        _generated(root, args.dirs)
        excludes = Excludes.build(root, None, ["never" + "*" * 50 + "matched"])
        found, seconds = _time([str(root)], excludes, args.repeat)
        rows.append((f"generated repo, {args.dirs} .gitignore files", found, seconds))
    print(f"{'tree':<40} {'files':>7} {'seconds':>8} {'files/s':>9}")
    for name, found, seconds in rows:
        print(f"{name:<40} {found:>7} {seconds:>8.3f} {found / seconds:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
