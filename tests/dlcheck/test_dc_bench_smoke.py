"""The overhead benchmark runs and prints its table (a smoke test: it times nothing)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "runtime_overhead.py"


def _load():
    spec = importlib.util.spec_from_file_location("dlcheck_bench_runtime_overhead", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_median_interval_brackets_the_median_with_order_statistics():
    median_with_interval = _load().median_with_interval
    values = [float(v) for v in range(1, 101)]  # 1..100, shuffled order must not matter
    mid, lo, hi = median_with_interval(values[::-1])
    assert mid == 50.5
    # n=100: ranks 50 -+ 9.8 -> the 40th and the 61st smallest values
    assert (lo, hi) == (40.0, 61.0)
    assert median_with_interval([3.0]) == (3.0, 3.0, 3.0)
    mid, lo, hi = median_with_interval([1.0, 2.0])
    assert (lo, mid, hi) == (1.0, 1.5, 2.0)


@pytest.mark.slow
def test_the_benchmark_prints_a_row_per_configuration():
    out = subprocess.run(
        [sys.executable, str(BENCH), "--steps", "2", "--block", "1", "--rounds", "1",
         "--configs", "all checks,graph", "--device", "cpu"],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    table, faults = out.split("\n\n")
    rows = {line.split("  ")[0]: line for line in table.splitlines()[3:]}
    assert list(rows) == ["plain", "graph", "all checks"]
    # the page faults of the timed steps, per model and configuration
    assert re.fullmatch(r"minor page faults per step \(median over blocks\): MLP plain \d+, graph "
                        r"\d+, all checks \d+; CNN plain \d+, graph \d+, all checks \d+\n", faults)
    ratio = re.compile(r"\d+\.\d{3}\s+\d+\.\d\dx \[\d+\.\d\d, \d+\.\d\d\]")
    assert len(ratio.findall(rows["all checks"])) == 2  # MLP and CNN


def test_an_unknown_configuration_is_refused():
    proc = subprocess.run([sys.executable, str(BENCH), "--configs", "everything"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown configuration" in proc.stderr


CALLS = BENCH.with_name("step_calls.py")


@pytest.mark.slow
def test_the_call_count_benchmark_counts_fewer_calls_on_sentinel_steps():
    out = subprocess.run([sys.executable, str(CALLS), "--steps", "2"], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    rows = {line[:16].strip(): [float(v) for v in line[16:].split()]
            for line in out.splitlines()[2:]}
    assert list(rows) == ["plain", "no checks", "all checks", "full every step"]
    for model in (0, 1):  # MLP, CNN
        counts = [rows[c][model] for c in rows]
        assert counts == sorted(counts) and len(set(counts)) == 4


@pytest.mark.slow
def test_the_op_count_benchmark_sees_no_op_without_checks_and_the_sentinel_s_with_them():
    out = subprocess.run([sys.executable, str(CALLS), "--steps", "2", "--ops"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.startswith("torch ops per step")
    rows = {line[:16].strip(): [float(v) for v in line[16:].split()]
            for line in out.splitlines()[2:]}
    for model in (0, 1):  # MLP, CNN
        assert rows["no checks"][model] == rows["plain"][model]
        assert rows["plain"][model] < rows["all checks"][model] < rows["full every step"][model]


def test_the_call_count_benchmark_refuses_a_bad_step_count():
    proc = subprocess.run([sys.executable, str(CALLS), "--steps", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--steps must be between 1 and" in proc.stderr
