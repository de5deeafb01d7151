"""DL104 across files: a wrapper's ``self.module.forward(x)`` is a module's forward when every
construction of the wrapper in the project (in another module, through a re-exporting package and
the subclasses' ``super().__init__``) passes a module. The fixture project (``wrapper_project.py``)
gives the same findings linted as a directory and one file at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings  # noqa: E402
import wrapper_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return wrapper_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL104", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == wrapper_project.EXPECTED


def test_the_wrapper_module_alone(project, capsys):
    assert _lint(capsys, "--no-cache", "sparse/modules/weights.py") == wrapper_project.EXPECTED


def test_a_construction_with_no_module_silences_it(project, capsys):
    # A new construction that wraps a plain object: the cache sees models.py change.
    assert _lint(capsys, ".") == wrapper_project.EXPECTED
    models = project / "sparse/models.py"
    models.write_text(models.read_text().replace(
        "Tap(Doubler()),", "Tap(Doubler()),\n        SparseWeights(Doubler(), 0.1),"))
    assert _lint(capsys, ".") == set()


def test_a_construction_through_star_arguments_silences_it(project, capsys):
    models = project / "sparse/models.py"
    models.write_text(models.read_text() + "\n\ndef again(*args):\n    return SparseWeights(*args)\n")
    assert _lint(capsys, "--no-cache", ".") == set()
