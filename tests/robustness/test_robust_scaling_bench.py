"""The scaling benchmark (bench/scaling.py): its slope fit tells linear from quadratic, its
generators make valid Python, and a quick run goes through every shape (a smoke test: the
benchmark measures, the test times nothing)."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scaling.py"


def _load():
    spec = importlib.util.spec_from_file_location("dllint_bench_scaling", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_slope_fit_tells_linear_from_quadratic():
    fit = _load().fit_slope
    sizes = [1000, 2000, 4000, 8000]
    assert fit(sizes, [0.3 * s for s in sizes]) == pytest.approx(1.0)
    assert fit(sizes, [1e-6 * s * s for s in sizes]) == pytest.approx(2.0)
    assert fit(sizes, [s * (s ** 0.5) for s in sizes]) == pytest.approx(1.5)


@pytest.mark.parametrize("shape", sorted(_load().SHAPES))
def test_generated_files_are_valid_python_and_grow(shape):
    generate, sizes, quick = _load().SHAPES[shape]
    small, large = generate(quick[0]), generate(quick[-1])
    ast.parse(large)
    assert len(large) > 2 * len(small)


def test_a_quick_run_of_every_shape(capsys):
    # A bound no noise reaches: this checks that every shape runs and reports without a tool
    # finding (DL000, DL001, DL002) at any size; the slopes are the benchmark's to judge.
    assert _load().main(["--quick", "--repeat", "1", "--max-slope", "50"]) == 0
    out = capsys.readouterr().out
    assert out.count(" slope ") == 2 * len(_load().SHAPES)  # dllint's and libcst's
    assert "tool findings" not in out and out.rstrip().endswith("every shape scales linearly")


def test_a_superlinear_shape_fails_the_run(monkeypatch, capsys):
    bench = _load()
    calls = iter(range(1, 100))
    monkeypatch.setattr(bench, "measure", lambda source, rules, repeat: (next(calls) ** 3, 0.0, []))
    assert bench.main(["--quick", "--shapes", "loops"]) == 1
    assert "FAILED: loops: slope" in capsys.readouterr().out
