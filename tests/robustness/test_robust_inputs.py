"""No input ever produces a traceback: odd bytes, odd text, pathological nesting, huge files and a
crashing rule all end in findings (DL001 / DL000) or silence, and the run goes on."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from dllint.diagnostics import Diagnostic
from dllint.engine import lint_bytes, lint_source
from dllint.hookspecs import hookimpl
from dllint.registry import collect_rules, default_registry, make_plugin_manager
from dllint.rule import Rule

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOL_CODES = ("DL000", "DL001")

TRAINING = """\
import torch
import torch.nn.functional as F


def train(model, loader, optimizer, epochs=3):
    model.train()
    running_loss = 0.0
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
    return running_loss
"""


def all_rules() -> list[Rule]:
    """Every registered rule, opt-in ones included."""
    return [cls() for cls in default_registry()]


def lint(data: bytes | str, path: str = "input.py") -> list[Diagnostic]:
    if isinstance(data, str):
        return lint_source(data, path, all_rules(), enabled_tool_codes=TOOL_CODES)
    return lint_bytes(data, path, all_rules(), enabled_tool_codes=TOOL_CODES)


def codes(found: list[Diagnostic]) -> list[str]:
    return [d.code for d in found]


def assert_sane(found: list[Diagnostic]) -> None:
    assert "DL000" not in codes(found), found
    for d in found:
        assert d.line >= 1 and d.column >= 1 and d.end_line >= d.line, d


@pytest.mark.parametrize("data", [
    b"\xff\xfe\x00garbage\x80\x81\n",
    b"x = '\xe9t\xe9'\n",  # Latin-1 bytes without a coding cookie
    b"# -*- coding: no-such-codec -*-\nx = 1\n",
], ids=["binary", "latin1-without-cookie", "unknown-codec"])
def test_undecodable_bytes_give_one_dl001(data: bytes) -> None:
    found = lint(data)
    assert codes(found) == ["DL001"]
    assert found[0].line >= 1


def test_syntax_rewriting_codec_reads_utf8() -> None:
    """``coding: future_fstrings`` names a codec its package registers at run time; the text is
    UTF-8 and is linted (a real training file: chrischoy/FCGF's lib/trainer.py)."""
    source = ("# -*- coding: future_fstrings -*-\nimport torch\n"
              "model.eval()\nfor x, y in loader:\n    out = model(x)\n    print(f'{out}')\n")
    assert codes(lint(source.encode())) == ["DL303"]


def test_declared_encoding_is_honoured() -> None:
    assert lint("# -*- coding: latin-1 -*-\nx = 'été'\n".encode("latin-1")) == []


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + TRAINING.encode(),
    TRAINING.replace("\n", "\r\n").encode(),
    TRAINING.replace("\n", "\r").encode(),
    TRAINING.replace("    ", "\t").encode(),
    TRAINING.replace("\n\n", "\n\x0c\n").encode(),
    b"",
    b"\n\n\n",
    b"# only a comment\n# and another",
    b"\xef\xbb\xbf",
    b'"""only a docstring"""',
    b"x = 1",  # no final newline
    b"\\\n",
], ids=["bom", "crlf", "cr", "tabs", "form-feed", "empty", "blank-lines", "comments", "bom-only",
        "docstring", "no-final-newline", "lone-backslash"])
def test_odd_but_valid_text(data: bytes) -> None:
    found = lint(data)
    assert_sane(found)
    try:
        compile(data, "input.py", "exec")
    except SyntaxError:
        assert codes(found) == ["DL001"]
    else:
        assert "DL001" not in codes(found)


def test_bom_and_crlf_keep_positions() -> None:
    """A finding sits at the same line and column whatever the line ends and the BOM."""
    source = "import torch\n" + "def f(:\n"
    plain = lint(source.encode())
    assert lint(b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode()) == plain


@pytest.mark.parametrize("data", [
    b"x = 1\x00\n",
    b"\x00" * 64,
    b"import torch\nx = torch.zeros(3)\n# \x00 in a comment\n",
], ids=["null-in-code", "only-nulls", "null-in-comment"])
def test_null_bytes(data: bytes) -> None:
    found = lint(data)
    assert codes(found) == ["DL001"]


@pytest.mark.parametrize("source", [
    "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "x = " + "-" * 10000 + "1\n",
    "x = " + "not " * 10000 + "y\n",
    "x = 1" + " + 1" * 10000 + "\n",
    "x = " + "a." * 10000 + "b\n",
    "x = f" + "()" * 10000 + "\n",
    "x = a" + "[0]" * 10000 + "\n",
    "x = " + "lambda: " * 10000 + "1\n",
    "if a:\n    pass\n" + "elif a:\n    pass\n" * 10000,
    "".join(" " * i + "if x:\n" for i in range(150)) + " " * 150 + "pass\n",
], ids=["parens", "lists", "unary", "not", "sum", "attributes", "calls", "subscripts", "lambdas",
        "elif-chain", "indentation"])
def test_pathological_nesting_is_dl001_fast(source: str) -> None:
    """libcst's native parser overflows its stack (a segmentation fault, not an exception) or takes
    quadratic time on such input; the engine lets CPython's parser refuse it first."""
    start = time.perf_counter()
    found = lint(source)
    assert codes(found) == ["DL001"]
    assert "parse" in found[0].message
    assert time.perf_counter() - start < 5


def test_deep_but_valid_nesting() -> None:
    """Nesting CPython accepts is linted normally."""
    source = "import torch\nx = " + "(" * 150 + "torch.zeros(3)" + ")" * 150 + "\n"
    source += "y = 1" + " + 1" * 300 + "\n"
    assert_sane(lint(source))


def generated_file(lines: int) -> str:
    chunk = TRAINING.replace("def train(", "def train_{n}(")
    per = chunk.count("\n") + 1
    return "\n".join(chunk.replace("{n}", str(i)) for i in range(lines // per + 1))


@pytest.mark.slow
def test_fifty_thousand_lines() -> None:
    source = generated_file(50_000)
    assert source.count("\n") >= 50_000
    start = time.process_time()  # CPU time: stable on a busy machine
    found = lint(source)
    elapsed = time.process_time() - start
    assert_sane(found)
    # about 13 s of CPU with every rule (3,500 training functions in one file); a rule that is
    # quadratic in the number of loops or functions of a file took 100 s and more
    assert elapsed < 45, f"{elapsed:.1f}s of CPU for 50,000 lines"


# -- a rule that crashes --------------------------------------------------------------------------

class ExplodingRule(Rule):
    """Crashes on every file that has a function."""

    code = "ZZ901"
    name = "exploding-rule"
    summary = "Crashes, to prove the others still run."

    def check(self, ctx) -> None:
        for func in ctx.index.of_type(cst.FunctionDef):
            ctx.report(func, "this finding is discarded with the crash")
            raise ZeroDivisionError("the rule divided by zero")


class ReportingRule(Rule):
    code = "ZZ902"
    name = "reporting-rule"
    summary = "Reports every function definition."

    def check(self, ctx) -> None:
        for func in ctx.index.of_type(cst.FunctionDef):
            ctx.report(func.name, f"function {func.name.value}")


class CrashPack:
    @hookimpl
    def dllint_rules(self) -> list[type[Rule]]:
        return [ExplodingRule, ReportingRule]


def test_crashing_rule_is_dl000_and_others_still_report() -> None:
    registry = collect_rules(make_plugin_manager(extra_plugins=[CrashPack()]))
    assert "ZZ901" in registry and "DL101" in registry or "ZZ901" in registry
    rules = [cls() for cls in registry]
    source = TRAINING + "\n\ndef evaluate():\n    pass\n"
    found = lint_source(source, "train.py", rules, enabled_tool_codes=TOOL_CODES)
    crashes = [d for d in found if d.code == "DL000"]
    assert len(crashes) == 1
    message = crashes[0].message
    assert "ZZ901" in message and "exploding-rule" in message and "ZeroDivisionError" in message
    assert crashes[0].path == "train.py"
    # the crashing rule's partial findings are dropped; the next rule still ran
    assert [d.line for d in found if d.code == "ZZ902"] == [5, 18]
    assert not [d for d in found if d.code == "ZZ901"]
    # a file the crashing rule has nothing to say about is linted normally
    assert codes(lint_source("x = 1\n", "other.py", rules, enabled_tool_codes=TOOL_CODES)) == []


def test_crashing_rule_is_not_suppressed_by_noqa() -> None:
    registry = collect_rules(make_plugin_manager(extra_plugins=[CrashPack()]))
    rules = [cls() for cls in registry]
    found = lint_source("def f():  # noqa\n    pass\n", "x.py", rules, enabled_tool_codes=TOOL_CODES)
    assert codes(found) == ["DL000"]


# -- through the CLI: one bad file does not stop the others --------------------------------------

def test_cli_goes_on_after_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a_binary.py").write_bytes(b"\xff\xfe\x00\x80\n")
    (tmp_path / "b_deep.py").write_text("x = " + "(" * 5000 + ")" * 5000 + "\n")
    (tmp_path / "c_nulls.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "d_ok.py").write_text(TRAINING)
    (tmp_path / "e_empty.py").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "--format", "json", "--jobs", "2", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    found = {(d["path"], d["code"]) for d in json.loads(proc.stdout)}
    assert found == {("a_binary.py", "DL001"), ("b_deep.py", "DL001"), ("c_nulls.py", "DL001")}


def test_valid_python_libcst_cannot_parse_says_so() -> None:
    """CPython accepts a parenthesised annotated target; libcst 1.x does not. The DL001 says the
    tool is at fault, not the file (two such files in CPython 3.11's own test suite)."""
    found = lint("(pars): bool = True\n")
    assert codes(found) == ["DL001"]
    assert "Python accepts it" in found[0].message and "libcst" in found[0].message


def test_a_tab_among_spaces_that_cpython_accepts_is_linted() -> None:
    """A line indented with a tab and spaces inside a block indented with spaces: CPython reads the
    tab as 8 columns and compiles the file; libcst's tokenizer rejects it. The file is linted as
    CPython reads it: the finding on its line, with no fix (its columns are those of the expanded
    text), and the string literal's own tab is not the linter's to touch."""
    source = (
        "import torch\n"
        "model = torch.nn.Linear(2, 2)\n"
        "def step(x):\n"
        "    if x is not None:\n"
        "\t    doc = '''\n"
        "\tkept'''\n"
        "\t    return model.forward(x)\n"
        "    return None\n"
    )
    compile(source, "input.py", "exec")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(source)
    found = lint(source)
    assert [(d.code, d.line) for d in found] == [("DL104", 7)]
    assert found[0].fix is None
    clean = source.replace("model.forward(x)", "model(x)")
    assert lint(clean) == []


def test_expanding_indentation_tabs_keeps_lines_and_strings() -> None:
    from dllint.source import expand_indentation_tabs

    assert expand_indentation_tabs("x = 1\n") is None
    text = "if x:\n\t  y = '''\n\tz'''\n\t  w = 2\n"
    compile(text, "t.py", "exec")
    assert expand_indentation_tabs(text) == "if x:\n          y = '''\n\tz'''\n          w = 2\n"
