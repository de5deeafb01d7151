"""DL302 where the training step, the switches and the loop live in different modules
(``tests/engine/step_project.py``): the same findings as a directory and one file at a time, and a
cached result follows an edit of the holder class's module."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import step_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return step_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL301,DL302", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == step_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    assert lint_each_file(capsys, "DL301,DL302", step_project.FILES) == step_project.EXPECTED


def test_the_cache_follows_an_edit_of_the_holder(project, capsys):
    assert ("train.py", 19, "DL302") in _lint(capsys, "train.py")
    model = project / "model.py"
    # val_start() now only counts: nothing switches the encoders to eval mode any more
    model.write_text(model.read_text().replace("        self.img_enc.eval()\n        self.txt_enc.eval()\n",
                                               "        self.validations = 1\n"))
    assert _lint(capsys, "train.py") == set()
