"""--fix, --unsafe-fixes and --diff: what is written, what is reported, what is never touched."""
from __future__ import annotations

import json

import pytest

from cli_helpers import write

SOURCE = "bad()\nrisky()\nbad(1)\n"


def test_fix_applies_safe_fixes_and_reports_what_remains(cli, project):
    path = write(project / "a.py", SOURCE)
    result = cli("--fix", "--no-cache")
    assert path.read_text() == "good()\nrisky()\ngood(1)\n"
    assert result.out.splitlines() == [
        "a.py:2:1: TST002 call to risky()",
        "",
        "Fixed 2 findings.",
        "Found 1 finding remaining (1 more with --fix --unsafe-fixes).",
    ]
    assert result.code == 1


def test_unsafe_fixes(cli, project):
    path = write(project / "a.py", SOURCE)
    result = cli("--fix", "--unsafe-fixes", "--no-cache")
    assert path.read_text() == "good()\ncareful()\ngood(1)\n"
    assert result.out == "Fixed 3 findings.\n"
    assert result.code == 0


def test_unsafe_fixes_alone_marks_unsafe_findings_fixable(cli, project):
    write(project / "a.py", "risky()\n")
    assert cli("--no-cache").out.splitlines()[0] == "a.py:1:1: TST002 call to risky()"
    assert cli("--no-cache", "--unsafe-fixes").out.splitlines()[0] == "a.py:1:1: TST002 call to risky() [*]"


def test_diff_writes_nothing_and_exits_one(cli, project):
    path = write(project / "a.py", SOURCE)
    result = cli("--diff", "--no-cache")
    assert path.read_text() == SOURCE
    assert result.code == 1
    assert result.out == (
        "--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n-bad()\n+good()\n risky()\n-bad(1)\n+good(1)\n"
    )
    assert result.err == "Would fix 2 findings.\n"


def test_diff_without_changes_exits_zero(cli, project):
    write(project / "a.py", "risky()\n")
    result = cli("--diff", "--no-cache")
    assert result.code == 0 and result.out == ""


def test_diff_with_unsafe(cli, project):
    write(project / "a.py", "risky()\n")
    result = cli("--diff", "--unsafe-fixes", "--no-cache")
    assert result.code == 1 and "+careful()" in result.out


def test_fix_keeps_bom_crlf_and_encoding(cli, project):
    path = write(project / "crlf.py", b"\xef\xbb\xbfx = 1\r\nbad()\r\n")
    cli("--fix", "--no-cache")
    assert path.read_bytes() == b"\xef\xbb\xbfx = 1\r\ngood()\r\n"
    latin = write(project / "latin.py", "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\nbad()\n".encode("latin-1"))
    cli("--fix", "--no-cache")
    assert latin.read_bytes() == "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\ngood()\n".encode("latin-1")


def test_fix_never_writes_a_file_that_does_not_parse(cli, project):
    path = write(project / "a.py", "broken()\nbad()\n")
    result = cli("--fix", "--select", "TST005", "--no-cache")
    assert path.read_text() == "broken()\nbad()\n"
    assert "a.py:1:1: TST005 call to broken() [*]" in result.out
    assert result.code == 1


def test_fix_on_a_file_that_does_not_parse_leaves_it(cli, project):
    path = write(project / "a.py", "bad(\n")
    result = cli("--fix", "--no-cache")
    assert path.read_text() == "bad(\n"
    assert "DL001" in result.out


def _notebook(*sources, indent=1, sort_keys=True, as_list=True, ascii_only=False):
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": (text.splitlines(keepends=True) if as_list else text)}
             if not text.startswith("#md ") else
             {"cell_type": "markdown", "metadata": {}, "source": [text[4:]]}
             for text in sources]
    notebook = {"cells": cells, "metadata": {"language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=indent, sort_keys=sort_keys, ensure_ascii=ascii_only) + "\n"


def test_notebook_fix_changes_only_the_fixed_sources(cli, project):
    text = _notebook("#md Intro é", "%matplotlib inline\nx = bad()\n", "!ls\nrisky()\nbad(2)")
    path = write(project / "nb.ipynb", text)
    result = cli("--fix", "--no-cache")
    expected = _notebook("#md Intro é", "%matplotlib inline\nx = good()\n", "!ls\nrisky()\ngood(2)")
    assert path.read_text(encoding="utf-8") == expected
    assert result.out.splitlines() == [
        "nb.ipynb:cell 3:2:1: TST002 call to risky()", "", "Fixed 2 findings.",
        "Found 1 finding remaining (1 more with --fix --unsafe-fixes).",
    ]
    assert result.err == ""
    # a round trip: fixing again changes nothing, and the fixed notebook still loads as before
    assert cli("--fix", "--no-cache").out.startswith("nb.ipynb:cell 3:2:1: TST002")
    assert path.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("layout", [dict(indent=2, sort_keys=False), dict(indent=None), dict(as_list=False),
                                    dict(ascii_only=True)])
def test_notebook_fix_keeps_other_layouts(cli, project, layout):
    path = write(project / "nb.ipynb", _notebook("s = 'é'\nbad()\n", **layout))
    cli("--fix", "--no-cache")
    assert path.read_text() == _notebook("s = 'é'\ngood()\n", **layout)


def test_notebook_with_unknown_layout_is_never_rewritten(cli, project):
    text = _notebook("bad()\n").replace('"cells": [', '"cells":   [')
    path = write(project / "nb.ipynb", text)
    result = cli("--fix", "--no-cache")
    assert path.read_text() == text
    assert "nb.ipynb:cell 1:1:1: TST001 call to bad() [*]" in result.out
    assert result.err.startswith("dllint: warning: some notebook findings could not be fixed safely")
    assert result.code == 1


def test_notebook_fix_never_breaks_the_code(cli, project):
    text = _notebook("broken()\n")
    path = write(project / "nb.ipynb", text)
    cli("--fix", "--select", "TST005", "--no-cache")
    assert path.read_text() == text


def test_notebook_diff(cli, project):
    text = _notebook("bad()\n")
    path = write(project / "nb.ipynb", text)
    result = cli("--diff", "--no-cache")
    assert path.read_text() == text
    assert result.code == 1
    assert '-    "bad()\\n"' in result.out and '+    "good()\\n"' in result.out


def test_notebook_fix_unit_refuses_edits_on_ipython_lines():
    from dllint.diagnostics import Diagnostic, Edit, Fix
    from dllint.notebook import fix_notebook

    text = _notebook("%time f()\nx = 1\n")

    def lint(source):
        return [Diagnostic("nb", 1, 1, 1, 2, "TST001", "n", "m",
                           fix=Fix("safe", (Edit(1, 1, 1, 2, "y"),)))]

    assert fix_notebook(text, lint) == (None, [])


def test_fix_and_cache(cli, project):
    path = write(project / "a.py", SOURCE)
    cli("--jobs", "1")  # fill the cache with the unfixed findings
    result = cli("--fix", "--jobs", "1")
    assert path.read_text() == "good()\nrisky()\ngood(1)\n"
    assert "Fixed 2 findings." in result.out
    again = cli("--jobs", "1")
    assert again.out.startswith("a.py:2:1: TST002")
    assert "TST001" not in again.out


def test_fix_in_parallel(cli, project):
    for number in range(10):
        write(project / f"m{number}.py", SOURCE)
    result = cli("--fix", "--jobs", "2", "--no-cache")
    assert "Fixed 20 findings." in result.out
    assert all((project / f"m{n}.py").read_text() == "good()\nrisky()\ngood(1)\n" for n in range(10))
