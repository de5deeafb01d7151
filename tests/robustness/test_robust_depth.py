"""Deep expressions: linted without a RecursionError up to the nesting dllint follows, skipped
(DL002, naming the bound) beyond it, and never handed to libcst's native parser when it would
overflow its stack."""
from __future__ import annotations

import re
import sys

import pytest

from dllint.engine import MAX_NESTING, lint_source
from dllint.registry import default_registry

RULES = [rule() for rule in default_registry() if rule.code not in ("DL000", "DL001", "DL002")]


def lint(source: str):
    return lint_source(source, "deep.py", RULES)


@pytest.mark.parametrize("source", [
    "import torch\ny = " + " + ".join(["x"] * 1000) + "\n",
    "import torch\ndef f(x):\n    return " + " * ".join(["x"] * 1000) + "\n",
    "import torch\ny = x" + "[0]" * 1000 + "\n",
    "import torch\ny = " + " if c else ".join(["x"] * 1000) + "\n",
    "import torch\ny = " + " or ".join(["x"] * 1400) + "\n",
    "import torch\ny = " + "-" * 1000 + "x\n",
], ids=["sum", "product-in-function", "subscripts", "conditional", "or-chain", "unary"])
def test_deep_expressions_lint_without_an_internal_error(source):
    limit = sys.getrecursionlimit()
    found = lint(source)
    assert [d for d in found if d.code in ("DL000", "DL001", "DL002")] == []
    assert sys.getrecursionlimit() == limit  # restored for the caller


@pytest.mark.parametrize("operator", ["or", "and"])
def test_boolean_chains_past_the_bound_are_skipped_before_libcst_parses(operator, monkeypatch):
    import dllint.engine

    def never(source):
        raise AssertionError("libcst must not parse this file: its native parser would crash")

    monkeypatch.setattr(dllint.engine, "parse", never)
    source = "import torch\nx = 1\ny = " + f" {operator} ".join(["a"] * 9000) + "\n"
    [finding] = lint(source)
    assert finding.code == "DL002" and finding.line == 3
    assert re.fullmatch(r"skipped: an expression on line 3 is nested 9,00\d levels deep; dllint "
                        rf"follows at most {MAX_NESTING:,} \(split the expression\)", finding.message)


def test_dl201_still_reports_inside_a_long_sum():
    source = ("import torch\nx = torch.zeros(8)\ny = torch.zeros(8, 1)\n"
              "z = " + " + ".join(["x"] * 500) + " + y\n")
    assert [d.code for d in lint(source) if d.code.startswith("DL")] == ["DL201"]
