"""DL401 on a base class that fits what its subclasses in other modules build
(``tests/engine/pipeline_project.py``): the same findings as a directory, one file at a time, and
after an edit of the subclass's module."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import pipeline_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return pipeline_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL401", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == pipeline_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL401", pipeline_project.FILES) == pipeline_project.EXPECTED


def test_the_cache_follows_an_edit_of_the_subclass(project, capsys):
    assert _lint(capsys, "featlib/model.py") == pipeline_project.EXPECTED
    defect = project / "featlib/models/defect.py"
    # the subclass now builds only a category set: nothing of the held-out rows is learned
    defect.write_text("from sklearn.feature_extraction import DictVectorizer\n"
                      "from ..model import BugModel\n\n\n"
                      "class DefectModel(BugModel):\n"
                      "    def __init__(self):\n"
                      "        self.extraction_pipeline = DictVectorizer()\n")
    assert _lint(capsys, "featlib/model.py") == set()
