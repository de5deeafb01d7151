"""Notebooks: code cells joined in order, IPython syntax blanked with lines kept aligned, findings
mapped to (cell, line), malformed notebooks a DL001 finding, noqa in cells."""
from __future__ import annotations

import json

import pytest

from cli_helpers import write
from dllint.notebook import NotebookError, load_notebook


def nb(*cells, metadata=None) -> str:
    return json.dumps({
        "cells": [{"cell_type": kind, "metadata": {}, "source": text} for kind, text in cells],
        "metadata": metadata or {"language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


def lines(cli, *args):
    return cli("--no-cache", "-q", *args).out.splitlines()


def test_cells_are_numbered_among_all_cells(cli, project):
    write(project / "n.ipynb", nb(("markdown", "# Intro"), ("code", ["import x\n", "bad()\n"]),
                                  ("raw", "raw"), ("code", "\n\ny = 1\nbad()")))
    assert lines(cli) == ["n.ipynb:cell 2:2:1: TST001 call to bad() [*]",
                          "n.ipynb:cell 4:4:1: TST001 call to bad() [*]"]


def test_magics_shell_escapes_and_help_are_skipped_with_lines_aligned(cli, project):
    write(project / "n.ipynb", nb(
        ("code", "%matplotlib inline\n!pip install torch\nfiles = !ls\nt = %time f()\nnp.mean?\n??np\nbad()\n"),
        ("code", "%%bash\necho bad()\nbad()\n"),  # a cell magic: the whole cell is not Python
        ("code", "for i in range(3):\n    %time g(i)\n    !echo hi \\\n      there\nbad()\n"),
        ("code", "x = (1\n     % 2)\nbad()\n"),  # % inside brackets is the modulo operator
        ("code", 's = """\n%not a magic\n"""\nbad()\n'),
    ))
    assert lines(cli) == [
        "n.ipynb:cell 1:7:1: TST001 call to bad() [*]",
        "n.ipynb:cell 3:5:1: TST001 call to bad() [*]",
        "n.ipynb:cell 4:3:1: TST001 call to bad() [*]",
        "n.ipynb:cell 5:4:1: TST001 call to bad() [*]",
    ]


def test_names_flow_between_cells_as_in_a_script(project):
    source = load_notebook(nb(("code", "a = 1"), ("markdown", "m"), ("code", "b = a\n"))).source
    assert source == "a = 1\nb = a\n"


def test_parse_error_names_the_cell(cli, project):
    write(project / "n.ipynb", nb(("code", "x = 1\n"), ("code", "y = 2\ndef f(:\n    pass\n")))
    (line,) = lines(cli)
    assert line.startswith("n.ipynb:cell 2:2:7: DL001 could not parse the file")


def test_a_broken_cell_does_not_hide_the_others(cli, project):
    write(project / "n.ipynb", nb(("code", "bad()\n"), ("code", "def f(:\n    pass\n"),
                                  ("markdown", "notes"), ("code", 's = """never closed\n'),
                                  ("code", "x = 1\nbad()\n")))
    out = lines(cli)
    assert [line.split(": ")[0] for line in out] == [
        "n.ipynb:cell 1:1:1", "n.ipynb:cell 2:1:7", "n.ipynb:cell 4:1:5", "n.ipynb:cell 5:2:1"]
    assert "DL001" in out[1] and "linted without this one" in out[1] and "DL001" in out[2]
    assert out[0].endswith("TST001 call to bad()") and out[3].endswith("TST001 call to bad()")


def test_a_broken_cell_is_set_aside_even_with_dl001_off(cli, project):
    write(project / "n.ipynb", nb(("code", "def f(:\n"), ("code", "bad()\n")))
    assert lines(cli, "--ignore", "DL001") == ["n.ipynb:cell 2:1:1: TST001 call to bad()"]


def test_no_fix_is_offered_while_a_cell_is_broken(cli, project):
    text = nb(("code", "def f(:\n"), ("code", "bad()\n"))
    write(project / "n.ipynb", text)
    cli("--no-cache", "--fix")
    assert (project / "n.ipynb").read_text() == text


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not valid JSON"),
    ("[]", "not a JSON object"),
    ('{"metadata": {}}', "no 'cells'"),
    ('{"cells": [1]}', "not a list of cells"),
    ('{"cells": [{"cell_type": "code", "source": 3}]}', "source is not text"),
    ("", "not valid JSON"),
])
def test_malformed_notebook_is_one_dl001(cli, project, text, problem):
    write(project / "n.ipynb", text)
    result = cli("--no-cache")
    assert result.code == 1
    (line,) = [l for l in result.out.splitlines() if "DL001" in l]
    assert line.startswith("n.ipynb:1:1: DL001 could not read the notebook: ")
    assert problem in line


def test_undecodable_notebook(cli, project):
    write(project / "n.ipynb", b"\xff\xfe\x00garbage")
    assert "DL001 could not read the notebook" in cli("--no-cache").out


def test_noqa_in_a_cell(cli, project):
    write(project / "n.ipynb", nb(("code", "bad()  # noqa: TST001\nbad()\n"),
                                  ("code", "x = [  # noqa\n    bad(),\n]\nbad(  # noqa\n    2)\n")))
    assert lines(cli) == ["n.ipynb:cell 1:2:1: TST001 call to bad() [*]"]


def test_file_level_noqa_in_any_cell(cli, project):
    write(project / "n.ipynb", nb(("code", "bad()\n"), ("code", "# dllint: noqa: TST001\nrisky()\n")))
    assert lines(cli) == ["n.ipynb:cell 2:2:1: TST002 call to risky()"]


def test_non_python_notebook_is_skipped(cli, project):
    write(project / "r.ipynb", nb(("code", "bad() <- 1"), metadata={"language_info": {"name": "R"}}))
    assert cli("--no-cache").code == 0


def test_notebook_without_code_cells_and_nbformat3(cli, project):
    write(project / "empty.ipynb", nb(("markdown", "nothing")))
    write(project / "old.ipynb", json.dumps({"worksheets": [{"cells": [
        {"cell_type": "code", "input": ["bad()\n"]}]}], "metadata": {}, "nbformat": 3}))
    assert lines(cli) == ["old.ipynb:cell 1:1:1: TST001 call to bad() [*]"]


def test_crlf_and_string_sources(project):
    loaded = load_notebook(nb(("code", "a = 1\r\nb = 2\r\n"), ("code", "c = 3")))
    assert loaded.source == "a = 1\nb = 2\nc = 3\n"
    assert loaded.locate(3) == (2, 1) and loaded.locate(2) == (1, 2) and loaded.locate(4) is None


def test_load_notebook_errors():
    with pytest.raises(NotebookError):
        load_notebook("[1, 2]")


def test_notebook_json_output_has_cell(cli, project):
    write(project / "n.ipynb", nb(("markdown", "m"), ("code", "bad()\n")))
    (finding,) = json.loads(cli("--no-cache", "--format", "json").out)
    assert (finding["cell"], finding["line"], finding["column"]) == (2, 1, 1)


def test_a_def_without_body_at_the_end_of_a_cell_sets_aside_that_cell_only(cli, project):
    # CPython reports "expected an indented block after function definition" at the line after
    # the body, the next cell's first line (issue 13 audit, part1_vae.ipynb): the cell to set aside
    # is the one that does not parse on its own, reported once, and the cells after it are linted.
    write(project / "n.ipynb", nb(("code", "import torch\nfrom torch import nn\n"),
                                  ("code", "class VAE(nn.Module):\n    def forward(self, x):\n        # TODO\n"),
                                  ("code", "def kl(mu, logsigma):\n    return bad()\n"),
                                  ("code", "x = 1\n"), ("code", "print(x)\nbad()\n")))
    out = lines(cli)
    assert [line.split(": ")[0] for line in out] == [
        "n.ipynb:cell 2:3:15", "n.ipynb:cell 3:2:12", "n.ipynb:cell 5:2:1"]
    assert "DL001" in out[0] and "on cell 2 line 2" in out[0]
    assert [("TST001" in line) for line in out] == [False, True, True]


def test_every_broken_cell_is_reported_once_whatever_the_joined_parse_says(cli, project):
    write(project / "n.ipynb", nb(("code", "def f():\n"), ("code", "bad()\n"),
                                  ("code", "if x:\n"), ("code", "y = (1,\n"), ("code", "bad()\n")))
    out = lines(cli, "--select", "DL001,TST001")
    assert [line.split(": ")[0] for line in out] == [
        "n.ipynb:cell 1:1:9", "n.ipynb:cell 2:1:1", "n.ipynb:cell 3:1:6", "n.ipynb:cell 4:1:5",
        "n.ipynb:cell 5:1:1"]
    assert [line.split(": ")[1].split()[0] for line in out] == ["DL001", "TST001", "DL001", "DL001", "TST001"]
