"""A one-line edit of a module that other files import lints again only the files whose cached
findings used its summaries (and the edited file), not the whole project; the findings stay those
of a cold run."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT
from dllint.cache import CACHE_DIR_NAME

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings  # noqa: E402
import mode_project  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return mode_project.write(tmp_path)


def _entries(project: Path) -> dict[Path, tuple[int, int]]:
    """Each cache entry and its identity: a rewritten entry is a new file (written beside it,
    then renamed over it), so its inode or mtime changes."""
    found = {}
    for path in (project / CACHE_DIR_NAME).glob("*/??/*.json"):
        info = path.stat()
        found[path] = (info.st_ino, info.st_mtime_ns)
    return found


def test_an_edit_relints_only_the_files_that_used_the_module(project, capsys):
    rules = "DL301,DL302"
    assert lint_findings(capsys, rules, "--jobs", "1", ".") == mode_project.EXPECTED
    before = _entries(project)
    evaluation = project / "src/trainlib/evaluation.py"
    dependents = {path for path in before
                  if str(evaluation) in {d[0] for d in json.loads(path.read_text())["depends"]}}
    python_files = [name for name in mode_project.FILES if name.endswith(".py")]
    assert 2 <= len(dependents) < len(python_files) - 1  # some files use it, not all

    with evaluation.open("a") as handle:
        handle.write("\n_edited = 1\n")
    PROJECT.clear()  # a new run is a new process
    assert lint_findings(capsys, rules, "--jobs", "1", ".") == mode_project.EXPECTED
    after = _entries(project)
    new = set(after) - set(before)
    rewritten = {path for path in before if path in after and after[path] != before[path]}
    assert len(new) == 1  # the edited file under its new content
    assert rewritten == dependents
