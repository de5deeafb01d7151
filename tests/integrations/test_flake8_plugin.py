"""The flake8 plugin reports what the ``dllint`` CLI reports, at the same line and column, and
flake8's own --select, --extend-ignore and ``# noqa`` work on its codes."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, env_with_path

EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.py"))
FLAKE8_FORMAT = "%(path)s|%(row)d|%(col)d|%(code)s"

PACK_FILE = """\
import torch


def train(model, batches):
    for x in batches:
        print(x)
        print(x.shape)  # noqa: TP001
        print(  # noqa
            x.sum(),
        )
        total = [print(
            x.mean())]  # the finding is on the first line: not hidden by the noqa below
        print(x)  # noqa: DL101
    return total
"""


def flake8(args: list[str], paths: list[Path], env: dict, cwd: Path) -> set[tuple[str, int, int, str]]:
    proc = subprocess.run(
        ["python", "-m", "flake8", "--isolated", f"--format={FLAKE8_FORMAT}", *args,
         *[str(p) for p in paths]],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    found = set()
    for line in proc.stdout.splitlines():
        path, row, col, code = line.rsplit("|", 3)
        found.add((str(Path(path).resolve()), int(row), int(col), code))
    return found


def dllint_json(args: list[str], paths: list[Path], env: dict, cwd: Path) -> set[tuple[str, int, int, str]]:
    proc = subprocess.run(
        ["python", "-m", "dllint", "--format", "json", "--no-cache", *args, *[str(p) for p in paths]],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return {
        (str((cwd / d["path"]).resolve()), d["line"], d["column"], d["code"])
        for d in json.loads(proc.stdout)
    }


@pytest.fixture()
def pack_env(testpack_site: Path) -> dict:
    return env_with_path(testpack_site)


def test_examples_flake8_matches_cli(tmp_path: Path) -> None:
    assert EXAMPLES, "examples/*.py are missing"
    env = env_with_path()
    expected = dllint_json([], EXAMPLES, env, tmp_path)
    got = flake8(["--select", "DL"], EXAMPLES, env, tmp_path)
    assert got == expected
    buggy = [f for f in expected if f[0].endswith("train_buggy.py")]
    if any(p.name == "train_buggy.py" for p in EXAMPLES) and len(expected) > 0:
        assert buggy, "the buggy example has no finding"


def test_rule_pack_through_flake8_matches_cli(tmp_path: Path, pack_env: dict) -> None:
    target = tmp_path / "train.py"
    target.write_text(PACK_FILE)
    got = flake8(["--select", "TP,DL"], [target], pack_env, tmp_path)
    expected = dllint_json(["--extend-select", "TP"], [target], pack_env, tmp_path)
    assert got == expected
    # line 6: reported; 7: own noqa; 8-10: bare noqa on the first line of the call; 11: reported
    # at column 18 (print inside the list); 13: a noqa for another code does not hide TP001
    assert {(row, col) for _, row, col, _ in got} == {(6, 9), (11, 18), (13, 9)}


def test_engine_columns_are_shifted_once(tmp_path: Path, pack_env: dict) -> None:
    """flake8 prints 1-based columns from the plugin's 0-based ones: no off-by-one either way."""
    target = tmp_path / "t.py"
    target.write_text("x = 1\n    \nif x:\n    y = print(x)\n")
    assert flake8(["--select", "TP"], [target], pack_env, tmp_path) == {
        (str(target.resolve()), 4, 9, "TP001")}


def test_extend_ignore_and_select(tmp_path: Path, pack_env: dict) -> None:
    target = tmp_path / "train.py"
    target.write_text(PACK_FILE)
    assert flake8(["--select", "TP", "--extend-ignore", "TP001"], [target], pack_env, tmp_path) == set()
    assert flake8(["--select", "DL"], [target], pack_env, tmp_path) == set()
    assert flake8(["--select", "TP0"], [target], pack_env, tmp_path)


def test_disable_noqa_shows_suppressed_findings(tmp_path: Path, pack_env: dict) -> None:
    target = tmp_path / "train.py"
    target.write_text(PACK_FILE)
    rows = {row for _, row, _, _ in flake8(["--select", "TP", "--disable-noqa"], [target], pack_env, tmp_path)}
    assert rows == {6, 7, 8, 11, 13}


def test_file_level_dllint_noqa(tmp_path: Path, pack_env: dict) -> None:
    target = tmp_path / "train.py"
    target.write_text("# dllint: noqa: TP001\n" + PACK_FILE)
    assert flake8(["--select", "TP"], [target], pack_env, tmp_path) == set()


def test_syntax_error_is_flake8s_e999(tmp_path: Path) -> None:
    """flake8 does not run AST plugins on a file Python cannot parse; it reports E999 where the
    CLI reports DL001, at the same line."""
    target = tmp_path / "broken.py"
    target.write_text("import torch\n\ndef f(:\n    pass\n")
    env = env_with_path()
    got = flake8(["--select", "DL,E999"], [target], env, tmp_path)
    assert {(row, code) for _, row, _, code in got} == {(3, "E999")}
    cli = dllint_json([], [target], env, tmp_path)
    assert {(row, code) for _, row, _, code in cli} == {(3, "DL001")}


def test_plugin_direct_crlf_bom_and_crash(testpack_site: Path) -> None:
    """The plugin object itself, as flake8 drives it: lines in, 0-based columns out; a BOM and CRLF
    line ends change nothing."""
    from dllint.flake8_plugin import Plugin

    lines = ["\ufeffimport torch\r\n", "\r\n", "def f(x):\r\n", "    return x\r\n"]
    Plugin._rules = None
    try:
        assert list(Plugin(None, lines, "x.py").run()) == []

        class Boom:
            code, name, severity = "DL999", "boom", "error"

            def check(self, ctx):
                raise KeyError("no such thing")

        Plugin._rules = [Boom()]
        results = list(Plugin(None, lines, "x.py").run())
        assert [(r[0], r[1], r[2].split()[0]) for r in results] == [(1, 0, "DL000")]
        assert "DL999" in results[0][2]
    finally:
        Plugin._rules = None


def test_project_configuration_is_honoured(tmp_path: Path, pack_env: dict) -> None:
    """[tool.dllint] ignore and per-file-ignores apply under flake8 as under the CLI."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dllint]\nextend-select = ["TP"]\nper-file-ignores = { "scripts/*" = ["TP001"] }\n')
    (tmp_path / "scripts").mkdir()
    for name in ("train.py", "scripts/run.py"):
        (tmp_path / name).write_text(PACK_FILE)
    paths = [tmp_path / "train.py", tmp_path / "scripts" / "run.py"]
    got = flake8(["--select", "TP,DL"], paths, pack_env, tmp_path)
    assert got == dllint_json([], paths, pack_env, tmp_path)
    assert {Path(p).name for p, *_ in got} == {"train.py"}
    (tmp_path / "pyproject.toml").write_text('[tool.dllint]\nignore = ["TP001"]\n')
    assert flake8(["--select", "TP"], paths, pack_env, tmp_path) == set()
    (tmp_path / "pyproject.toml").write_text('[tool.dllint]\nno-such-key = 1\n')
    proc = subprocess.run(["python", "-m", "flake8", "--isolated", "--select", "TP", str(paths[0])],
                          capture_output=True, text=True, env=pack_env, cwd=tmp_path, timeout=300)
    assert "Traceback" not in proc.stderr and "no-such-key" in proc.stderr


def test_rule_pack_codes_are_shown_without_select(tmp_path: Path, pack_env: dict) -> None:
    """flake8's default selection covers only the ``DL`` entry point; the plugin adds the pack's
    codes, so a pack rule shows as it does in the CLI, and an explicit --select still decides."""
    target = tmp_path / "train.py"
    target.write_text(PACK_FILE)
    got = flake8([], [target], pack_env, tmp_path)
    assert {(row, code) for _, row, _, code in got} >= {(6, "TP001"), (11, "TP001"), (13, "TP001")}
    assert got == dllint_json([], [target], pack_env, tmp_path) | {
        f for f in got if not f[3].startswith(("DL", "TP"))}
    assert not {f for f in flake8(["--select", "DL"], [target], pack_env, tmp_path) if f[3] == "TP001"}
