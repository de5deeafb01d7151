"""Lint the whole standard library and the installed torch package with every rule: no crash.

    python bench/lint_corpus.py                 # stdlib (site-packages excluded) + torch, all cores
    python bench/lint_corpus.py --jobs 1 --sample 200   # a deterministic sample, one process

Files are read as text and never imported. Passes when no file gets a DL000 (a rule crashed) and
every DL001 (could not parse) is a file that CPython itself cannot compile either, or one whose
DL001 says that libcst, not the file, is at fault (CPython 3.11's stdlib has two: ``(x): int``). Prints the
counts and the time; exits 1 on a failure. tests/robustness/test_robust_corpus.py runs a sample.
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import resource
import sys
import sysconfig
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dllint.files import SourceFile
from dllint.registry import default_registry
from dllint.runner import RunSettings, run


def stdlib_files(include_tests: bool = True) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in ("site-packages", "dist-packages"):
            continue
        if not include_tests and any(p in ("test", "tests", "idle_test") for p in parts[:-1]):
            continue
        out.append(path)
    return sorted(out)


def torch_files() -> list[Path]:
    """The installed torch package's .py files, found without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return []
    out: list[Path] = []
    for location in spec.submodule_search_locations:
        out.extend(Path(location).rglob("*.py"))
    return sorted(out)


def cpu_time() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def python_rejects(path: Path) -> bool:
    data = path.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


@dataclass
class CorpusReport:
    files: int = 0
    lines: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process and its workers: the honest figure on a busy machine
    by_code: Counter = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # DL000 findings, as text
    wrong_syntax_errors: list[str] = field(default_factory=list)  # DL001 on files CPython compiles
    parser_limits: list[str] = field(default_factory=list)  # ... that say libcst is the one to blame
    syntax_errors: int = 0

    @property
    def ok(self) -> bool:
        return not self.crashes and not self.wrong_syntax_errors


def lint_corpus(paths: list[Path], jobs: int | None) -> CorpusReport:
    registry = default_registry()
    report = CorpusReport(files=len(paths))
    report.lines = sum(p.read_bytes().count(b"\n") for p in paths)
    files = [SourceFile(str(p), p) for p in paths]
    settings = RunSettings(enabled=frozenset(r.code for r in registry), jobs=jobs)
    start, cpu = time.perf_counter(), cpu_time()
    result = run(files, settings)
    report.seconds = time.perf_counter() - start
    report.cpu_seconds = cpu_time() - cpu
    for d in result.diagnostics:
        report.by_code[d.code] += 1
        if d.code == "DL000":
            report.crashes.append(f"{d.path}:{d.line}:{d.column}: {d.message}")
        elif d.code == "DL001":
            report.syntax_errors += 1
            if not python_rejects(Path(d.path)):
                where = f"{d.path}:{d.line}:{d.column}: {d.message}"
                if "dllint's parser (libcst) does not support" in d.message:
                    report.parser_limits.append(where)  # a known limit of libcst, said so
                else:
                    report.wrong_syntax_errors.append(where)
    return report


def sample(paths: list[Path], count: int | None, seed: int = 0) -> list[Path]:
    if count is None or count >= len(paths):
        return paths
    return sorted(random.Random(seed).sample(paths, count))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--sample", type=int, default=None, help="lint this many files of each corpus")
    parser.add_argument("--no-tests", action="store_true", help="skip the stdlib's test directories")
    parser.add_argument("--corpus", choices=["stdlib", "torch", "both"], default="both")
    args = parser.parse_args(argv)
    corpora = {}
    if args.corpus in ("stdlib", "both"):
        corpora["stdlib"] = sample(stdlib_files(not args.no_tests), args.sample)
    if args.corpus in ("torch", "both"):
        corpora["torch"] = sample(torch_files(), args.sample)
    failed = False
    print(f"{len(list(default_registry()))} rules, jobs={args.jobs or 'all cores'}")
    print(f"{'corpus':8} {'files':>6} {'lines':>9} {'seconds':>8} {'cpu s':>8} {'lines/cpu s':>11} {'DL001':>6} {'DL000':>6}  findings")
    for name, paths in corpora.items():
        report = lint_corpus(paths, args.jobs)
        rules = ", ".join(f"{c} {n}" for c, n in sorted(report.by_code.items()) if c not in ("DL000", "DL001"))
        print(f"{name:8} {report.files:6d} {report.lines:9d} {report.seconds:8.1f} "
              f"{report.cpu_seconds:8.1f} {report.lines / max(report.cpu_seconds, 1e-9):11.0f} {report.syntax_errors:6d} {len(report.crashes):6d}  {rules}")
        for line in report.crashes:
            print(f"  CRASH {line}")
        for line in report.parser_limits:
            print(f"  LIBCST CANNOT PARSE VALID PYTHON (reported as such) {line}")
        for line in report.wrong_syntax_errors:
            print(f"  DL001 ON VALID PYTHON {line}")
        failed |= not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
