"""Speed cuts that must not change a finding (issue 13's speed target): libcst's node classes
answer isinstance() in C (dllint/index.py), and a helper's callers that split what it fitted
(DL401, ``ProjectCallers.sites_where``) are looked for only in modules whose imports may resolve a
call to the helper (CPython's parser tells; the others are not parsed with libcst)."""
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


def test_sites_where_parses_only_modules_that_may_call_the_helper(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, FILES)
    PROJECT.clear()
    log = tmp_path / "parsed.txt"  # the lint may run in a child process: it writes here
    original = project._parse

    def recorded(path):
        with log.open("a") as handle:
            handle.write(path.name + "\n")
        return original(path)

    monkeypatch.setattr(project, "_parse", recorded)
    found = lint_findings(capsys, "DL401", "--no-cache", "--jobs", "1", "prep.py")
    assert found == {("prep.py", 5, "DL401")}
    parsed = set(log.read_text().split()) if log.exists() else set()
    assert "other.py" not in parsed  # the gate: never parsed with libcst
    assert {"caller.py", "starred.py"} <= parsed
    PROJECT.clear()
    everything = lint_findings(capsys, "DL401", "--no-cache", ".")
    assert everything == {("prep.py", 5, "DL401"), ("caller.py", 10, "DL401")}
