"""Code switched off by a literal test (fourth audit, cause AL: `if False:` blocks in notebooks
and scripts) never runs: no finding is made there, and its bindings reach nothing."""

from __future__ import annotations

import textwrap

import pytest

from dllint.engine import lint_source
from dllint.registry import default_registry

FIT = "    x = StandardScaler().fit_transform(x)\n"
HEAD = ("from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "x, y = load()\n")
SPLIT = "xtr, xte, ytr, yte = train_test_split(x, y)\n"


def _codes(source: str) -> list[tuple[str, int]]:
    rules = [default_registry().get("DL401")()]
    return [(d.code, d.line) for d in lint_source(source, "t.py", rules)]


@pytest.mark.parametrize("switch", [
    "if False:\n" + FIT,
    "if 0:\n" + FIT,
    "if None:\n" + FIT + "else:\n    pass\n",
    "while False:\n" + FIT,
    "if True:\n    pass\nelse:\n" + FIT,
    "while True:\n    break\nelse:\n" + FIT,
])
def test_a_fit_that_never_runs_is_not_reported(switch: str) -> None:
    assert _codes(HEAD + switch + SPLIT) == []


@pytest.mark.parametrize("switch", [
    "if not False:\n" + FIT,
    "if True:\n" + FIT,
    "DEBUG = False\nif DEBUG:\n" + FIT,  # a flag a user flips: live code
    "if 1:\n    pass\n" + FIT.strip() + "\n",
])
def test_a_fit_that_runs_is_reported(switch: str) -> None:
    found = _codes(HEAD + switch + SPLIT)
    assert [c for c, _ in found] == ["DL401"]


def test_a_binding_in_dead_code_reaches_nothing() -> None:
    # the scaled x of the dead branch never reaches the split: the control-flow graph leaves
    # the branch without a way in, whatever line a rule reports on
    source = HEAD + "if False:\n" + FIT + "else:\n    x = x\n" + SPLIT
    assert _codes(source) == []
    from dllint.analysis.unreachable import DeadLines
    import ast
    dead = DeadLines(ast.parse(textwrap.dedent(source)))
    assert 5 in dead and 4 not in dead and 7 not in dead


@pytest.mark.parametrize("test", [
    "False", "True", "0", "1", "0x0", "0.0", "None", "''", "'x'", "not False", "not None",
    "not not 0", "DEBUG", "b''", "...",
])
@pytest.mark.parametrize("form", ["if {t}:\n    a = 1\nelse:\n    b = 2\n", "while {t}:\n    a = 1\n    break\nelse:\n    b = 2\n"])
def test_the_control_flow_graph_and_the_findings_filter_agree(test: str, form: str) -> None:
    # one reading of a literal test serves both: a branch the graph leaves without a way in is
    # exactly a span whose findings are dropped
    import ast

    import libcst as cst

    from dllint.analysis.cfg import build_cfg
    from dllint.analysis.unreachable import DeadLines

    source = "DEBUG = 0\n" + form.format(t=test)
    module = cst.parse_module(source)
    graph = build_cfg(module)
    live = {block.id for block in graph.reachable()}
    positions = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(
        cst.metadata.PositionProvider)
    dead = DeadLines(ast.parse(source))
    checked = 0
    for node, block in graph.where.items():
        if isinstance(node, cst.SimpleStatementLine) and node.body and isinstance(node.body[0], cst.Assign):
            line = positions[node].start.line
            assert (block.id in live) == (line not in dead), (test, form, line)
            checked += 1
    assert checked == 3
