"""How fast dllint lints a real corpus: the installed torch package's .py files and examples/.

    python bench/lint_speed.py                  # the table: cold / warm cache, one process / all cores
    python bench/lint_speed.py --sample 300     # a deterministic sample of 300 torch files (quicker)
    python bench/lint_speed.py --profile        # where the time goes: per phase, per analysis, per rule
    python bench/lint_speed.py --profile --cpu  # ... in the thread's CPU time (a shared machine)
    python bench/lint_speed.py --cprofile       # cProfile's top entries of an in-process lint
    DLLINT_PROFILE_CALLERS=compile python bench/lint_speed.py --cprofile  # ... and who calls compile

The table runs the real CLI (``python -m dllint``) in a subprocess on a copy of the corpus in a
temporary directory, so that its ``.dllint_cache`` lands there and nothing of the corpus is touched:
- cold, no cache: ``--no-cache``: every file parsed and linted;
- cold cache: an empty cache that the run fills (the first run of a user);
- warm cache: the same command again over the unchanged tree (parses nothing);
- one-line edit: a line added to the module of the corpus that most files import, then the same
  command: only the files whose findings used that module's summaries are linted again (counted
  from the cache entries the run wrote), beside how many files import it.
Each scenario runs with ``--jobs 1`` and with every core. ``lines/s`` divides by wall-clock time;
``lines/cpu-s`` by the CPU time of the CLI and its workers, the fairer figure on a shared machine;
``load`` is the machine's one-minute load average when the row was measured. The rows are not
warmed up and need not be: each is a fresh process (which compiles dllint's sources where no
bytecode is cached, the same cost in every row), and the corpus copy is in the page cache from
its writing. A first row slower than the next ones in wall-clock time with the same CPU time is
the load of the machine moving (2026-12-04: 22.7 CPU-s against 24.4 for the second row, load 17).
Targets (issue 2): cold >= 4,000 lines/s on one core; warm >= 50x faster than cold. Issue 13:
warm >= 100x faster than cold; an edit re-lints only what depends on the edited module.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.util
import io
import json
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FINDINGS: Counter = Counter()  # codes found by the last run that linted (for the summary line)


def torch_files() -> list[tuple[Path, str]]:
    """The installed torch package's .py files (path, path relative to site-packages), found
    without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return []
    out: list[tuple[Path, str]] = []
    for location in spec.submodule_search_locations:
        root = Path(location)
        out.extend((p, str(p.relative_to(root.parent))) for p in root.rglob("*.py"))
    return sorted(out)


def corpus(sample: int | None, seed: int = 0, directory: Path | None = None) -> list[tuple[Path, str]]:
    """(absolute path, path inside the copy) for each file of the corpus."""
    if directory is not None:
        files = sorted((p, str(p.relative_to(directory.parent))) for p in directory.rglob("*.py"))
    else:
        files = torch_files()
    if sample is not None and sample < len(files):
        files = sorted(random.Random(seed).sample(files, sample))
    for p in sorted((PROJECT_ROOT / "examples").glob("*.py")):
        files.append((p, str(Path("examples") / p.name)))
    return files


def count_lines(files: list[tuple[Path, str]]) -> int:
    return sum(src.read_bytes().count(b"\n") for src, _ in files)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Row:
    scenario: str
    files: int
    lines: int
    seconds: float
    cpu: float
    base: float | None  # the cold run's seconds this row is compared with
    base_cpu: float | None = None  # and its CPU seconds
    load: float = field(default_factory=lambda: os.getloadavg()[0])  # when the row was measured

    def cells(self) -> list[str]:
        speedup = f"{self.base / self.seconds:.1f}x" if self.base else "1.0x"
        cpu_speedup = f"{self.base_cpu / max(self.cpu, 1e-9):.1f}x" if self.base_cpu else "-"
        return [self.scenario, f"{self.files}", f"{self.lines}", f"{self.seconds:.2f}",
                f"{self.lines / self.seconds:,.0f}", f"{self.lines / max(self.cpu, 1e-9):,.0f}", speedup,
                cpu_speedup, f"{self.load:.1f}"]


def run_cli(workdir: Path, args: list[str]) -> tuple[float, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dllint", "--exit-zero", "--quiet", "--format", "json", *args, "."],
        cwd=workdir, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"dllint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = Counter(d["code"] for d in json.loads(proc.stdout or "[]"))
    if found:
        FINDINGS.clear()
        FINDINGS.update(found)
    if found.get("DL000"):
        print(f"warning: a rule crashed (DL000) {found['DL000']} times during the benchmark",
              file=sys.stderr)
    return seconds, children_cpu() - cpu


def table(files: list[tuple[Path, str]], jobs_all: int, select: str | None,
          quick: bool = False) -> list[Row]:
    lines = count_lines(files)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dllint-bench-") as tmp:
        workdir = Path(tmp)
        for src, rel in files:
            target = workdir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        # An empty configuration: the cache goes beside it, and no project setting leaks in.
        (workdir / "pyproject.toml").write_text("[tool.dllint]\n")
        extra = ["--select", select] if select else []
        for jobs in ((jobs_all,) if quick else (1, jobs_all)):
            label = "1 process" if jobs == 1 else f"{jobs} processes"
            shutil.rmtree(workdir / ".dllint_cache", ignore_errors=True)
            if quick:  # the run that fills the cache is the cold run
                cold, cold_cpu = run_cli(workdir, ["--jobs", str(jobs), *extra])
                rows.append(Row(f"cold cache (filling it), {label}", len(files), lines, cold, cold_cpu, None))
            else:
                cold, cold_cpu = run_cli(workdir, ["--no-cache", "--jobs", str(jobs), *extra])
                rows.append(Row(f"cold, --no-cache, {label}", len(files), lines, cold, cold_cpu, None))
                seconds, cpu = run_cli(workdir, ["--jobs", str(jobs), *extra])
                rows.append(Row(f"cold cache (filling it), {label}", len(files), lines, seconds, cpu, cold,
                            cold_cpu))
            seconds, cpu = run_cli(workdir, ["--jobs", str(jobs), *extra])
            rows.append(Row(f"warm cache, {label}", len(files), lines, seconds, cpu, cold, cold_cpu))
            if quick:
                seconds, cpu = run_cli(workdir, ["--jobs", "1", *extra])
                rows.append(Row("warm cache, 1 process", len(files), lines, seconds, cpu, cold, cold_cpu))
            if jobs == jobs_all:
                rows.append(edit_row(workdir, len(files), lines, jobs, extra, cold, cold_cpu))
            if jobs_all == 1:
                break
    return rows


def importers(workdir: Path) -> dict[str, set[str]]:
    """Module name -> the files of the tree that import it (``import a.b``, ``from a.b import c``,
    relative imports resolved), read with ``ast``, never run."""
    import ast

    out: dict[str, set[str]] = {}
    for path in sorted(workdir.rglob("*.py")):
        rel = path.relative_to(workdir)
        package = list(rel.parent.parts)
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            for name in names:
                out.setdefault(name, set()).add(str(rel))
    return out


def module_file(workdir: Path, name: str) -> Path | None:
    base = workdir.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def edit_row(workdir: Path, files: int, lines: int, jobs: int, extra: list[str], cold: float,
             cold_cpu: float) -> Row:
    """Add one line to the most imported module of the tree and lint again with the warm cache."""
    users = importers(workdir)
    ranked = sorted(((len(v), k) for k, v in users.items() if module_file(workdir, k)
                     and module_file(workdir, k).name != "__init__.py"), reverse=True)
    count, name = ranked[0]
    target = module_file(workdir, name)
    assert target is not None
    cache = workdir / ".dllint_cache"
    before = time.time()
    time.sleep(0.05)  # mtimes of entries written by this run are strictly later
    with target.open("a") as handle:
        handle.write("\n_dllint_bench_edit = 1\n")
    seconds, cpu = run_cli(workdir, ["--jobs", str(jobs), *extra])
    relinted = sum(1 for p in cache.rglob("*.json") if p.stat().st_mtime > before)
    print(f"one-line edit of {target.relative_to(workdir)} ({name}, imported by {count} files): "
          f"{relinted} of {files} files linted again", file=sys.stderr)
    return Row(f"one-line edit of the most imported module ({relinted} re-linted, {count} import it)",
               files, lines, seconds, cpu, cold, cold_cpu)


def print_table(rows: list[Row]) -> None:
    header = ["scenario", "files", "lines", "seconds", "lines/s", "lines/cpu-s", "speed-up vs cold",
              "in CPU time", "load"]
    body = [r.cells() for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-|-".join("-" * w for w in widths))
    for b in body:
        print(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(b, widths))))


# -- where the time goes -------------------------------------------------------------------------

def profile(files: list[tuple[Path, str]], codes: set[str] | None, cpu: bool = False) -> None:
    """Exclusive time per phase, per shared analysis (charged once, to no rule) and per rule, in
    one process, mirroring dllint.engine.lint_source step by step (the nesting check, the
    collector paused within a file). ``cpu``: read the thread's CPU time instead of the wall
    clock (on a shared machine the wall clock also counts the other jobs' turns)."""
    clock = time.thread_time if cpu else time.perf_counter
    import libcst as cst

    from dllint import engine
    from dllint.context import FileContext
    from dllint.noqa import parse_suppressions
    from dllint.registry import default_registry

    rules = [cls() for cls in default_registry()
             if cls.code not in ("DL000", "DL001") and (codes is None or cls.code in codes)]
    phase: Counter = Counter()
    per_rule: Counter = Counter()
    per_analysis: Counter = Counter()
    findings: Counter = Counter()
    stack: list[float] = []
    original = FileContext.analysis

    def timed_analysis(self, cls):
        if cls in self._analyses:
            return self._analyses[cls]
        stack.append(0.0)
        start = clock()
        try:
            return original(self, cls)
        finally:
            elapsed = clock() - start
            inner = stack.pop()
            per_analysis[cls.__name__] += elapsed - inner
            if stack:
                stack[-1] += elapsed

    FileContext.analysis = timed_analysis
    lines = skipped = files_done = 0
    gc.disable()
    try:
        for src, _ in files:
            data = src.read_bytes()
            lines += data.count(b"\n")
            # As the engine: the collector is paused while a file is linted, and runs between
            # files (here explicitly, outside the timed phases).
            gc.collect(2 if files_done % 50 == 0 else 1)
            files_done += 1
            t = clock()
            try:
                source = engine.decode_source(data)
            except engine.DecodeError:
                continue
            t1 = clock()
            rejected, tree = engine._python_syntax_error(str(src), source)
            t2 = clock()
            phase["decode"] += t1 - t
            phase["CPython syntax gate"] += t2 - t1
            if rejected is not None:
                skipped += 1
                continue
            nested = engine._nesting(tree)[0] if tree is not None else 0
            t3 = clock()
            phase["nesting check"] += t3 - t2
            t2 = t3
            if nested > engine.MAX_NESTING:  # DL002: the engine skips the file
                skipped += 1
                continue
            try:
                module = cst.parse_module(source)
            except Exception:  # noqa: BLE001
                skipped += 1
                continue
            t3 = clock()
            ctx = FileContext(str(src), source, module, python_ast=tree)
            t4 = clock()
            phase["libcst parse"] += t3 - t2
            phase["index (one walk)"] += t4 - t3
            for rule in rules:
                ctx.rule = rule
                stack.append(0.0)
                start = clock()
                try:
                    rule.check(ctx)
                except Exception:  # noqa: BLE001
                    findings["DL000"] += 1
                elapsed = clock() - start
                per_rule[rule.code] += elapsed - stack.pop()
            for d in ctx.diagnostics:
                findings[d.code] += 1
            t5 = clock()
            if ctx.diagnostics:  # as the engine: the comments are read only to hide a finding
                parse_suppressions(source)
            phase["noqa"] += clock() - t5
    finally:
        FileContext.analysis = original
        gc.enable()
    total = sum(phase.values()) + sum(per_rule.values()) + sum(per_analysis.values())
    what = "CPU-s" if cpu else "s"
    print(f"{len(files)} files, {lines} lines, {total:.2f} {what} in one process: {lines / total:,.0f} lines/{what}")
    if skipped:
        # a profile that silently skipped its files would time nothing but the gate
        print(f"{skipped} files not linted (they do not parse): their time is in the gate only")
    parse = phase.get("libcst parse", 0.0)
    if parse > 0:
        # issue 13's target: the whole lint at least half of libcst's parse speed
        print(f"the whole lint runs at {parse / total:.2f} of libcst's parse speed (target >= 0.5)")
    print("(rule times exclude the shared analyses they request; positions of findings are charged "
          "to the rule that reports)\n")
    print(f"{'what':34} {'seconds':>8} {'share':>6} {'lines/s alone':>14} {'findings':>8}")
    for title, counter in (("phase", phase), ("analysis", per_analysis), ("rule", per_rule)):
        for name, seconds in counter.most_common():
            label = f"{title}: {name}"
            alone = f"{lines / seconds:,.0f}" if seconds > 0 else "-"
            count = str(findings.get(name, "")) if title == "rule" else ""
            print(f"{label:34} {seconds:8.2f} {seconds / total:6.1%} {alone:>14} {count:>8}")


def cprofile(files: list[tuple[Path, str]], top: int) -> None:
    from dllint.engine import lint_bytes
    from dllint.registry import default_registry

    from dllint import engine

    rules = [cls() for cls in default_registry()]
    data = [(str(src), src.read_bytes()) for src, _ in files]
    profiler = cProfile.Profile()
    deep_stack = engine.on_deep_stack

    def profiled(function, *args):
        # The engine lints each file on a thread of its own; a profiler sees one thread only.
        def inner(*inner_args):
            profiler.enable()
            try:
                return function(*inner_args)
            finally:
                profiler.disable()
        return deep_stack(inner, *args)

    engine.on_deep_stack = profiled
    try:
        for path, blob in data:
            lint_bytes(blob, path, rules)
    finally:
        engine.on_deep_stack = deep_stack
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("DLLINT_PROFILE_SORT", "tottime"))
    stats.print_stats(os.environ.get("DLLINT_PROFILE_FILTER", ""), top)
    # Who calls an expensive function (DLLINT_PROFILE_CALLERS=compile): the top list names the
    # function, not the analysis that reaches it.
    if os.environ.get("DLLINT_PROFILE_CALLERS"):
        stats.print_callers(os.environ["DLLINT_PROFILE_CALLERS"])
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dllint's lint speed over torch's sources and examples/")
    parser.add_argument("--sample", type=int, default=None, metavar="N",
                        help="lint N torch files chosen at random (fixed seed) instead of all")
    parser.add_argument("--dir", type=Path, default=None,
                        help="lint this directory's .py files instead of torch's (e.g. training code)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes of the 'all cores' rows (default: the CPU count)")
    parser.add_argument("--select", default=None,
                        help="rule selection passed to the CLI (default: the default rules)")
    parser.add_argument("--quick", action="store_true",
                        help="only: fill the cache (the cold run), then warm runs; all cores")
    parser.add_argument("--profile", action="store_true", help="time per phase, analysis and rule")
    parser.add_argument("--cpu", action="store_true",
                        help="with --profile: time with the thread's CPU clock, not the wall clock")
    parser.add_argument("--cprofile", type=int, nargs="?", const=30, default=None, metavar="TOP",
                        help="print cProfile's TOP entries by own time")
    args = parser.parse_args(argv)
    files = corpus(args.sample, directory=args.dir.resolve() if args.dir else None)
    if not files:
        print("no corpus: torch is not installed and examples/ is empty", file=sys.stderr)
        return 2
    if args.profile:
        codes = None if args.select is None else {c.strip() for c in args.select.split(",")}
        profile(files, codes, args.cpu)
        return 0
    if args.cprofile is not None:
        cprofile(files, args.cprofile)
        return 0
    what = str(args.dir) if args.dir else "torch"
    print(f"corpus: {len(files)} files ({what}{'' if args.sample is None else f' sample of {args.sample}'}"
          f" + examples/), python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print_table(table(files, args.jobs, args.select, args.quick))
    print("\nfindings of the last linting run: "
          + (", ".join(f"{c} {n}" for c, n in sorted(FINDINGS.items())) or "none"))
    return 1 if FINDINGS.get("DL000") else 0


if __name__ == "__main__":
    sys.exit(main())
