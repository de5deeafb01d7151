"""Speed cuts that must not change a finding (issue 13's speed target): libcst's node classes
answer isinstance() in C (dllint/index.py), and a helper's callers that split what it fitted
(DL401, ``ProjectCallers.sites_where``) are looked for only in modules whose imports may resolve a
call to the helper (CPython's parser tells; the others are not parsed with libcst). An imported
penalty is looked up only for a call that may be a term of a sum (DL504); a question whose answer
is "is there any call elsewhere" stops at the first module that has one; the text outlines'
patterns start with a literal newline (searched as a string) and find what ``^`` found; the bytes
of the files ``mentions`` reads are kept until a file changes."""
from __future__ import annotations

import sys
from abc import ABCMeta
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis import project
from dllint.analysis.project import PROJECT
from dllint.index import _PlainChecks

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402


def _node_classes() -> list[type]:
    seen: list[type] = []
    todo: list[type] = [cst.CSTNode]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


def test_node_classes_answer_isinstance_in_c_with_abcmeta_answers():
    classes = _node_classes()
    assert all(type(c) is _PlainChecks for c in classes)
    samples = [cst.Name("x"), cst.Attribute(cst.Name("a"), cst.Name("b")), cst.Integer("1"),
               cst.Call(cst.Name("f")), cst.Pass(), cst.Module([])]
    for cls in classes:
        for node in samples:
            # ABCMeta's own answer (the registry is empty) against the one isinstance gives now
            assert isinstance(node, cls) == ABCMeta.__instancecheck__(cls, node), (cls, node)
        assert issubclass(cls, cst.CSTNode)
    assert not isinstance(3, cst.BaseExpression) and not issubclass(int, cst.BaseExpression)


def test_registering_a_virtual_node_subclass_is_refused():
    with pytest.raises(TypeError):
        cst.BaseExpression.register(int)
    assert not isinstance(3, cst.BaseExpression)


FILES = {
    "setup.py": "",
    "prep.py": '''from sklearn.preprocessing import StandardScaler


def scale(part):
    return StandardScaler().fit_transform(part)
''',
    # names ``scale`` and a split, and calls a ``scale`` of its own: no call of prep.scale
    "other.py": '''from sklearn.model_selection import train_test_split


def scale(frame):
    return frame / 2


def run(frame, y):
    frame = scale(frame)
    return train_test_split(frame, y)
''',
    # calls prep.scale under another name, then splits: DL401 at this call and at the fit
    "caller.py": '''import pandas as pd
from sklearn.model_selection import train_test_split

from prep import scale as rescale


def tune(path):
    data = pd.read_csv(path)
    y = data.pop("label")
    data = rescale(data)
    return train_test_split(data, y)
''',
    # a star import may give the bare name: parsed (a site; split in the same expression)
    "starred.py": '''from sklearn.model_selection import train_test_split
from prep import *


def go(frame, y):
    return train_test_split(scale(frame), y)
''',
}


def _recording_parses(tmp_path, monkeypatch) -> Path:
    """Record the name of each project module parsed with libcst (in a file: the lint may run
    in a child process)."""
    log = tmp_path / "parsed.txt"
    original = project._parse

    def recorded(path, read):
        with log.open("a") as handle:
            handle.write(path.name + "\n")
        return original(path, read)

    monkeypatch.setattr(project, "_parse", recorded)
    return log


def _parsed(log: Path) -> set[str]:
    return set(log.read_text().split()) if log.exists() else set()


def test_sites_where_parses_only_modules_that_may_call_the_helper(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, FILES)
    PROJECT.clear()
    log = _recording_parses(tmp_path, monkeypatch)
    found = lint_findings(capsys, "DL401", "--no-cache", "--jobs", "1", "prep.py")
    assert found == {("prep.py", 5, "DL401")}
    parsed = _parsed(log)
    assert "other.py" not in parsed  # the gate: never parsed with libcst
    assert {"caller.py", "starred.py"} <= parsed
    PROJECT.clear()
    everything = lint_findings(capsys, "DL401", "--no-cache", ".")
    assert everything == {("prep.py", 5, "DL401"), ("caller.py", 10, "DL401")}


PENALTY_FILES = {
    "setup.py": "",
    "reg.py": '''import random


def l2(model):
    return sum(p.pow(2).sum() for p in model.parameters())


def seed(n):
    random.seed(n)
''',
}
PENALTY_TRAIN = '''import torch
from reg import l2, seed


def train(model, loader, crit):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)
    seed(0)
    for x, y in loader:
        loss = crit(model(x), y){term}
        opt.zero_grad()
        loss.backward()
        opt.step()
'''


@pytest.mark.parametrize(("term", "expected"), [
    (" + 1e-4 * l2(model)", {("train.py", 9, "DL504")}),
    ("", set()),
])
def test_an_imported_penalty_is_looked_up_only_for_a_term_of_a_sum(tmp_path, monkeypatch, capsys, term,
                                                                    expected):
    """DL504 asks another module whether a function returns a squared-L2 penalty only for a call
    that its own statement may add to a sum: ``seed(0)``, a statement alone, does not parse
    ``reg.py``; ``l2(model)`` in the loss still does, and is found."""
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, {**PENALTY_FILES, "train.py": PENALTY_TRAIN.format(term=term)})
    PROJECT.clear()
    log = _recording_parses(tmp_path, monkeypatch)
    assert lint_findings(capsys, "DL504", "--no-cache", "--jobs", "1", "train.py") == expected
    assert ("reg.py" in _parsed(log)) == bool(term)


CALLER_FILES = {
    "setup.py": "",
    "meter.py": "class Meter:\n    def update(self, value):\n        self.value = value\n",
    "a_user.py": "def log(meter, x):\n    meter.update(x)\n",
    "b_user.py": "def log_twice(meter, x):\n    meter.update(x)\n    meter.update(x)\n",
    "c_other.py": "def f(x):\n    return x.update\n",  # names it, calls no ``.update``
}


def test_find_callers_first_stops_at_the_first_module_with_a_call(tmp_path, monkeypatch):
    """A caller that asks only whether a method is called elsewhere (``Modes`` giving up on a
    parameter's class, ``Parameters`` on a class constructed elsewhere) gets the calls of the first
    module that has some; the modules after it are not parsed. Without ``first``, all of them."""
    write_files(tmp_path, CALLER_FILES)
    PROJECT.clear()
    log = _recording_parses(tmp_path, monkeypatch)
    meter = PROJECT.context(tmp_path / "meter.py")
    found = project.find_callers(meter, "update", True, first=True)
    assert sorted({Path(c.path).name for c, _call in found}) == ["a_user.py"]
    assert _parsed(log) == {"meter.py", "a_user.py"}
    everything = project.find_callers(meter, "update", True)
    assert sorted(Path(c.path).name for c, _call in everything) == ["a_user.py", "b_user.py", "b_user.py"]
    assert _parsed(log) == {"meter.py", "a_user.py", "b_user.py"}
    assert project.find_callers(meter, "reset", True, first=True) == []


# The text outlines' patterns as they were written first (``^`` under re.MULTILINE, on the text
# itself): the patterns now read "\n" + text, and must find the same.
_MULTILINE = {
    "_TOP_CLASS": r"^class[ \t]+(\w+)",
    "_TOP_DEF": r"^(?:async[ \t]+)?def[ \t]+(\w+)",
    "_TOP_CLASS_BASES": r"^class[ \t]+(\w+)[ \t]*(?:\(([^()]*)\))?[ \t]*:",
    "_TOP_FROM_IMPORT": r"^from[ \t]+[.\w]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)",
    "_TOP_BINDING": r"^(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)|(\w+)[ \t]*(?::[^=\n]*)?=[^=])",
}
_TEXTS = [
    "",
    "class A: pass",
    "x=\ny = 1\n",  # an assignment's ``=`` at the end of a line, then one on the next line
    "x=",
    "a: int=\nb=2\nc == 3\nd =\\\n 4\n",
    "class A(\n    B, C):\n    pass\nclass D(E): x = 1\n\nasync def f(): pass\ndef g(): pass\n",
    "from .m import (a,\n    b as c)\nfrom m import d; e = 1\nfrom . import f\na = 2\n",
    "'''\nclass Hidden(Base):\n'''\n  class Indented: pass\n\tdef tabbed(): pass\n",
    "import os\r\nclass Windows(object):\r\n    pass\r\n",
]


@pytest.mark.parametrize("name", sorted(_MULTILINE))
def test_the_text_outlines_find_what_the_multiline_patterns_found(name):
    import re

    pattern = getattr(project, name)
    written = re.compile(_MULTILINE[name], re.MULTILINE)
    texts = _TEXTS + [p.read_text() for p in sorted((Path(__file__).parents[2] / "dllint").rglob("*.py"))]
    for text in texts:
        assert pattern.findall("\n" + text) == written.findall(text), (name, text[:80])


def test_mentions_reads_a_file_again_when_it_changes(tmp_path):
    """``ProjectView.mentions`` keeps a file's bytes between calls, and reads it again once its
    size or modification time changes; the file counts as consulted with the sha256 of its bytes."""
    import hashlib
    import os

    path = tmp_path / "m.py"
    path.write_text("def f():\n    pass\n")
    PROJECT.clear()
    PROJECT.begin_file()
    assert PROJECT.mentions(path, "def f") and not PROJECT.mentions(path, "evaluate")
    assert PROJECT.consulted_files() == [(str(path), hashlib.sha256(path.read_bytes()).hexdigest())]
    path.write_text("def f():\n    evaluate()\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    PROJECT.begin_file()
    assert PROJECT.mentions(path, "evaluate")
    assert PROJECT.consulted_files() == [(str(path), hashlib.sha256(path.read_bytes()).hexdigest())]
    path.unlink()
    assert not PROJECT.mentions(path, "evaluate")
    PROJECT.clear()


def test_a_function_that_returns_no_module_is_judged_without_its_modules_mode_analysis(tmp_path):
    """``Modes.external_factory`` asks another module whether the called function returns a
    module with that module's ``ModuleReturns`` (Models and Regions); its whole ``Modes`` is
    computed only for a function that does, whose run is then followed."""
    from dllint.analysis.imports import dotted_name
    from dllint.analysis.modes import ModuleReturns, Modes

    write_files(tmp_path, {
        "setup.py": "",
        "helpers.py": "import torch.nn as nn\n\n\ndef make(n):\n    return nn.Sequential(nn.Linear(n, n), nn.Dropout(0.5))\n\n\n"
                      "def count(x):\n    return x + 1\n",
        "train.py": "from helpers import make, count\n\nnet = make(4)\nnet.eval()\nout = net(x)\nc = count(x)\n",
    })
    PROJECT.clear()
    ctx = PROJECT.context(tmp_path / "train.py")
    modes = ctx.analysis(Modes)
    calls = {dotted_name(c.func): c for c in ctx.index.of_type(cst.Call)}
    other = PROJECT.context(tmp_path / "helpers.py")
    assert modes.external_factory(calls["count"]) is None
    assert ModuleReturns in other._analyses and Modes not in other._analyses
    found = modes.external_factory(calls["make"])
    assert found is not None and found[0].name.value == "make"
    assert Modes in other._analyses
    PROJECT.clear()
