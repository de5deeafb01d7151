"""The discovery benchmark runs and prints its table (a smoke test: it times nothing)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "discovery.py"


def test_the_discovery_benchmark_finds_what_git_would_lint(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("dllint_bench_discovery", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # skip the torch tree
    assert module.main(["--repeat", "1", "--dirs", "5"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:2] == ["tree", "files"]
    # per directory: a.py, keep.gen.py and the long name; the rest is ignored or excluded
    assert rows[1].startswith("generated repo, 5 .gitignore files") and rows[1].split()[5] == "15"
