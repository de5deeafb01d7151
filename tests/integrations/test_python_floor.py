"""The Python floor that pyproject.toml states is real: on the oldest supported interpreter (3.10,
where tomllib is missing and tomli stands in), dllint installs and lints with its configuration.

Skipped where no such interpreter is installed; CI's machine has one (pyenv)."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _floor() -> tuple[int, int]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", project["requires-python"])
    assert match, project["requires-python"]
    return int(match.group(1)), int(match.group(2))


def _interpreter(version: tuple[int, int]) -> str | None:
    name = f"python{version[0]}.{version[1]}"
    candidates = [shutil.which(name)]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{version[0]}.{version[1]}.*/bin/python"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_oldest_supported_python_installs_and_lints(tmp_path: Path) -> None:
    floor = _floor()
    python = _interpreter(floor)
    if python is None:
        pytest.skip(f"no Python {floor[0]}.{floor[1]} interpreter on this machine")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                              str(PROJECT_ROOT)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.dllint]\nextend-select = ["DL403"]\n')
    (project / "train.py").write_text((PROJECT_ROOT / "examples" / "train_buggy.py").read_text())
    result = subprocess.run([str(venv / "bin" / "dllint"), "--no-cache", "train.py"], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DL101" in result.stdout and "Traceback" not in result.stderr
    (project / "pyproject.toml").write_text('[tool.dllint]\nselect = ["NOPE1"]\n')
    bad = subprocess.run([str(venv / "bin" / "dllint"), "--no-cache", "train.py"], cwd=project,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "NOPE1" in bad.stderr, bad.stdout + bad.stderr
