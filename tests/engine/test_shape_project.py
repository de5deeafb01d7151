"""DL201 across files: a model class of another module says its output's rank. The fixture project
(``shape_project.py``) gives the same findings linted as a directory, one file at a time (a fresh
process each, as an editor would), with its files named on one command line from the root (what
pre-commit runs), and through the flake8 plugin."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import flake8_each_file, lint_each_file, lint_findings  # noqa: E402
import shape_project  # noqa: E402  (the fixture project's files)

PY_FILES = [name for name in shape_project.FILES if name.endswith(".py")]


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return shape_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL201", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == shape_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL201", PY_FILES) == shape_project.EXPECTED


def test_as_pre_commit_runs_it(project, capsys):
    # pre-commit passes the staged files as arguments, from the repository's root
    assert _lint(capsys, "--no-cache", *PY_FILES) == shape_project.EXPECTED
    assert _lint(capsys, *PY_FILES) == shape_project.EXPECTED  # and with the cache filled
    assert _lint(capsys, *PY_FILES) == shape_project.EXPECTED


def test_through_flake8(project):
    assert flake8_each_file(project, ("DL201",), PY_FILES) == shape_project.EXPECTED


def test_the_finding_follows_the_model_module(project, capsys):
    # The model now returns a vector: the findings against flattened targets go (the cache sees
    # the change), and the one against a column target comes.
    assert _lint(capsys, ".") == shape_project.EXPECTED
    models = project / "src/reglib/models.py"
    models.write_text(models.read_text().replace(
        "        return self.head(self.body(x))\n", "        return self.head(self.body(x)).view(-1)\n"))
    assert _lint(capsys, ".") == {("src/reglib/training.py", 22, "DL201"),
                                  ("fit_rows.py", 13, "DL201")}


def test_the_finding_follows_the_data_set_module(project, capsys):
    # Rows's labels become one-element tensors: its loader's batches are (B, 1) like the model's
    # output, and the finding goes (the cache sees the change in the data module).
    assert _lint(capsys, ".") == shape_project.EXPECTED
    data = project / "src/reglib/data.py"
    data.write_text(data.read_text().replace(
        "), float(self.ys[i])", "), torch.tensor([float(self.ys[i])])"))
    assert _lint(capsys, ".") == shape_project.EXPECTED - {("fit_rows.py", 11, "DL201")}
