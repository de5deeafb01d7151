"""The README stays true: its quick start prints what dllint really prints on examples/, its rule
table lists every registered rule as `dllint rules` does, and CI runs the README's test command."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dllint.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, language: str) -> str:
    section = README.split(heading, 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no ```{language} block after {heading!r}"
    return match.group(1)


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    commands = [line for line in _block_after("## Quick start", "bash").splitlines() if line.strip()]
    assert len(commands) == 2
    assert "torch==2.13.0" in commands[0] and "dllint examples/" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), "CI must run the README's test command"


def test_quick_start_output_is_what_dllint_prints(tmp_path):
    expected = _block_after("## Quick start", "text").strip()
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "examples/"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == expected


def test_fixed_example_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "examples/train_fixed.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_table_lists_every_rule():
    table = README.split("## The rules", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| \[?(DL\d{3})\b.*$", table, re.M)}
    for rule in default_registry():
        if not rule.code.startswith("DL"):
            continue
        assert rule.code in rows, f"{rule.code} is missing from the README's rule table"
        assert ("on" if rule.default_enabled else "off") in rows[rule.code].split("|")[3]


def test_watch_demo_reports_the_planted_problems():
    result = subprocess.run(
        [sys.executable, "examples/watch_demo.py"], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for code, module in [("DC102", "unused.weight"), ("DC103", "hidden.weight"), ("DC401", "act")]:
        assert re.search(rf"^{code}\s+\d+\s+{re.escape(module)}\s", table, re.M), (code, module, table)
    documented = _block_after("## Using dlcheck", "text")
    for line in documented.splitlines()[3:]:
        code, step, module = line.split()[:3]
        assert re.search(rf"^{code}\s+{step}\s+{re.escape(module)}\s", table, re.M), line


def test_configuration_example_is_accepted(tmp_path):
    block = _block_after("### Configuration", "toml")
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    (tmp_path / "t.py").write_text("x = 1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "t.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
