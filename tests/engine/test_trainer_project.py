"""DL302 through trainer classes of several modules (``tests/engine/trainer_project.py``): a base's
template method calling the subclass's overrides, ``torch`` through a star import, the forward
pass in the model's ``compute_loss()``. The same findings as a directory and one file at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import trainer_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return trainer_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL301,DL302", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == trainer_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL301,DL302", trainer_project.FILES) == trainer_project.EXPECTED


def test_a_base_that_switches_back_silences_it(project, capsys):
    base = project / "baseline" / "train.py"
    base.write_text(base.read_text().replace("        metrics = self._train(ts)\n",
                                             "        self.model.train()\n        metrics = self._train(ts)\n"))
    assert _lint(capsys, "--no-cache", ".") == set()


def test_without_the_star_import_torch_is_not_seen(project, capsys):
    # the same file with its star import of the helper module gone: no ``torch`` name, no analysis
    tagger = project / "baseline" / "tagger.py"
    tagger.write_text(tagger.read_text().replace("from baseline.torchy import *\n", ""))
    assert _lint(capsys, "--no-cache", ".") == set()
