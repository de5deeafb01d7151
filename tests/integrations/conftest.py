"""Shared fixtures of the integration tests: a third-party rule pack installed into a temporary
directory as a real distribution (a package plus its ``.dist-info`` with an entry point), and the
environment that puts it on a subprocess's path."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

TESTPACK_SOURCE = '''\
"""A tiny third-party dllint rule pack, as a user would publish one."""
import libcst as cst

from dllint import Rule
from dllint.hookspecs import hookimpl


class NoPrintInTraining(Rule):
    """print() in a training script (the test pack's only rule)."""

    code = "TP001"
    name = "testpack-print"
    summary = "A print() call, found by the test rule pack."
    severity = "warning"
    url = "https://example.org/testpack/TP001"
    VALID = ["log(x)\\n"]
    INVALID = ["print(x)  # expect: TP001\\n"]

    def check(self, ctx):
        for call in ctx.index.of_type(cst.Call):
            if isinstance(call.func, cst.Name) and call.func.value == "print":
                ctx.report(call, "print() call reported by the test pack")


@hookimpl
def dllint_rules():
    return [NoPrintInTraining]
'''


def install_testpack(site: Path) -> Path:
    """Write ``dllint_testpack`` and its dist-info (entry point group ``dllint``) into ``site``."""
    package = site / "dllint_testpack"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(TESTPACK_SOURCE)
    info = site / "dllint_testpack-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dllint-testpack\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dllint]\ntestpack = dllint_testpack\n")
    (info / "top_level.txt").write_text("dllint_testpack\n")
    return site


def env_with_path(*paths: Path) -> dict[str, str]:
    env = dict(os.environ)
    parts = [str(p) for p in paths] + [str(PROJECT_ROOT)]
    if env.get("PYTHONPATH"):
        parts.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env.pop("PYTHONSTARTUP", None)
    # the tests run ``python -m ...``: the interpreter running the tests, not whichever ``python``
    # comes first on the caller's PATH (outside an activated venv, one without dllint or flake8)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


@pytest.fixture()
def testpack_site(tmp_path: Path) -> Path:
    return install_testpack(tmp_path / "site")


@pytest.fixture()
def python() -> str:
    return sys.executable
