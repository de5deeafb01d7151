"""--add-noqa: a `# noqa: CODE` comment on each line with findings, merged with what is there, never
inside a string or after a backslash continuation; notebooks are skipped with a warning."""
from __future__ import annotations

import json

import pytest

from cli_helpers import write
from dllint.add_noqa import add_noqa
from dllint.diagnostics import Diagnostic


def _finding(line: int, code: str = "TST001", statement_line: int | None = None) -> Diagnostic:
    return Diagnostic("a.py", line, 1, line, 2, code, "n", "m", statement_line=statement_line)


def test_adds_comments_and_the_findings_are_gone(cli, project):
    path = write(project / "a.py", "x = 1\nbad()\nrisky(bad())\n")
    result = cli("--no-cache", "--add-noqa")
    assert result.code == 0 and result.out == ""
    assert result.err == "Added 3 noqa comments in 1 file.\n"
    assert path.read_text() == "x = 1\nbad()  # noqa: TST001\nrisky(bad())  # noqa: TST001, TST002\n"
    assert cli("--no-cache").code == 0


def test_merges_with_existing_comments_and_never_duplicates(cli, project):
    path = write(project / "a.py", "bad()  # keep this\nrisky(bad())  # noqa:TST002\n")
    assert cli("--no-cache", "--add-noqa", "--extend-select", "TST003").code == 0
    expected = "bad()  # keep this  # noqa: TST001\nrisky(bad())  # noqa: TST001, TST002\n"
    assert path.read_text() == expected
    again = cli("--no-cache", "--add-noqa")
    assert again.code == 0 and again.err == "Added 0 noqa comments in 0 files.\n"
    assert path.read_text() == expected


def test_a_statement_over_several_lines_gets_it_on_the_reported_line(cli, project):
    path = write(project / "a.py", "values = [\n    1,\n    bad(),\n]\n")
    assert cli("--no-cache", "--add-noqa").code == 0
    assert path.read_text() == "values = [\n    1,\n    bad(),  # noqa: TST001\n]\n"
    assert cli("--no-cache").code == 0


def test_a_line_inside_a_string_or_continued_by_backslash_is_left_alone(cli, project):
    source = 'text = bad("""a\nb""")\ny = bad() + \\\n    1\nz = 1 + \\\n    bad()\n'
    path = write(project / "a.py", source)
    result = cli("--no-cache", "--add-noqa")
    assert result.code == 1
    assert path.read_text() == source.replace("    bad()\n", "    bad()  # noqa: TST001\n")
    assert ("dllint: warning: 2 finding(s) could not get a noqa comment (a notebook, or a line "
            "ending inside a string or a backslash continuation), first at a.py:1") in result.err
    assert "Added 1 noqa comment in 1 file." in result.err


def test_the_statement_line_takes_it_when_the_reported_line_cannot():
    source = 'call(\n    """a\nb""")\n'
    result = add_noqa(source, [_finding(2, statement_line=1)])
    assert result.text == 'call(  # noqa: TST001\n    """a\nb""")\n' and not result.skipped


def test_a_noqa_inside_a_string_is_not_taken_for_a_comment():
    result = add_noqa('s = "# noqa: TST002"\n', [_finding(1)])
    assert result.text == 's = "# noqa: TST002"  # noqa: TST001\n' and result.added == 1


def test_a_bare_noqa_or_a_covering_prefix_adds_nothing():
    assert add_noqa("bad()  # noqa\n", [_finding(1)]).added == 0
    assert add_noqa("bad()  # noqa: TST\n", [_finding(1)]).text == "bad()  # noqa: TST\n"


def test_line_endings_and_bom_are_kept(cli, project):
    path = write(project / "a.py", b"\xef\xbb\xbfx = 1\r\nbad()\r\n")
    assert cli("--no-cache", "--add-noqa").code == 0
    assert path.read_bytes() == b"\xef\xbb\xbfx = 1\r\nbad()  # noqa: TST001\r\n"


def test_notebooks_are_skipped_with_a_warning(cli, project):
    text = json.dumps({"cells": [{"cell_type": "code", "source": "bad()\n"}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5})
    path = write(project / "nb.ipynb", text)
    result = cli("--no-cache", "--add-noqa")
    assert result.code == 1 and path.read_text() == text
    assert "--add-noqa does not edit notebooks: 1 notebook(s) with findings left as they are" in result.err


@pytest.mark.parametrize("flag", ["--fix", "--diff", "--statistics", "--show-fixes"])
def test_add_noqa_with_an_incompatible_option_is_an_error(cli, project, flag):
    write(project / "a.py", "bad()\n")
    result = cli("--no-cache", "--add-noqa", flag)
    assert result.code == 2
    assert result.err == f"dllint: error: --add-noqa cannot be combined with {flag}\n"
    assert (project / "a.py").read_text() == "bad()\n"


def test_a_line_with_a_file_wide_noqa_is_not_given_line_codes():
    source = "bad()  # dllint: noqa: TST002\n"
    result = add_noqa(source, [_finding(1)])
    assert result.text == source and [d.code for d in result.skipped] == ["TST001"]
