"""The data-hygiene rules (DL401, DL402) on a multi-file project (``data_project``): the same
findings as a directory, one file at a time, through flake8 and through pre-commit's way of calling
the hook (the entry of ``.pre-commit-hooks.yaml`` with the staged files as arguments; the real
``pre-commit try-repo`` run is in tests/integrations/test_precommit_hooks.py)."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dllint.analysis.project import PROJECT
from dllint.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import data_project  # noqa: E402  (the fixture project's files)
from project_lint import flake8_each_file, lint_each_file  # noqa: E402

RULES = ("DL401", "DL402")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return data_project.write(tmp_path)


def _findings(out: str) -> set[tuple[str, int, str]]:
    return {(Path(d["path"]).as_posix().lstrip("./"), d["line"], d["code"]) for d in json.loads(out)
            if d["code"] in RULES}


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    code = main(["--format", "json", "--select", ",".join(RULES), *args])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return _findings(out)


def _python_files() -> list[str]:
    return [name for name in data_project.FILES if name.endswith(".py")]


def test_as_a_directory(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == data_project.EXPECTED


def test_one_file_at_a_time(project, capsys):
    found = lint_each_file(capsys, ",".join(RULES), data_project.FILES)
    assert {f for f in found if f[2] in RULES} == data_project.EXPECTED


def test_through_flake8(project):
    assert flake8_each_file(project, RULES, data_project.FILES) == data_project.EXPECTED


def test_the_way_pre_commit_calls_the_hook(project):
    """pre-commit runs the hook's entry and args in the repository root, with the staged files as
    arguments, in one process (``require_serial``)."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["dllint"]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "dllint"
    command = [sys.executable, "-m", "dllint", *entry[1:], *hook["args"], "--format", "json",
               *_python_files()]
    proc = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _findings(proc.stdout) == data_project.EXPECTED


def test_a_summary_follows_an_edit_of_the_helper(project, capsys):
    """Asked for "test", the helper now returns the validation set: train.py goes quiet."""
    assert _lint(capsys, ".") == data_project.EXPECTED
    data = project / "src/datalib/data.py"
    text = data.read_text()
    data.write_text(text.replace('ImageFolder("data/test")', 'ImageFolder("data/val")'))
    assert _lint(capsys, ".") == data_project.EXPECTED - {("train.py", 14, "DL402")}
    data.write_text(text)
    assert _lint(capsys, ".") == data_project.EXPECTED


def test_without_the_project_the_names_decide(project):
    """A snippet that is no file has no project view: ``eval_loader`` of an unknown helper is not
    known to be test data, and ``standardize`` is not known to fit."""
    from dllint.testing import lint_snippet
    found = lint_snippet(data_project.FILES["train.py"], list(RULES), path="not-here/train.py")
    assert found == []
    found = lint_snippet(data_project.FILES["prepare.py"], list(RULES), path="not-here/prepare.py")
    assert found == []
