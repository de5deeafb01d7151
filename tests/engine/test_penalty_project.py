"""DL504 where the squared-L2 penalty is written in another module than the loss it is added to
(``tests/engine/penalty_project.py``): the same findings as a directory and one file at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.project import PROJECT
from dllint.analysis.penalties import returns_l2_penalty

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import penalty_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return penalty_project.write(tmp_path)


def test_as_a_directory(project, capsys):
    assert lint_findings(capsys, "DL504", "--no-cache", ".") == penalty_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL504", penalty_project.FILES) == penalty_project.EXPECTED


def _functions() -> dict[str, cst.FunctionDef]:
    module = cst.parse_module(penalty_project.FILES["regularizers.py"])
    return {f.name.value: f for f in module.body if isinstance(f, cst.FunctionDef)}


@pytest.mark.parametrize("name, expected", [
    ("l2_penalty", True),
    ("l2_of_weights", True),
    ("l1_penalty", False),
    ("weight_norm", False),
    ("grad_norm", False),
])
def test_the_function_summary(name, expected):
    assert returns_l2_penalty(_functions()[name]) is expected
