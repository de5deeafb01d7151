"""--target-version / target-version: lint the grammar of another Python than the one running,
3.12 syntax from a 3.11 interpreter included; older targets refuse newer syntax."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cli_helpers import write
from dllint import engine

PY312 = 'type Vector = list[float]\n\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n\n\nbad()\n'
NESTED_FSTRING = 'names = {"a": 1}\nprint(f"{names["a"]}")\nbad()\n'


@pytest.mark.parametrize("source", [PY312, NESTED_FSTRING])
def test_312_syntax_is_linted_with_target_312_and_313(cli, project, source):
    write(project / "a.py", source)
    for target in ("py312", "py313"):
        result = cli("--no-cache", "--target-version", target)
        assert result.code == 1
        assert [line.split(": ")[1].split()[0] for line in result.out.splitlines()[:-2]] == ["TST001"]


def test_an_older_target_refuses_newer_syntax(cli, project):
    write(project / "a.py", PY312)
    result = cli("--no-cache", "--target-version", "py311")
    assert result.out.startswith("a.py:1:") and " DL001 could not parse the file" in result.out
    write(project / "b.py", "try:\n    pass\nexcept* ValueError:\n    pass\n")
    older = cli("--no-cache", "--target-version", "py310", "b.py")
    assert " DL001 " in older.out
    assert cli("--no-cache", "--target-version", "py311", "b.py").code == 0


def test_target_version_from_the_configuration_and_the_command_line_wins(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\ntarget-version = "py312"\n')
    write(project / "a.py", PY312)
    assert "TST001" in cli("--no-cache").out
    assert " DL001 " in cli("--no-cache", "--target-version", "py311").out


def test_the_cache_knows_the_target(cli, project):
    write(project / "a.py", PY312)
    assert " DL001 " in cli("--target-version", "py311").out
    assert " DL001 " not in cli("--target-version", "py312").out
    assert " DL001 " in cli("--target-version", "py311").out


@pytest.mark.parametrize("args, config, message", [
    (["--target-version", "py39"], None, "--target-version: unsupported target version 'py39' "
                                         "(one of py310, py311, py312, py313)"),
    ([], 'target-version = "3.12"', "pyproject.toml: target-version: unsupported target version "
                                    "'3.12' (one of py310, py311, py312, py313)"),
    ([], "target-version = 312", "target-version: unsupported target version 312"),
])
def test_an_unknown_target_is_a_one_line_error(cli, project, args, config, message):
    write(project / "a.py", "x = 1\n")
    if config:
        write(project / "pyproject.toml", f"[tool.dllint]\n{config}\n")
    result = cli("--no-cache", *args)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1


def test_an_in_process_run_leaves_no_target_behind(cli, project):
    write(project / "a.py", PY312)
    cli("--no-cache", "--target-version", "py312")
    assert engine._target is None


def test_nesting_too_deep_for_libcst_is_dl001_not_a_crash(tmp_path):
    # Without CPython's check (newer syntax), libcst's parser would overflow its stack.
    (tmp_path / "a.py").write_text("type X = int\nx = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    (tmp_path / "b.py").write_text("type X = int\nx = " + "-" * 5000 + "1\n")
    done = subprocess.run([sys.executable, "-m", "dllint", "--no-cache", "--target-version", "py313",
                           "a.py", "b.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count(" DL001 ") == 2


def test_too_deep_counts_brackets_unary_chains_and_elifs():
    assert not engine._too_deep("x = ((1))\ny = -1 - -2\nif x:\n    pass\nelif y:\n    pass\n")
    assert engine._too_deep("x = " + "[" * 101 + "]" * 101 + "\n")
    assert engine._too_deep("x = " + "not " * 101 + "y\n")
    assert engine._too_deep("if x:\n    pass\n" + "elif x:\n    pass\n" * 1001)


def test_a_grammar_the_installed_libcst_does_not_know_is_a_one_line_error(cli, project, monkeypatch):
    monkeypatch.setitem(engine.TARGET_VERSIONS, "py313", (3, 99))
    write(project / "a.py", "x = 1\n")
    result = cli("--no-cache", "--target-version", "py313")
    assert result.code == 2
    assert result.err == ("dllint: error: --target-version: the installed libcst cannot parse the "
                          "grammar of py313; upgrade libcst\n")
