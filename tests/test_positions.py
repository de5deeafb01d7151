"""Positions come from laying out only the top-level statement that holds a node; they must equal
what libcst's whole-module PositionProvider gives, on every layout that shifts lines."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.context import FileContext

LAYOUTS = {
    "plain": "import torch\nx = torch.ones(2)\ny = f(x)\n",
    "semicolons": "import torch; a = f(1); b = g(2)\nc = h(3)\n",
    "decorators": "import torch\n\n# comment\n@dec(1)\n# between\n@dec2\ndef f(x):\n    return g(x)\n\n\nclass A:\n    @staticmethod\n    def m():\n        return h(1)\n",
    "crlf": "import torch\r\nx = f(1)\r\nif x:\r\n    y = g(x)\r\n",
    "tabs": "import torch\nif True:\n\tz = f(1)\n\tw = g(\n\t\t2)\n",
    "multiline": "import torch\nx = f(\n    a,\n    b,\n)\ny = [g(i)\n     for i in x]\n",
    "docstring_and_blank_lines": '"""doc\nstring"""\n\n\n\nimport torch\n\n\nx = f(1)\n',
    "no_final_newline": "import torch\nx = f(1)",
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_statement_positions_equal_whole_module_positions(name):
    source = LAYOUTS[name]
    ctx = FileContext("t.py", source, cst.parse_module(source))
    whole = ctx._whole_module_positions()
    nodes = ctx.index.of_type(cst.Call, cst.Name, cst.FunctionDef, cst.SimpleStatementLine)
    assert nodes
    for node in nodes:
        assert ctx.position(node) == whole[node], (name, ctx.code_for(node))


def test_falls_back_when_cpython_cannot_parse_what_libcst_can():
    # libcst accepts some code CPython rejects (here: `print` as a Python 2 statement is rejected
    # by both, so use a construct only the fallback can handle: a module CPython refuses).
    source = "import torch\nx = f(1)\n"
    ctx = FileContext("t.py", source, cst.parse_module(source))
    ctx.source = "this is not python ("  # ast disagrees: the whole-module provider is used
    call = ctx.index.of_type(cst.Call)[0]
    assert ctx.position(call).start.line == 2


def test_noqa_silences_a_parse_error_on_its_line_and_file_wide():
    from dllint.testing import lint_snippet

    assert [d.code for d in lint_snippet("x = (1,\ny = 2\n", ["DL001"])] == ["DL001"]
    assert lint_snippet("import torch\nx = = 1  # noqa: DL001\n", ["DL001"]) == []
    assert lint_snippet("# dllint: noqa\nx = = 1\n", ["DL001"]) == []
    assert [d.code for d in lint_snippet("x = = 1  # noqa: DL101\n", ["DL001"])] == ["DL001"]
