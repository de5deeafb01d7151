"""DL504 where the penalty is a method of the project's model classes and the runner that adds it
to the loss receives the model as an argument (``tests/engine/penalty_method_project.py``): the
same findings as a directory and one file at a time; none once one model class defines the
method otherwise, or once a store of the key is no penalty."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import penalty_method_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return penalty_method_project.write(tmp_path)


def test_as_a_directory(project, capsys):
    assert lint_findings(capsys, "DL504", "--no-cache", ".") == penalty_method_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL504", penalty_method_project.FILES) == penalty_method_project.EXPECTED


def test_a_model_class_whose_l2_is_no_penalty_silences_the_name(project, capsys):
    deep = project / "models/deep.py"
    deep.write_text(deep.read_text().replace("return sum(p.pow(2).sum() for p in self.parameters())",
                                             "return (self.fc.weight - 1).abs().sum()"))
    # the key's store calls l2 too: neither is known to be a penalty any more
    assert lint_findings(capsys, "DL504", "--no-cache", ".") == set()


def test_a_store_of_the_key_that_is_no_penalty_silences_the_key(project, capsys):
    base = project / "models/base.py"
    base.write_text(base.read_text().replace("out[LOSS] = out[\"prediction\"].mean()",
                                             "out[LOSS_L2] = out[\"prediction\"].abs().mean()"))
    assert lint_findings(capsys, "DL504", "--no-cache", ".") == {("runner.py", 13, "DL504")}
