"""The command itself: arguments, subcommands, exit codes, stdin, output file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import write
from dllint import __version__

REPO = Path(__file__).resolve().parents[2]
BAD = "bad()\n"
CLEAN = "good()\n"


def test_clean_tree_passes(cli, project):
    write(project / "a.py", CLEAN)
    result = cli()
    assert result.code == 0
    assert result.out == "All checks passed!\n"


def test_finding_text_and_exit_one(cli, project):
    write(project / "pkg" / "a.py", "x = 1\nbad()\n")
    result = cli("pkg", "--no-cache")
    assert result.code == 1
    assert result.out.splitlines() == [
        "pkg/a.py:2:1: TST001 call to bad() [*]",
        "",
        "Found 1 finding (1 fixable with --fix).",
    ]


def test_default_path_is_current_directory(cli, project):
    write(project / "sub" / "a.py", BAD)
    result = cli("--no-cache")
    assert result.code == 1
    assert "sub/a.py:1:1: TST001" in result.out


def test_exit_zero(cli, project):
    write(project / "a.py", BAD)
    result = cli("--exit-zero")
    assert result.code == 0
    assert "TST001" in result.out


def test_quiet_prints_only_findings(cli, project):
    write(project / "a.py", BAD)
    assert cli("-q").out == "a.py:1:1: TST001 call to bad() [*]\n"
    write(project / "a.py", CLEAN)
    assert cli("--quiet").out == ""


def test_output_file(cli, project):
    write(project / "a.py", BAD)
    result = cli("--format", "json", "--output-file", "report.json")
    assert result.code == 1
    assert result.out == ""
    assert json.loads((project / "report.json").read_text())[0]["code"] == "TST001"


def test_output_file_unwritable_is_a_one_line_error(cli, project):
    write(project / "a.py", BAD)
    result = cli("-o", str(project / "missing" / "dir" / "r.txt"))
    assert result.code == 2
    assert result.err.startswith("dllint: error: cannot write")
    assert len(result.err.splitlines()) == 1


def test_missing_path(cli, project):
    result = cli("nope.py")
    assert result.code == 2
    assert result.err == "dllint: error: no such file or directory: nope.py\n"


def test_directory_without_python_files(cli, project):
    (project / "empty").mkdir()
    write(project / "empty" / "notes.txt", "hello")
    result = cli("empty")
    assert result.code == 0
    assert result.out == "All checks passed!\n"
    assert "no Python files" in result.err


@pytest.mark.parametrize("args", [["--format", "xml"], ["--jobs", "x"], ["--bogus"]])
def test_usage_errors_exit_two(cli, args):
    result = cli(*args)
    assert result.code == 2
    assert "dllint: error:" in result.err


def test_jobs_must_be_positive(cli):
    result = cli("--jobs", "0")
    assert result.code == 2
    assert result.err == "dllint: error: --jobs must be at least 1\n"


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"dllint {__version__}"


def test_help_mentions_subcommands_and_rules_directory(cli):
    result = cli("--help")
    assert result.code == 0
    for text in ("dllint rules", "dllint explain CODE", "dllint ./rules", "--stdin-filename",
                 "--unsafe-fixes", "--extend-exclude", "--statistics"):
        assert text in result.out


def test_rules_subcommand_lists_every_rule(cli, registry):
    result = cli("rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "DEFAULT", "FIX", "SUMMARY"]
    codes = [line.split()[0] for line in lines[1:]]
    assert codes == [rule.code for rule in registry]
    todo = next(line for line in lines if line.startswith("TST003"))
    assert todo.split()[:4] == ["TST003", "todo-call", "off", "-"]
    bad = next(line for line in lines if line.startswith("TST001"))
    assert bad.split()[:4] == ["TST001", "bad-call", "on", "safe"]
    assert "A call to bad()." in bad


def test_rules_subcommand_json(cli):
    rows = json.loads(cli("rules", "--format", "json").out)
    risky = next(r for r in rows if r["code"] == "TST002")
    assert risky == {"code": "TST002", "name": "risky-call", "default": True, "fixable": "unsafe",
                     "severity": "error", "summary": "A call to risky().",
                     "url": "https://github.com/dllint/dllint/blob/main/rules/TST002.md"}


def test_explain_prints_the_rule_page(cli):
    result = cli("explain", "dl001")
    assert result.code == 0
    assert result.out == (REPO / "rules" / "DL001.md").read_text(encoding="utf-8")


def test_explain_falls_back_to_the_docstring(cli):
    result = cli("explain", "TST002")
    assert result.code == 0
    assert result.out.startswith("# TST002: risky-call\n")
    assert "unsafe fix" in result.out


def test_explain_unknown_code(cli):
    result = cli("explain", "DL999")
    assert result.code == 2
    assert result.err == "dllint: error: unknown rule code 'DL999' (see `dllint rules`)\n"


def test_a_directory_named_rules_is_linted_with_dot_slash(cli, project):
    write(project / "rules" / "r.py", BAD)
    result = cli("./rules", "--no-cache")
    assert result.code == 1
    assert "rules/r.py:1:1: TST001" in result.out


def test_stdin(cli):
    result = cli("-", stdin=b"bad()\n")
    assert result.code == 1
    assert result.out.startswith("-:1:1: TST001 call to bad() [*]\n")


def test_stdin_filename_names_the_file_and_applies_per_file_ignores(cli, project):
    write(project / "pyproject.toml", '[tool.dllint.per-file-ignores]\n"tests/*" = ["TST001"]\n')
    result = cli("-", "--stdin-filename", "src/train.py", stdin=b"bad()\n")
    assert result.code == 1
    assert result.out.startswith("src/train.py:1:1: TST001")
    result = cli("-", "--stdin-filename", "tests/test_x.py", stdin=b"bad()\n")
    assert result.code == 0


def test_stdin_cannot_be_mixed_with_paths(cli, project):
    write(project / "a.py", CLEAN)
    result = cli("-", "a.py")
    assert result.code == 2


def test_stdin_fix_writes_the_fixed_source_to_stdout(cli):
    result = cli("-", "--fix", stdin=b"bad()\nrisky()\n")
    assert result.out == "good()\nrisky()\n"
    assert "-:2:1: TST002 call to risky()" in result.err
    assert "Fixed 1 finding." in result.err
    assert result.code == 1


def test_internal_error_is_one_line(cli, project, monkeypatch):
    import dllint.cli

    def explode(*args, **kwargs):
        raise ValueError("unexpected")

    monkeypatch.setattr(dllint.cli, "discover", explode)
    write(project / "a.py", CLEAN)
    result = cli()
    assert result.code == 2
    assert result.err.startswith("dllint: error: internal error: ValueError: unexpected")
    assert "Traceback" not in result.err


def _dllint(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "dllint", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=env, timeout=120)


def test_end_to_end_subprocess_parse_error(tmp_path):
    write(tmp_path / "ok.py", "x = 1\n")
    write(tmp_path / "broken.py", "def f(:\n    pass\n")
    done = _dllint(".", "--no-cache", cwd=tmp_path)
    assert done.returncode == 1
    out = done.stdout.decode()
    assert out.splitlines()[0].startswith("broken.py:1:7: DL001 could not parse the file")
    assert done.stderr == b""


def test_end_to_end_subprocess_json_from_stdin(tmp_path):
    done = _dllint("-", "--format", "json", "--stdin-filename", "x.py", cwd=tmp_path,
                   stdin=b"x = (\n")
    assert done.returncode == 1
    (finding,) = json.loads(done.stdout)
    assert finding["path"] == "x.py" and finding["code"] == "DL001"


def test_end_to_end_subprocess_config_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.dllint]\nselect = [\"NOPE1\"]\n")
    write(tmp_path / "a.py", "x = 1\n")
    done = _dllint(".", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert len(err.splitlines()) == 1 and err.startswith("dllint: error:") and "NOPE1" in err


def test_end_to_end_subprocess_rules_and_explain(tmp_path):
    done = _dllint("rules", cwd=tmp_path)
    assert done.returncode == 0 and b"DL001" in done.stdout
    done = _dllint("explain", "DL000", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith(b"# DL000: internal-error")


def test_end_to_end_subprocess_sarif_on_the_examples_is_valid(tmp_path):
    import jsonschema

    examples = REPO / "examples"
    if not any(examples.glob("*.py")):
        pytest.skip("no examples yet")
    done = _dllint(str(examples), "--format", "sarif", "--no-cache", "--exit-zero", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(done.stdout))
