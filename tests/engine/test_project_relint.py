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
import split_callers_project  # noqa: E402


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


def test_a_warm_run_lints_nothing_when_an_empty_module_was_consulted(tmp_path, monkeypatch, capsys):
    # An empty module (an ``__init__.py``) is consulted like any other project file; its digest
    # must be the one the cache computes (the sha256 of no bytes), or every finding that read it
    # is stale for ever and a warm run lints those files again.
    from dllint.cache import file_digest
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    project = split_callers_project.write(tmp_path)
    for package in sorted({p.parent for p in project.rglob("*.py")}):
        (package / "__init__.py").touch()
    rules = "DL401"
    cold = lint_findings(capsys, rules, "--jobs", "1", ".")
    before = _entries(project)
    depends = [d for path in before for d in json.loads(path.read_text())["depends"]]
    assert any(Path(p).stat().st_size == 0 for p, _ in depends)  # an empty module was consulted
    assert all(file_digest(p) == digest for p, digest in depends)
    PROJECT.clear()  # a new run is a new process
    assert lint_findings(capsys, rules, "--jobs", "1", ".") == cold
    assert _entries(project) == before  # nothing linted again
