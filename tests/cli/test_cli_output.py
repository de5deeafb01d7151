"""Output for people: colour (--color, NO_COLOR, FORCE_COLOR), the full format, --output-format,
--show-fixes, --statistics with every format, and `dllint explain` rendered for a terminal."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_helpers import write
from dllint.reports.style import use_color

REPO = Path(__file__).resolve().parents[2]
ESC = "\x1b["


@pytest.fixture
def bad(project):
    write(project / "a.py", "x = 1\nbad()\nif x:\n    risky()\n")
    return project


# -- colour ------------------------------------------------------------------------------------------

class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("choice, env, tty, expected", [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"TERM": "dumb"}, True, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),  # empty means unset (no-color.org)
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_when_to_colour(choice, env, tty, expected):
    assert use_color(choice, _Stream(tty), env) is expected


def test_colour_on_a_terminal_and_not_in_a_pipe(cli, bad, monkeypatch):
    assert ESC not in cli("--no-cache").out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    coloured = cli("--no-cache").out
    assert f"{ESC}1ma.py:2:1{ESC}0m: {ESC}33mTST001{ESC}0m call to bad() {ESC}36m[*]{ESC}0m" in coloured
    assert f"{ESC}1;31mTST002{ESC}0m" in coloured  # severity error


@pytest.mark.parametrize("args, env, coloured", [
    (["--color", "always"], {}, True),
    (["--color", "always"], {"NO_COLOR": "1"}, True),
    (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ([], {"FORCE_COLOR": "1"}, True),
    ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    (["--format", "full", "--color", "always"], {}, True),
])
def test_color_option_and_environment(cli, bad, monkeypatch, args, env, coloured):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = cli("--no-cache", *args)
    assert (ESC in result.out) is coloured
    plain = cli("--no-cache", *args, "--color", "never").out
    assert plain.replace("\x1b[0m", "").count("a.py") == result.out.count("a.py")


def test_machine_formats_are_never_coloured(cli, bad):
    for fmt in ("json", "sarif", "github"):
        assert ESC not in cli("--no-cache", "--format", fmt, "--color", "always").out


def test_an_unknown_color_value_is_a_one_line_error(cli, bad):
    result = cli("--no-cache", "--color", "sometimes")
    assert result.code == 2
    assert result.err == "dllint: error: --color: unknown value 'sometimes' (one of auto, always, never)\n"


# -- the full format ----------------------------------------------------------------------------------

def test_full_shows_the_line_a_caret_and_the_fix(cli, bad):
    result = cli("--no-cache", "--format", "full")
    assert result.code == 1
    assert result.out.splitlines() == [
        "a.py:2:1: TST001 call to bad() [*]",
        "  |",
        "2 | bad()",
        "  | ^^^^^",
        "  = fix (safe, with --fix): call good()",
        "",
        "a.py:4:5: TST002 call to risky()",
        "  |",
        "4 |     risky()",
        "  |     ^^^^^^^",
        "  = unsafe fix available with --unsafe-fixes: call careful()",
        "",
        "Found 2 findings (1 fixable with --fix, 1 more with --fix --unsafe-fixes).",
    ]
    unsafe = cli("--no-cache", "--format", "full", "--unsafe-fixes").out
    assert "  = fix (unsafe, with --fix --unsafe-fixes): call careful()" in unsafe


def test_full_spans_lines_and_aligns_tabs_and_wide_characters(cli, project):
    write(project / "a.py", "if 1:\n\tz = ('字', bad(\n\t\t1,\n\t))\n")
    lines = cli("--no-cache", "--format", "full").out.splitlines()
    assert lines[1:8] == [
        "  |",
        "2 |     z = ('字', bad(",
        "  |                ^^^^",
        "3 |         1,",
        "  |         ^^",
        "4 |     ))",
        "  |     ^",
    ]


def test_full_shows_a_notebook_cell_and_stdin(cli, project):
    cells = [{"cell_type": "markdown", "source": "# t"}, {"cell_type": "code", "source": ["y = 2\n", "bad()\n"]}]
    write(project / "nb.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    lines = cli("--no-cache", "--format", "full").out.splitlines()
    assert lines[:4] == ["nb.ipynb:cell 2:2:1: TST001 call to bad() [*]", "  |", "2 | bad()", "  | ^^^^^"]
    piped = cli("--format", "full", "-", "--stdin-filename", "s.py", stdin=b"\n\nbad()\n").out.splitlines()
    assert piped[:4] == ["s.py:3:1: TST001 call to bad() [*]", "  |", "3 | bad()", "  | ^^^^^"]


# -- --output-format -----------------------------------------------------------------------------------

def test_output_format_is_the_same_option(cli, bad):
    assert cli("--no-cache", "--output-format", "json").out == cli("--no-cache", "--format", "json").out
    assert cli("--no-cache", "--output-format", "concise").out == cli("--no-cache").out
    assert cli("--no-cache", "--output-format", "full", "--format", "full").code == 1


@pytest.mark.parametrize("args, message", [
    (["--format", "json", "--output-format", "sarif"],
     "--format json and --output-format sarif disagree; give one of them"),
    (["--output-format", "grouped"],
     "--output-format: unknown output format 'grouped' (one of text, full, json, sarif, github, concise)"),
    (["--format", "xml"],
     "--format: unknown output format 'xml' (one of text, full, json, sarif, github, concise)"),
])
def test_format_errors_are_one_line(cli, bad, args, message):
    result = cli("--no-cache", *args)
    assert result.code == 2 and result.out == "" and result.err == f"dllint: error: {message}\n"


# -- --statistics with every format --------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "full"])
def test_statistics_table_in_text_and_full(cli, bad, fmt):
    result = cli("--no-cache", "--statistics", "--format", fmt)
    assert result.code == 1
    assert result.out.splitlines() == [
        "    1  TST001  [*] bad-call",
        "    1  TST002      risky-call",
        "",
        "Found 2 findings (1 fixable with --fix, 1 more with --fix --unsafe-fixes).",
    ]


def test_statistics_array_in_json(cli, bad):
    result = cli("--no-cache", "--statistics", "--format", "json")
    assert json.loads(result.out) == [
        {"code": "TST001", "name": "bad-call", "count": 1, "fixable": 1},
        {"code": "TST002", "name": "risky-call", "count": 1, "fixable": 0},
    ]


@pytest.mark.parametrize("args, message", [
    (["--format", "sarif"], "--statistics is not available with --format sarif (use one of text, full, json)"),
    (["--format", "github"], "--statistics is not available with --format github (use one of text, full, json)"),
    (["--diff"], "--statistics cannot be combined with --diff (the diff lists the fixes)"),
])
def test_statistics_where_it_has_no_place_is_an_error(cli, bad, args, message):
    result = cli("--no-cache", "--statistics", *args)
    assert result.code == 2 and result.out == "" and result.err == f"dllint: error: {message}\n"


# -- --show-fixes ----------------------------------------------------------------------------------------

def test_show_fixes_lists_the_available_fixes(cli, bad):
    write(bad / "b.py", "bad()\nbad()\n")
    lines = cli("--no-cache", "--show-fixes").out.splitlines()
    assert lines[4:11] == [
        "",
        "Fixes available (apply with --fix):",
        "- a.py:",
        "    1 x TST001 (bad-call): call good()",
        "- b.py:",
        "    2 x TST001 (bad-call): call good()",
        "",
    ]
    unsafe = cli("--no-cache", "--show-fixes", "--unsafe-fixes").out
    assert "    1 x TST002 (risky-call): call careful()" in unsafe


def test_show_fixes_lists_the_applied_fixes(cli, bad):
    result = cli("--no-cache", "--fix", "--show-fixes")
    assert result.out.splitlines() == [
        "a.py:4:5: TST002 call to risky()",
        "",
        "Fixes applied:",
        "- a.py:",
        "    1 x TST001 (bad-call): call good()",
        "",
        "Fixed 1 finding.",
        "Found 1 finding remaining (1 more with --fix --unsafe-fixes).",
    ]
    again = cli("--no-cache", "--fix", "--show-fixes").out
    assert "No fixes applied." in again


@pytest.mark.parametrize("args, message", [
    (["--diff"], "--show-fixes cannot be combined with --diff (the diff shows the fixes)"),
    (["--format", "json"], "--show-fixes is not available with --format json"),
])
def test_show_fixes_misuse_is_an_error(cli, bad, args, message):
    result = cli("--no-cache", "--show-fixes", *args)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1


# -- dllint explain ---------------------------------------------------------------------------------------

def test_explain_is_rendered_for_a_terminal(cli, monkeypatch):
    page = (REPO / "rules" / "DL001.md").read_text(encoding="utf-8")
    result = cli("explain", "DL001", "--color", "always")
    assert result.code == 0 and ESC in result.out
    title = page.splitlines()[0].lstrip("# ")
    assert result.out.startswith(f"{ESC}1;36m{title}{ESC}0m\n")
    assert "\n#" not in result.out and "```" not in result.out
    if "```" in page:
        code_line = page.split("```", 2)[1].splitlines()[1]
        assert f"    {ESC}32m{code_line}{ESC}0m" in result.out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert cli("explain", "DL001").out == result.out


def test_explain_is_plain_markdown_when_piped_or_no_color(cli, monkeypatch):
    page = (REPO / "rules" / "DL001.md").read_text(encoding="utf-8")
    assert cli("explain", "DL001").out == page
    assert cli("explain", "DL001", "--color", "never").out == page
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli("explain", "DL001").out == page
    assert cli("explain", "DL001", "--color", "purple").code == 2
