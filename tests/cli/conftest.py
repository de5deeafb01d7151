"""Fixtures of the CLI tests: ``project`` (a temporary current directory) and ``cli``, which runs
``dllint.cli.main`` in-process with the test rule pack of ``cli_helpers``."""
from __future__ import annotations

import io
import os
import sys

import pytest

from cli_helpers import TEST_REGISTRY, Result


@pytest.fixture
def registry():
    return TEST_REGISTRY


@pytest.fixture(autouse=True)
def _no_colour_from_the_environment(monkeypatch):
    """The tests see the output a pipe gets, whatever the shell that runs them sets."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temporary project directory, made the current directory; the developer's global git
    excludes file stays out (dllint reads it inside a repository)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".no-xdg-config"))
    return tmp_path


@pytest.fixture
def cli(project, capsys, monkeypatch):
    from dllint.cli import main

    def run(*args: str, stdin: bytes | None = None, registry=TEST_REGISTRY) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(args), registry=registry)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
