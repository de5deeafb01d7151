"""bench/lint_speed.py --profile must time every phase of the lint, not only the syntax gate (it once
skipped every file when the gate's return type changed, and still printed a table)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "lint_speed.py"


def _bench():
    spec = importlib.util.spec_from_file_location("lint_speed_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_profile_times_the_parse_the_analyses_and_the_rules(tmp_path, capsys):
    good = tmp_path / "train.py"
    good.write_text("import torch\n\ntotal = 0\nfor x in range(3):\n    loss = torch.ones(1, requires_grad=True) * x\n"
                    "    loss.backward()\n    total += loss\n")
    bad = tmp_path / "broken.py"
    bad.write_text("def f(:\n")
    _bench().profile([(good, "train.py"), (bad, "broken.py")], None)
    out = capsys.readouterr().out
    assert "phase: libcst parse" in out
    assert "phase: index (one walk)" in out
    assert "rule: DL101" in out
    assert "1 files not linted" in out
    assert "of libcst's parse speed" in out


def test_profile_mirrors_the_engine_nesting_check_and_paused_collector(tmp_path, capsys):
    """The engine checks the nesting of every file and pauses the collector while it lints one;
    the profile does both (and leaves the collector as it found it)."""
    import gc

    deep = tmp_path / "deep.py"
    deep.write_text("x = " + "-" * 2000 + "1\n")  # deeper than dllint follows: skipped (DL002)
    good = tmp_path / "train.py"
    good.write_text("import torch\n\nx = torch.ones(3)\n")
    assert gc.isenabled()
    _bench().profile([(good, "train.py"), (deep, "deep.py")], None)
    assert gc.isenabled()
    out = capsys.readouterr().out
    assert "phase: nesting check" in out
    assert "1 files not linted" in out


def test_cprofile_sees_the_lint_thread(tmp_path, capsys):
    """The engine lints each file on a thread of its own: the profile must be taken there, not of
    the main thread waiting for it."""
    good = tmp_path / "train.py"
    good.write_text("import torch\n\nx = torch.ones(3)\nfor i in range(2):\n    x = x + i\n")
    _bench().cprofile([(good, "train.py")], 200)
    out = capsys.readouterr().out
    assert "_lint_source" in out
    assert "parse_module" in out or "entrypoints.py" in out


def test_profile_in_cpu_time_reads_the_thread_clock(tmp_path, capsys, monkeypatch):
    """--cpu: the profile's timer is the thread's CPU clock (the other jobs of a shared machine
    move the wall clock), and the summary says so."""
    import time

    calls = []
    real = time.thread_time

    def counted() -> float:
        calls.append(1)
        return real()

    good = tmp_path / "train.py"
    good.write_text("import torch\n\nx = torch.ones(3)\n")
    bench = _bench()
    monkeypatch.setattr(time, "thread_time", counted)
    bench.profile([(good, "train.py")], None, cpu=True)
    monkeypatch.undo()
    out = capsys.readouterr().out
    assert "CPU-s in one process" in out
    assert calls


def test_the_table_says_the_load_each_row_was_measured_under(capsys):
    bench = _bench()
    bench.print_table([bench.Row("cold, --no-cache, 1 process", 1, 100, 2.0, 1.0, None, load=3.25)])
    header, _, row = capsys.readouterr().out.splitlines()
    assert header.split(" | ")[-1].strip() == "load"
    assert row.split(" | ")[-1].strip() == "3.2"
