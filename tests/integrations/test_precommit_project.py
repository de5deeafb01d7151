"""The DL101 fixture project (tests/engine/graph_project.py) through real pre-commit: the hook gets
the staged files (all of them, then one alone, as a commit touching one file does) and must give
the findings that the directory, file-by-file and flake8 runs give (tests/engine/test_graph_project.py).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_precommit_hooks import env, git, hook_repo  # noqa: F401  (module-scoped fixtures)

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
import grad_callers_project  # noqa: E402
import graph_project  # noqa: E402
import split_callers_project  # noqa: E402

pytestmark = pytest.mark.slow

FINDING = re.compile(r"^(?P<path>[\w./-]+\.py):(?P<line>\d+):\d+: (?P<code>DL\d{3})\b", re.M)


def _run(hook_repo: Path, repo: Path, env: dict, *files: str, code: str = "DL101") -> set[tuple[str, int, str]]:
    selection = ["--files", *files] if files else ["--all-files"]
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "dllint", *selection, "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    found = {(m["path"], int(m["line"]), m["code"]) for m in FINDING.finditer(out)}
    assert proc.returncode == (1 if found else 0), out
    return {f for f in found if f[2] == code}


def test_precommit_gives_the_projects_findings(tmp_path: Path, hook_repo: Path, env: dict) -> None:  # noqa: F811
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", env=env)
    graph_project.write(repo)
    git(repo, "add", "-A", env=env)
    assert _run(hook_repo, repo, env) == graph_project.EXPECTED
    # a commit that touches only the training script: the helpers' summaries still count
    assert _run(hook_repo, repo, env, "train.py") == {f for f in graph_project.EXPECTED if f[0] == "train.py"}


@pytest.mark.parametrize("fixture, code, helper", [
    (grad_callers_project, "DL102", "decoding.py"),
    (split_callers_project, "DL401", "preprocessing/prep.py"),
])
def test_precommit_sees_the_callers_in_other_modules(tmp_path: Path, hook_repo: Path, env: dict,  # noqa: F811
                                                    fixture, code: str, helper: str) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", env=env)
    fixture.write(repo)
    git(repo, "add", "-A", env=env)
    assert _run(hook_repo, repo, env, code=code) == fixture.EXPECTED
    # a commit that touches only the helper's module: its callers elsewhere still count
    assert _run(hook_repo, repo, env, helper, code=code) == {f for f in fixture.EXPECTED if f[0] == helper}
