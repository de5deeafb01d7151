"""The pre-commit hooks, run by real pre-commit (``pre-commit try-repo``) against a temporary git
repository: a buggy file makes the hook fail and name the finding; a clean file passes.

pre-commit installs the hook repository into its own virtualenv (libcst and pluggy from the package
index), which takes tens of seconds the first time; the store (PRE_COMMIT_HOME) is shared by the
tests of this module so that only the first run pays for it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

GIT_ENV = {
    "GIT_AUTHOR_NAME": "dllint tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
    "GIT_COMMITTER_NAME": "dllint tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def project_files() -> list[str]:
    """The project's files as a clean clone would have them: tracked and not-ignored ones."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT,
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the project is not a git work tree")
    return [line for line in out.splitlines() if (PROJECT_ROOT / line).is_file()]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_ENV)
    env["HOME"] = str(home)  # no user git config, no user pre-commit config
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env.pop("PYTHONPATH", None)
    # ``python -m pre_commit`` must be the interpreter running the tests (see conftest.env_with_path)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict) -> Path:
    """A committed copy of the project's working tree: try-repo needs a commit to install from
    (a fresh clone in CI is exactly that; a work tree without commits is not)."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in project_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)
    git(repo, "init", "-q", "-b", "main", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", "snapshot", env=env)
    return repo


def make_repo(root: Path, files: dict[str, str], env: dict) -> Path:
    root.mkdir()
    git(root, "init", "-q", env=env)
    for name, text in files.items():
        (root / name).write_text(text)
    git(root, "add", "-A", env=env)
    return root


def try_repo(hook_repo: Path, hook: str, repo: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["python", "-m", "pre_commit", "try-repo", str(hook_repo), *([hook] if hook else []),
         "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_manifest_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"dllint", "dllint-fix"}
    assert hooks["dllint"]["entry"] == "dllint"
    assert hooks["dllint-fix"]["entry"] == "dllint --fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["require_serial"] is True
        assert hook["description"]
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest",
                           str(PROJECT_ROOT / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


TRAIN = """\
import torch


def train(model, loader, optimizer):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    return running_loss
"""


def test_hooks_fail_on_buggy_files_and_fix(tmp_path: Path, hook_repo: Path, env: dict) -> None:
    """Both hooks in one run (try-repo without a hook id): ``dllint`` fails and names the findings,
    then ``dllint-fix`` applies DL101's safe fix, which pre-commit reports as a modification."""
    buggy = make_repo(tmp_path / "buggy", {
        "train.py": TRAIN,
        "broken.py": "import torch\n\n\ndef train(model:\n    pass\n",
        "README.md": "not python: never linted\n",
    }, env)
    proc = try_repo(hook_repo, "", buggy, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out, out
    assert "train.py:11:9: DL101" in out, out
    assert "broken.py:4:" in out and "DL001" in out, out
    assert "README.md" not in out
    assert "files were modified by this hook" in out, out
    assert "running_loss += loss.item()" in (buggy / "train.py").read_text()


def test_hooks_pass_on_clean_files(tmp_path: Path, hook_repo: Path, env: dict) -> None:
    clean = make_repo(tmp_path / "clean", {
        "train.py": TRAIN.replace("running_loss += loss", "running_loss += loss.item()"),
    }, env)
    proc = try_repo(hook_repo, "", clean, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("Passed") == 2, proc.stdout


def test_readme_snippet_runs(tmp_path: Path, hook_repo: Path, env: dict) -> None:
    """The README's .pre-commit-config.yaml works as written, with only the repository's address
    pointed at a local copy (the tests have no network): the rev it names exists."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("### pre-commit", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(snippet)
    (entry,) = config["repos"]
    assert [hook["id"] for hook in entry["hooks"]] == ["dllint"]
    entry["repo"] = str(hook_repo)
    buggy = make_repo(tmp_path / "buggy", {"train.py": TRAIN}, env)
    (buggy / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(buggy, "add", "-A", env=env)
    proc = subprocess.run(["python", "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=buggy, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "train.py:11:9: DL101" in out, out


def test_a_multi_file_project_gives_the_directory_findings(tmp_path: Path, hook_repo: Path,
                                                           env: dict) -> None:
    """The data-hygiene fixture project (tests/engine/data_project.py): pre-commit hands the hook
    every staged file; the findings that need another module's summary are the ones the project
    gives when linted as a directory."""
    import sys
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "engine"))
    import data_project

    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", env=env)
    data_project.write(repo)
    git(repo, "add", "-A", env=env)
    proc = try_repo(hook_repo, "dllint", repo, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    found = set()
    for line in out.splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[3].strip().split(" ")[0] in ("DL401", "DL402"):
            found.add((parts[0], int(parts[1]), parts[3].strip().split(" ")[0]))
    assert found == data_project.EXPECTED, out
