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
