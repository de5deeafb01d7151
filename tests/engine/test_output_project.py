"""The model-output fact across files: a model class of another module says which activation its
output went through last (DL505) and its rank (DL201). The fixture project (``output_project.py``)
gives the same findings linted as a directory and one file at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings  # noqa: E402
import output_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return output_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL505,DL201", *args)


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == output_project.EXPECTED


def _of(path: str) -> set[tuple[str, int, str]]:
    return {e for e in output_project.EXPECTED if e[0] == path}


def test_the_training_file_alone(project, capsys):
    assert _lint(capsys, "--no-cache", "clslib/train.py") == _of("clslib/train.py")


def test_the_loops_file_alone_finds_its_callers(project, capsys):
    # loops.py never says which models it trains: main.py, which calls it, does.
    assert _lint(capsys, "--no-cache", "clslib/loops.py") == _of("clslib/loops.py")


def test_a_caller_that_passes_logits_silences_the_loop(project, capsys):
    assert _lint(capsys, ".") == output_project.EXPECTED
    main_py = project / "clslib/main.py"
    main_py.write_text(main_py.read_text().replace(
        "classifier = Classifier(16, 4).cuda()", "classifier = Logits(16, 4).cuda()"))
    assert _lint(capsys, ".") == output_project.EXPECTED - {("clslib/loops.py", 10, "DL505")}


def test_a_second_caller_that_disagrees_silences_the_loop(project, capsys):
    main_py = project / "clslib/main.py"
    main_py.write_text(main_py.read_text() + "    loops.fit(encoder, Logits(16, 4), loader)\n")
    assert _lint(capsys, "--no-cache", ".") == output_project.EXPECTED - {("clslib/loops.py", 10, "DL505")}


def test_the_finding_follows_the_model_module(project, capsys):
    # Classifier now returns logits: its findings go (the cache sees the change), the others stay.
    assert _lint(capsys, ".") == output_project.EXPECTED
    models = project / "clslib/models.py"
    models.write_text(models.read_text().replace(
        "return F.softmax(self.fc(x), dim=1)", "return self.fc(x)"))
    # the classifier main.py passes to loops.py is that class too: the cache sees models.py
    assert _lint(capsys, ".") == output_project.EXPECTED - {
        ("clslib/train.py", 11, "DL505"), ("clslib/loops.py", 10, "DL505"),
        ("clslib/loops.py", 26, "DL505")}
