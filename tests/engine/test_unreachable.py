"""Code switched off by a literal test (fourth audit, cause AL: `if False:` blocks in notebooks
and scripts), or by a name that only literals of one truth reach (fourteenth audit, cause DX:
`flag = 0` then `if flag:`), never runs: no finding is made there, and its bindings reach nothing."""

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
    # a switch: every binding that reaches the test is a literal of one truth
    "flag = 0\n# flag = 1\nif flag:\n" + FIT,
    "DEBUG = False\nif DEBUG:\n" + FIT,
    "flag = 1\nif flag:\n    pass\nelse:\n" + FIT,
    "flag = True\nif not flag:\n" + FIT,
    "flag = 1\nflag = 0\nif flag:\n" + FIT,  # the later binding is the one that reaches
    "if c:\n    flag = 0\nelse:\n    flag = None\nif flag:\n" + FIT,  # each path: falsy
    "flag = 0\nwhile flag:\n" + FIT,
    "flag = a = 0\nif flag:\n" + FIT,
    "flag = 1\nif flag:\n    pass\nelif c:\n" + FIT,
])
def test_a_fit_that_never_runs_is_not_reported(switch: str) -> None:
    assert _codes(HEAD + switch + SPLIT) == []


@pytest.mark.parametrize("switch", [
    "if not False:\n" + FIT,
    "if True:\n" + FIT,
    "if 1:\n    pass\n" + FIT.strip() + "\n",
    # a name some path binds to anything but a literal of that truth: live code
    "flag = 0\nflag = 1\nif flag:\n" + FIT,
    "flag = 0\nif c:\n    flag = 1\nif flag:\n" + FIT,
    "flag = 0\nfor i in r:\n    if flag:\n    " + FIT + "    flag = 1\n",  # set on the way round
    "flag = 0\nflag = load()\nif flag:\n" + FIT,
    "flag = 0\nflag += c\nif flag:\n" + FIT,
    "flag = 0\nfor flag in r:\n    pass\nif flag:\n" + FIT,
    "flag = 0\nwith c as flag:\n    pass\nif flag:\n" + FIT,
    "flag, b = 0, 1\nflag, b = b, 0\nif flag:\n" + FIT,
    "flag = 0\ntry:\n    flag = go()\nexcept E:\n    pass\nif flag:\n" + FIT,
    "flag = 0\nflag = not flag\nif flag:\n" + FIT,
    # what the graph does not see may bind the name
    "flag = 0\ndef on():\n    global flag\n    flag = 1\non()\nif flag:\n" + FIT,
    "flag = 0\nfrom settings import *\nif flag:\n" + FIT,
    "flag = 0\nimport flag\nif flag:\n" + FIT,
    "flag = 0\nif (flag := c):\n    pass\nif flag:\n" + FIT,
    "flag = 0\nglobals().update(opts)\nif flag:\n" + FIT,
    "flag = 0\nexec(code)\nif flag:\n" + FIT,
    "flag = 0\ntry:\n    go()\nexcept E as flag:\n    pass\nif flag:\n" + FIT,
    "flag = 0\ndef flag():\n    pass\nif flag:\n" + FIT,
    "print = 0\nif print:\n" + FIT,  # a builtin: bound before the first line
])
def test_a_fit_that_runs_is_reported(switch: str) -> None:
    found = _codes(HEAD + switch + SPLIT)
    assert [c for c, _ in found] == ["DL401"]


@pytest.mark.parametrize("switch", ["if False:\n", "flag = 0\nif flag:\n"])
def test_a_binding_in_dead_code_reaches_nothing(switch: str) -> None:
    # the scaled x of the dead branch never reaches the split: the control-flow graph leaves
    # the branch without a way in, whatever line a rule reports on
    source = HEAD + switch + FIT + "else:\n    x = x\n" + SPLIT
    assert _codes(source) == []
    source = HEAD + switch.replace("0", "1") + FIT + "else:\n    x = x\n" + SPLIT
    assert [c for c, _ in _codes(source)] == (["DL401"] if "flag" in switch else [])


def test_a_literal_dead_branch_is_a_span_of_the_filter() -> None:
    source = HEAD + "if False:\n" + FIT + "else:\n    x = x\n" + SPLIT
    assert _codes(source) == []
    from dllint.analysis.unreachable import DeadLines
    import ast
    dead = DeadLines(ast.parse(textwrap.dedent(source)))
    assert 5 in dead and 4 not in dead and 7 not in dead


@pytest.mark.parametrize("test", [
    "False", "True", "0", "1", "0x0", "0.0", "None", "''", "'x'", "not False", "not None",
    "not not 0", "DEBUG", "not DEBUG", "b''", "...", "OTHER",
])
@pytest.mark.parametrize("form", ["if {t}:\n    a = 1\nelse:\n    b = 2\n", "while {t}:\n    a = 1\n    break\nelse:\n    b = 2\n"])
def test_the_control_flow_graph_and_the_findings_filter_agree(test: str, form: str) -> None:
    # one reading of a literal test, and one decision of a switch, serve both: a branch the
    # graph leaves without a way in is exactly a span whose findings are dropped
    import ast

    import libcst as cst

    from dllint.analysis.cfg import build_cfg
    from dllint.analysis.unreachable import DeadLines, switched_spans
    from dllint.context import FileContext

    source = "DEBUG = 0\nOTHER = 0\nif c:\n    OTHER = 1\n" + form.format(t=test)
    module = cst.parse_module(source)
    graph = build_cfg(module)
    live = {block.id for block in graph.reachable()}
    positions = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(
        cst.metadata.PositionProvider)
    dead = DeadLines(ast.parse(source), None, switched_spans(FileContext("t.py", source, module)))
    checked = 0
    for node, block in graph.where.items():
        if isinstance(node, cst.SimpleStatementLine) and node.body and isinstance(node.body[0], cst.Assign):
            line = positions[node].start.line
            assert (block.id in live) == (line not in dead), (test, form, line)
            checked += 1
    assert checked == 5


def _function_codes(body: str, params: str = "") -> list[str]:
    source = HEAD + f"def f({params}):\n" + textwrap.indent(body + SPLIT, "    ")
    return [c for c, _ in _codes(source)]


@pytest.mark.parametrize("body, params, expected", [
    ("flag = False\nif flag:\n" + FIT, "", []),
    ("flag = False\ngo()\nif flag:\n" + FIT, "", []),  # a call cannot rebind a local
    ("flag = False\nif c:\n    flag = True\nif flag:\n" + FIT, "", ["DL401"]),
    ("if flag:\n" + FIT, "flag=False", ["DL401"]),  # a parameter: whatever the caller passes
    ("if c:\n    flag = 0\nif flag:\n" + FIT, "flag=1", ["DL401"]),
    ("flag = 0\ndef on():\n    nonlocal flag\n    flag = 1\non()\nif flag:\n" + FIT, "", ["DL401"]),
    ("flag = 0\nwhile not flag:\n    flag = 1\nelse:\n" + FIT, "", ["DL401"]),
])
def test_a_switch_in_a_function(body: str, params: str, expected: list[str]) -> None:
    assert _function_codes(body, params) == expected


def test_a_class_body_is_not_switched() -> None:
    # a class body's names are read through the class too (``C.flag = 1`` from outside)
    import libcst as cst

    from dllint.analysis.cfg import switched_tests

    module = cst.parse_module("class C:\n    flag = 0\n    if flag:\n        a = 1\n")
    assert switched_tests(module.body[0]) == {}
    assert switched_tests(module) == {}
