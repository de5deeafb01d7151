"""[tool.dllint]: where it is found, what it may hold, how selection layers, per-file ignores,
rule options; every mistake is one line and exit status 2."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import TEST_REGISTRY, write
from dllint.config import (
    ConfigError, Layer, PathPattern, PerFileIgnores, find_config, resolve_selection,
    validate_table,
)

SOURCE = "bad()\nrisky()\ntodo()\n"


def codes(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.count(":") >= 3]


def test_config_in_nearest_pyproject_above_the_path(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nselect = ["TST002"]\n')
    write(project / "src" / "pkg" / "a.py", SOURCE)
    assert codes(cli("src/pkg", "--no-cache").out) == ["TST002"]


def test_nearer_pyproject_without_table_is_skipped(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nselect = ["TST002"]\n')
    write(project / "src" / "pyproject.toml", '[project]\nname = "x"\n')
    write(project / "src" / "a.py", SOURCE)
    assert codes(cli("src", "--no-cache").out) == ["TST002"]


def test_nearest_table_wins(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nselect = ["TST002"]\n')
    write(project / "sub" / "pyproject.toml", '[tool.dllint]\nselect = ["TST003"]\n')
    write(project / "sub" / "a.py", SOURCE)
    assert codes(cli("sub/a.py", "--no-cache").out) == ["TST003"]


def test_dllint_toml_top_level_table(cli, project):
    write(project / "dllint.toml", 'select = ["TST003"]\n')
    write(project / "a.py", SOURCE)
    assert codes(cli("a.py", "--no-cache").out) == ["TST003"]


def test_explicit_config_file(cli, project):
    write(project / "conf" / "custom.toml", 'select = ["TST001"]\n')
    write(project / "pyproject.toml", '[tool.dllint]\nselect = ["TST002"]\n')
    write(project / "a.py", SOURCE)
    assert codes(cli("--config", "conf/custom.toml", "a.py", "--no-cache").out) == ["TST001"]


def test_explicit_pyproject_without_table_is_an_error(cli, project):
    write(project / "other.toml", "")
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    result = cli("--config", "pyproject.toml")
    assert result.code == 2
    assert result.err == "dllint: error: pyproject.toml: no [tool.dllint] table\n"


def test_missing_explicit_config(cli, project):
    result = cli("--config", "nope.toml")
    assert result.code == 2
    assert result.err == "dllint: error: configuration file not found: nope.toml\n"


@pytest.mark.parametrize("table, problem", [
    ('selct = ["TST001"]', "unknown key 'selct'"),
    ('per_file_ignores = {}', "did you mean 'per-file-ignores'?"),
    ('select = ["XYZ999"]', "unknown rule code or prefix 'XYZ999'"),
    ('select = ["tst-1"]', "is not a rule code or prefix"),
    ('ignore = "TST001"', "ignore must be a list of strings"),
    ('select = [1]', "select must be a list of strings"),
    ('exclude = "build"', "exclude must be a list of strings"),
    ('per-file-ignores = {"tests/*" = ["NOPE9"]}', "unknown rule code or prefix 'NOPE9'"),
    ('per-file-ignores = ["x"]', "per-file-ignores must be a table"),
    ('rule-options = {TST009 = {names = ["x"]}}', "unknown rule code 'TST009'"),
    ('rule-options = {TST001 = {nmes = ["x"]}}', "unknown option 'nmes' (options of TST001: limit, names)"),
    ('rule-options = {TST001 = {names = "x"}}', "rule-options.TST001.names must be of type list"),
    ('rule-options = {TST001 = {names = [1]}}', "rule-options.TST001.names must be of type list"),
    ('rule-options = {TST001 = {limit = true}}', "rule-options.TST001.limit must be of type int"),
    ('rule-options = {TST001 = 3}', "rule-options.TST001 must be a table"),
    ('select = [', "malformed TOML"),
])
def test_configuration_mistakes_are_one_line_exit_two(cli, project, table, problem):
    write(project / "pyproject.toml", f"[tool.dllint]\n{table}\n")
    write(project / "a.py", SOURCE)
    result = cli("--no-cache")
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith("dllint: error: ")
    assert problem in result.err
    assert "Traceback" not in result.err


def test_malformed_unrelated_pyproject_without_our_table_is_ignored(cli, project):
    write(project / "pyproject.toml", "this is [not toml\n")
    write(project / "a.py", SOURCE)
    assert cli("--no-cache").code == 1


def test_undecodable_config(cli, project):
    write(project / "dllint.toml", b"select = ['\xff']\n")
    result = cli()
    assert result.code == 2 and result.err.startswith("dllint: error: ")


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_the_command_line(cli, project, option):
    write(project / "a.py", SOURCE)
    result = cli(option, "TST001,XX123")
    assert result.code == 2
    assert result.err == "dllint: error: " + option + ": unknown rule code or prefix 'XX123' (see `dllint rules`)\n"


def test_default_selection_leaves_out_default_off_rules(cli, project):
    write(project / "a.py", SOURCE)
    assert codes(cli("--no-cache").out) == ["TST001", "TST002"]


@pytest.mark.parametrize("args, expected", [
    (["--select", "TST003"], ["TST003"]),
    (["--select", "TST001,TST002"], ["TST001", "TST002"]),
    (["--select", "TST001", "--select", "TST003"], ["TST001", "TST003"]),
    (["--extend-select", "TST003"], ["TST001", "TST002", "TST003"]),
    (["--ignore", "TST001"], ["TST002"]),
    (["--select", "TST", "--ignore", "TST002"], ["TST001", "TST003"]),
    (["--select", "TST002", "--ignore", "TST"], ["TST002"]),  # the more specific selector wins
    (["--select", "TST00", "--ignore", "TST00"], []),  # a tie: ignore wins
    (["--select", "ALL", "--ignore", "TST002"], ["TST001", "TST003"]),
    (["--select", "tst003"], ["TST003"]),
])
def test_command_line_selection(cli, project, args, expected):
    write(project / "a.py", SOURCE)
    assert codes(cli(*args, "--no-cache").out) == expected


@pytest.mark.parametrize("table, args, expected", [
    ('select = ["TST003"]', [], ["TST003"]),
    ('select = ["TST003"]', ["--select", "TST001"], ["TST001"]),  # the command line beats the file
    ('ignore = ["TST001"]', ["--select", "TST001"], ["TST001"]),
    ('ignore = ["TST001"]', [], ["TST002"]),
    ('ignore = ["TST001"]', ["--extend-select", "TST001"], ["TST001", "TST002"]),
    ('extend-select = ["TST003"]', [], ["TST001", "TST002", "TST003"]),
    ('extend-select = ["TST003"]', ["--ignore", "TST003"], ["TST001", "TST002"]),
    ('select = ["TST001"]\nextend-select = ["TST002"]', [], ["TST001", "TST002"]),
])
def test_configuration_and_command_line_layers(cli, project, table, args, expected):
    write(project / "pyproject.toml", f"[tool.dllint]\n{table}\n")
    write(project / "a.py", SOURCE)
    assert codes(cli(*args, "--no-cache").out) == expected


def test_tool_codes_can_be_ignored(cli, project):
    write(project / "a.py", "def f(:\n")
    assert cli("--no-cache").code == 1
    assert cli("--no-cache", "--ignore", "DL001").code == 0


def test_per_file_ignores_relative_to_the_config_directory(cli, project):
    write(project / "pyproject.toml", """[tool.dllint.per-file-ignores]
"tests/**" = ["TST001"]
"scripts/gen_*.py" = ["TST"]
"conftest.py" = ["TST002"]
""")
    for name in ("tests/unit/test_a.py", "scripts/gen_x.py", "scripts/other.py", "src/conftest.py",
                 "src/model.py"):
        write(project / name, SOURCE)
    out = cli("--no-cache", "-q").out
    found = sorted((line.split(":")[0], line.split()[1]) for line in out.splitlines())
    assert found == [
        ("scripts/other.py", "TST001"), ("scripts/other.py", "TST002"),
        ("src/conftest.py", "TST001"),
        ("src/model.py", "TST001"), ("src/model.py", "TST002"),
        ("tests/unit/test_a.py", "TST002"),
    ]


def test_per_file_ignores_when_linting_from_a_subdirectory(cli, project, monkeypatch):
    write(project / "pyproject.toml", '[tool.dllint.per-file-ignores]\n"tests/*" = ["TST"]\n')
    write(project / "tests" / "t.py", SOURCE)
    monkeypatch.chdir(project / "tests")
    assert cli("t.py", "--no-cache").code == 0


def test_rule_options_reach_the_rule(cli, project):
    write(project / "pyproject.toml", '[tool.dllint.rule-options.TST001]\nnames = ["bad", "worse"]\n')
    write(project / "a.py", "worse()\nbad()\n")
    assert codes(cli("--no-cache").out) == ["TST001", "TST001"]


def test_rule_options_with_jobs(cli, project):
    write(project / "pyproject.toml", '[tool.dllint.rule-options.TST001]\nnames = ["worse"]\n')
    for number in range(8):
        write(project / f"m{number}.py", "worse()\nbad()\n")
    out = cli("--no-cache", "--jobs", "2", "-q").out
    assert len(out.splitlines()) == 8 and all(":1:1: TST001" in line for line in out.splitlines())


# -- units ------------------------------------------------------------------------------------------

def test_find_config_walks_up(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.dllint]\n")
    write(tmp_path / "a" / "b" / "c.py", "")
    assert find_config(tmp_path / "a" / "b" / "c.py") == (tmp_path / "pyproject.toml").resolve()
    assert find_config(tmp_path / "a" / "b") == (tmp_path / "pyproject.toml").resolve()


def test_validate_table_accepts_every_documented_key(tmp_path):
    config = validate_table({
        "select": ["TST"], "ignore": ["TST002"], "extend-select": ["TST003"],
        "per-file-ignores": {"tests/*": ["TST001"]}, "exclude": ["gen"], "extend-exclude": ["x"],
        "rule-options": {"TST001": {"names": ["a"], "limit": 3}},
    }, TEST_REGISTRY, tmp_path / "pyproject.toml")
    assert config.select == ["TST"] and config.rule_options == {"TST001": {"names": ["a"], "limit": 3}}


def test_resolve_selection_defaults():
    enabled = resolve_selection(TEST_REGISTRY, [Layer()])
    assert enabled == {"DL000", "DL001", "DL002", "TST001", "TST002", "TST004"}


@pytest.mark.parametrize("glob, path, matches", [
    ("*.py", "a/b/c.py", True),
    ("tests/*", "tests/a.py", True),
    ("tests/*", "tests/sub/a.py", True),  # as in git: tests/sub matches, and so all inside it
    ("tests/*.py", "tests/sub/a.py", False),
    ("tests/**", "tests/sub/a.py", True),
    ("**/test_*.py", "x/y/test_a.py", True),
    ("**/test_*.py", "test_a.py", True),
    ("a/**/b.py", "a/b.py", True),
    ("a/**/b.py", "a/x/y/b.py", True),
    ("[ab].py", "b.py", True),
    ("[!ab].py", "b.py", False),
    ("?.py", "ab.py", False),
])
def test_globs_match_as_gitignore(glob, path, matches):
    assert PathPattern(glob, Path("/root")).matches(path) is matches, glob


def test_per_file_ignores_match_parent_directories(tmp_path):
    ignores = PerFileIgnores.build({"tests/": ["TST001"], "legacy": ["TST002"]}, tmp_path)
    assert ignores.codes_for(tmp_path / "tests" / "unit" / "t.py") == ["TST001"]
    assert ignores.codes_for(tmp_path / "src" / "legacy" / "m.py") == ["TST002"]
    assert ignores.codes_for(tmp_path / "src" / "m.py") == []


def test_config_error_is_an_exception_with_one_line():
    with pytest.raises(ConfigError):
        validate_table({"bogus": 1}, TEST_REGISTRY)
