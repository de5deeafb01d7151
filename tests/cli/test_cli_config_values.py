"""Every configuration value is validated before a file is linted: a wrong one is one line on
stderr, naming the key and (cut short) the value, with exit status 2; never "internal error"."""
from __future__ import annotations

import pytest

from cli_helpers import write
from dllint.config import ConfigError, tomllib, validate_table
from dllint.registry import default_registry


def one_line_error(result, starts: str) -> None:
    assert result.code == 2, result
    assert result.out == ""
    assert result.err.startswith("dllint: error: " + starts), result.err
    assert result.err.count("\n") == 1 and "internal error" not in result.err
    assert len(result.err) < 400


def test_toml_nested_thousands_deep(cli, project):
    write(project / "pyproject.toml", "[tool.dllint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n")
    write(project / "a.py", "bad()\n")
    one_line_error(cli("--no-cache"), f"{project / 'pyproject.toml'}: malformed TOML: arrays or tables "
                                      "nested too deeply")


def test_toml_nested_deep_in_an_unrelated_pyproject_is_not_ours(cli, project):
    write(project / "pyproject.toml", "[tool.other]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    write(project / "a.py", "bad()\n")
    assert cli("--no-cache", "-q").code == 1


def test_an_unknown_ten_megabyte_code_is_not_echoed_in_full(cli, project):
    write(project / "a.py", "bad()\n")
    one_line_error(cli("--select", "DL" + "9" * 10_000_000), "--select: unknown rule code or prefix 'DL999")
    write(project / "pyproject.toml", '[tool.dllint]\nignore = ["' + "X" * 1_000_000 + '"]\n')
    one_line_error(cli(), f"{project / 'pyproject.toml'}: ignore: unknown rule code or prefix 'XXX")


def test_a_nested_value_in_a_list_of_strings(cli, project):
    write(project / "pyproject.toml", "[tool.dllint]\nexclude = ['a', " + "[" * 400 + "]" * 400 + "]\n")
    one_line_error(cli(), f"{project / 'pyproject.toml'}: exclude must be a list of strings, got [...]")


@pytest.mark.parametrize("table, message", [
    ({"max-file-size": "big"}, "max-file-size must be a size in bytes"),
    ({"max-file-size": True}, "max-file-size must be a size in bytes"),
    ({"max-file-size": -1}, "max-file-size must be a size in bytes"),
    ({"time-limit": "1 minute"}, "time-limit must be a number of seconds"),
    ({"max-memory": "a lot"}, "max-memory must be a size in bytes"),
    ({"time-limit": [1]}, "time-limit must be a number of seconds"),
    ({"time-limit": float("nan")}, "time-limit must be a number of seconds"),
    ({"rule-options": {"DL402": {"test-names": [1, {"a": 2}]}}},
     "rule-options.DL402.test-names must be of type list of str like its default [], got [...]"),
    ({"rule-options": {"DL404": {"validation-names": ["ok", 3]}}},
     "rule-options.DL404.validation-names must be of type list of str"),
    ({"rule-options": {"DL9" * 1000: {}}}, "rule-options: unknown rule code 'DL9DL9"),
])
def test_values_are_checked_against_their_types(table, message):
    with pytest.raises(ConfigError) as caught:
        validate_table(table, default_registry())
    assert str(caught.value).startswith(message)
    assert len(str(caught.value)) < 300


def test_a_bad_rule_option_in_a_file_is_exit_two_before_any_rule_runs(project):
    from dllint.cli import main

    write(project / "pyproject.toml", "[tool.dllint.rule-options.DL402]\ntest-names = [1, {a=2}]\n")
    write(project / "train.py", "import torch\nfor x in test_loader:\n    pass\n")
    assert main(["--no-cache", "train.py"]) == 2


@pytest.mark.parametrize("value, expected", [
    ("4000000", 4_000_000), ('"4MB"', 4_000_000), ('"512 KiB"', 524_288), ('"1.5GB"', 1_500_000_000),
    ("0", 0),
])
def test_sizes_that_parse(value, expected):
    config = validate_table({"max-file-size": tomllib.loads(f"v = {value}")["v"]}, default_registry())
    assert config.max_file_size == expected
