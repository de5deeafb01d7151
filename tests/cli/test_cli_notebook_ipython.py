"""IPython syntax in notebooks is read as IPython reads it (not DL001, not silently skipped), with
positions mapped back to the cell's own line and column; the github and sarif formats point at the
line of the ``.ipynb`` file where that source line sits, as GitHub shows the file."""
from __future__ import annotations

import json

import pytest

from cli_helpers import write
from dllint.notebook import load_notebook


def nb(*sources: str, indent: int | None = 1) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": text.splitlines(keepends=True)} for text in sources]
    return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=indent) + "\n"


def lines(cli, *args):
    return cli("--no-cache", "-q", *args).out.splitlines()


@pytest.mark.parametrize("source", [
    "obj?\nbad()\n", "obj??\nbad()\n", "np.mean?\nbad()\n", "model.forward??\nbad()\n",
    "?obj\nbad()\n", "%timeit?\nbad()\n", "pip install torch\nbad()\n",
    "cd ../data\nbad()\n", "conda install -y numpy\nbad()\n", "run train.py --epochs 3\nbad()\n",
    "!ls -la\nbad()\n", "files = !ls\nbad()\n", "%matplotlib inline\nbad()\n",
])
def test_ipython_lines_are_not_python_errors(cli, project, source):
    write(project / "n.ipynb", nb(source))
    assert lines(cli, "--select", "TST001,DL001") == ["n.ipynb:cell 1:2:1: TST001 call to bad() [*]"]


def test_automagic_names_used_as_python_stay_python(cli, project):
    write(project / "n.ipynb", nb("time = 3\nrun(bad())\ncd = bad()\nls -la\nenv = dict(\n    a=bad())\n"))
    assert lines(cli, "--select", "TST001,DL001") == [
        "n.ipynb:cell 1:2:5: TST001 call to bad() [*]", "n.ipynb:cell 1:3:6: TST001 call to bad() [*]",
        "n.ipynb:cell 1:6:7: TST001 call to bad() [*]"]


def test_a_python_line_ending_in_a_question_mark_string_is_python(cli, project):
    write(project / "n.ipynb", nb('print("why?")\nbad()\n', "x = (\n  a?\n)\n"))
    found = lines(cli, "--select", "TST001,DL001")
    assert found[0] == "n.ipynb:cell 1:2:1: TST001 call to bad()"  # no fix: a cell does not parse
    assert found[1].startswith("n.ipynb:cell 2:") and "DL001" in found[1]  # `a?` in brackets is not help


@pytest.mark.parametrize("magic", ["%%time", "%%timeit -n 3", "%%capture out", "%%prun"])
def test_python_cell_magic_bodies_are_linted(cli, project, magic):
    write(project / "n.ipynb", nb(f"{magic}\nx = 1\nbad()\n"))
    assert lines(cli, "--select", "TST001,DL001") == ["n.ipynb:cell 1:3:1: TST001 call to bad() [*]"]


@pytest.mark.parametrize("magic", ["%%bash", "%%writefile run.py", "%%html", "%%javascript"])
def test_other_cell_magics_stay_skipped(cli, project, magic):
    write(project / "n.ipynb", nb(f"{magic}\nbad()\nnot python (\n", "bad()\n"))
    assert lines(cli, "--select", "TST001,DL001") == ["n.ipynb:cell 2:1:1: TST001 call to bad() [*]"]


def test_cell_indented_by_one_space_is_dedented_and_columns_map_back(cli, project):
    write(project / "n.ipynb", nb(" x = 1\n for i in range(3):\n     bad(i)\n y = bad()\n", "bad()\n"))
    assert lines(cli, "--select", "TST001,DL001") == [  # no fix offered in a dedented cell
        "n.ipynb:cell 1:3:6: TST001 call to bad()",
        "n.ipynb:cell 1:4:6: TST001 call to bad()",
        "n.ipynb:cell 2:1:1: TST001 call to bad() [*]",
    ]
    data = json.loads(cli("--no-cache", "--select", "TST001", "--format", "json").out)
    assert [(d["line"], d["column"], d["end_line"], d["end_column"]) for d in data] == [
        (3, 6, 3, 12), (4, 6, 4, 11), (1, 1, 1, 6)]


def test_dedented_cell_is_never_fixed(cli, project):
    path = write(project / "n.ipynb", nb(" bad()\n", "bad()\n"))
    cli("--no-cache", "--fix", "--select", "TST001")
    assert path.read_text() == nb(" bad()\n", "good()\n")


def test_magic_lines_keep_positions_in_the_joined_module():
    loaded = load_notebook(nb("%%time\nx = 1\n", "pip install x\n  \ny = 2\n"))
    assert loaded.source == "\nx = 1\n\n  \ny = 2\n"
    assert loaded.locate(5) == (2, 3)


# -- locations in the .ipynb file --------------------------------------------------------------------

def _file_line_and_column(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in the raw file."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize("indent", [1, 2])
def test_github_points_at_the_line_of_the_ipynb_file(cli, project, indent):
    text = nb("import x\n", "y = 1\nz = [bad()]\n", indent=indent)
    write(project / "n.ipynb", text)
    line, column = _file_line_and_column(text, "bad()")
    out = cli("--no-cache", "--select", "TST001", "--format", "github").out
    assert out == (f"::warning file=n.ipynb,line={line},col={column},endLine={line},"
                   f"endColumn={column + 5},title=dllint (TST001)::cell 2: call to bad()\n")


def test_github_and_sarif_agree_on_notebook_positions(cli, project):
    text = nb("a = 'é'; b = bad()\n", " if a:\n     bad()\n")
    write(project / "n.ipynb", text)
    github = cli("--no-cache", "--select", "TST001", "--format", "github").out.splitlines()
    sarif = json.loads(cli("--no-cache", "--select", "TST001", "--format", "sarif").out)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    assert len(github) == len(regions) == 2
    for line, region in zip(github, regions):
        assert (f"line={region['startLine']},col={region['startColumn']},"
                f"endLine={region['endLine']},endColumn={region['endColumn']}") in line
    file_lines = text.splitlines()
    for region in regions:  # each region covers "bad" in the raw JSON line
        start = region["startColumn"] - 1
        assert file_lines[region["startLine"] - 1][start:start + 3] == "bad"


def test_github_falls_back_to_the_cell_line_for_a_compact_notebook(cli, project):
    write(project / "n.ipynb", nb("x = 1\nbad()\n", indent=None))
    out = cli("--no-cache", "--select", "TST001", "--format", "github").out
    assert "file=n.ipynb,line=2,col=1," in out and "cell 1: call to bad()" in out


def test_a_line_magic_whose_arguments_go_on_in_brackets_is_one_line(cli, project):
    # PythonDataScienceHandbook 03.12 cell 6 (issue 13 audit): IPython reads the bracket-continued
    # arguments as part of the magic's line.
    write(project / "n.ipynb", nb(
        "%timeit np.fromiter((xi + yi for xi, yi in zip(x, y)),\n"
        "                    dtype=x.dtype, count=len(x))\nbad()\n",
        "t = %timeit -o f(a,\n  b)\nbad()\n",
        "!echo (one \\\n  two)\nbad()\n"))
    assert lines(cli, "--select", "TST001,DL001") == [
        "n.ipynb:cell 1:3:1: TST001 call to bad() [*]", "n.ipynb:cell 2:3:1: TST001 call to bad() [*]",
        "n.ipynb:cell 3:3:1: TST001 call to bad() [*]"]


def test_a_closed_magic_line_does_not_swallow_an_indented_line_after_it(cli, project):
    write(project / "n.ipynb", nb("%timeit f(x)\n    y = 1\n", "bad()\n"))
    found = lines(cli, "--select", "TST001,DL001")
    assert found[0].startswith("n.ipynb:cell 1:2:") and "DL001" in found[0]
    assert found[1] == "n.ipynb:cell 2:1:1: TST001 call to bad()"


def test_a_cell_pasted_from_a_console_is_read_without_its_prompts(cli, project):
    # IPython strips ">>> " / "... " (and "In [3]: " / "   ...: ") when the cell starts with one
    write(project / "n.ipynb", nb(">>> x = 1\n>>> for i in range(3):\n...     bad(i)\n",
                                  "In [3]: y = 2\n   ...: bad()\n", "bad()\n"))
    assert lines(cli, "--select", "TST001,DL001") == [  # no fix offered on a stripped line
        "n.ipynb:cell 1:3:9: TST001 call to bad()",
        "n.ipynb:cell 2:2:9: TST001 call to bad()",
        "n.ipynb:cell 3:1:1: TST001 call to bad() [*]",
    ]


def test_prompts_are_stripped_only_where_ipython_strips_them():
    # a continuation prompt on a later line alone is Python (an Ellipsis statement), as IPython reads it
    assert load_notebook(nb("x = 1\ny = 2\n... \n")).source == "x = 1\ny = 2\n... \n"
    # a second line's continuation prompt is enough: IPython strips every prompt of the cell then
    assert load_notebook(nb("x = f(\n... 1)\n>>> y = 2\n")).source == "x = f(\n1)\ny = 2\n"
    assert load_notebook(nb("\n>>> import torch\n")).source == "\nimport torch\n"
