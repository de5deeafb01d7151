"""DL301 on models built by functions of another module (``tests/engine/factory_project.py``): a
call of a function that returns a module carries the modes (and the mode dependence) of what it
returns, and a pass whose output is read out of the graph where nothing trains is an evaluation."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import factory_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return factory_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL301", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == factory_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL301", factory_project.FILES) == factory_project.EXPECTED


def test_a_factory_that_adds_dropout_makes_the_probe_mode_dependent(project, capsys):
    models = project / "models.py"
    models.write_text(models.read_text().replace("    probe = nn.Linear(n_in, 1)\n",
                                                 "    probe = nn.Sequential(nn.Dropout(0.5), nn.Linear(n_in, 1))\n"))
    assert ("probes.py", 13, "DL301") in _lint(capsys, "--no-cache", "probes.py")


def test_without_the_read_out_the_pass_is_not_an_evaluation(project, capsys):
    analyzer = project / "analyzer.py"
    analyzer.write_text(analyzer.read_text().replace("part.detach().numpy()", "part"))
    assert _lint(capsys, "--no-cache", "analyzer.py") == set()


def test_a_shape_test_that_prints_the_values_measures(project, capsys):
    """(issue 13, fourth audit AK) the sizes test is silent only while nothing but the structure of
    the output is read: printing the values themselves makes it an evaluation."""
    tests = project / "test_truncated.py"
    tests.write_text(tests.read_text().replace("print(name, value.size())", "print(name, value)"))
    assert ("test_truncated.py", 9, "DL301") in _lint(capsys, "--no-cache", "test_truncated.py")


def test_without_the_comparison_the_accuracy_test_is_a_shape_test(project, capsys):
    """The accuracy test is reported for comparing the argmax to the labels: without that line it
    reads only the output's shape, and is silent like the sizes test."""
    tests = project / "test_truncated.py"
    tests.write_text(tests.read_text().replace(
        "    assert (output.argmax(1) == labels).float().mean() > 0.5\n", ""))
    assert _lint(capsys, "--no-cache", "test_truncated.py") == set()
