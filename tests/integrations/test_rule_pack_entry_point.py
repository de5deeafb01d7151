"""A third-party rule pack, installed as a real distribution with an entry point in the ``dllint``
group, is found by the CLI exactly like the built-in rules: it runs, is selectable, suppressible
with ``# noqa`` and listed by ``dllint rules``."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import env_with_path

SCRIPT = """\
import torch

print("start")
print("quiet")  # noqa: TP001
x = torch.zeros(3)
"""


def dllint(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["python", "-m", "dllint", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def findings(proc: subprocess.CompletedProcess) -> list[tuple[str, int, int]]:
    assert proc.returncode in (0, 1), proc.stderr
    return [(d["code"], d["line"], d["column"]) for d in json.loads(proc.stdout)]


def test_pack_rule_runs_is_selectable_and_suppressible(tmp_path: Path, testpack_site: Path) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    env = env_with_path(testpack_site)
    base = ["--no-cache", "--format", "json"]

    found = findings(dllint([*base, "train.py"], env, tmp_path))
    assert ("TP001", 3, 1) in found  # runs by default (default_enabled), through the entry point
    assert all(line != 4 for _, line, _ in found)  # `# noqa: TP001` hides line 4

    selected = dllint([*base, "--select", "TP", "train.py"], env, tmp_path)
    assert selected.returncode == 1
    assert findings(selected) == [("TP001", 3, 1)]
    assert findings(dllint([*base, "--select", "TP001", "train.py"], env, tmp_path)) == [("TP001", 3, 1)]
    assert findings(dllint([*base, "--ignore", "TP", "train.py"], env, tmp_path)) == [
        f for f in found if f[0] != "TP001"]

    # the pack's rule carries its own page as the finding's url
    data = json.loads(dllint([*base, "--select", "TP", "train.py"], env, tmp_path).stdout)
    assert data[0]["url"] == "https://example.org/testpack/TP001"
    assert data[0]["name"] == "testpack-print"


def test_pack_rule_is_listed(tmp_path: Path, testpack_site: Path) -> None:
    listed = dllint(["rules"], env_with_path(testpack_site), tmp_path)
    assert listed.returncode == 0, listed.stderr
    line = next((l for l in listed.stdout.splitlines() if "TP001" in l), None)
    assert line is not None, listed.stdout
    assert "testpack-print" in line
    # without the pack on the path it is gone: the rule came from the entry point, nothing else
    plain = dllint(["rules"], env_with_path(), tmp_path)
    assert plain.returncode == 0 and "TP001" not in plain.stdout


def test_unknown_code_without_pack_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    proc = dllint(["--no-cache", "--select", "TP001", "train.py"], env_with_path(), tmp_path)
    assert proc.returncode == 2
    assert "TP001" in proc.stderr


def test_pack_rule_url_in_every_format(tmp_path: Path, testpack_site: Path) -> None:
    """The pack's own page, never the built-in catalogue's (a dead link for TP001): json (above),
    sarif's helpUri, `dllint rules --format json`, and `dllint explain` for a rule without a page."""
    (tmp_path / "train.py").write_text(SCRIPT)
    env = env_with_path(testpack_site)
    url = "https://example.org/testpack/TP001"
    sarif = json.loads(dllint(["--no-cache", "--format", "sarif", "--select", "TP", "train.py"], env,
                              tmp_path).stdout)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["TP001"]["helpUri"] == url
    assert rules["TP001"]["help"]["text"].count(url) == 1
    listed = json.loads(dllint(["rules", "--format", "json"], env, tmp_path).stdout)
    by_code = {r["code"]: r for r in listed}
    assert by_code["TP001"]["url"] == url
    assert by_code["DL101"]["url"].endswith("/rules/DL101.md")
    explained = dllint(["explain", "TP001"], env, tmp_path)
    assert explained.returncode == 0 and url in explained.stdout
