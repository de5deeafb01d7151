"""The CLI run every multi-file fixture test makes: lint with some rules, JSON out, and the
findings as (path relative to the project, line, code)."""
from __future__ import annotations

import json
from pathlib import Path

from dllint.cli import main


def lint_findings(capsys, select: str, *args: str) -> set[tuple[str, int, str]]:
    code = main(["--format", "json", "--select", select, *args])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return {(Path(d["path"]).as_posix().lstrip("./"), d["line"], d["code"]) for d in json.loads(out)}


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write a fixture project's files (relative path -> text) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def lint_each_file(capsys, select: str, files, *args: str) -> set[tuple[str, int, str]]:
    """Lint each ``.py`` file of ``files`` (names relative to the working directory) alone, the
    project view cleared before each as a fresh process (an editor, pre-commit) would start: the
    findings of all the runs together."""
    from dllint.analysis.project import PROJECT
    found: set[tuple[str, int, str]] = set()
    for name in files:
        if name.endswith(".py"):
            PROJECT.clear()
            found |= lint_findings(capsys, select, "--no-cache", *args, name)
    return found


def flake8_each_file(root: Path, codes, files, clear: bool = True) -> set[tuple[str, int, str]]:
    """Run the flake8 plugin on each ``.py`` file of ``files`` (relative to ``root``), the project
    view cleared before each unless ``clear`` is false (one flake8 process over them all): the
    findings whose code is one of ``codes``, as (path, line, code)."""
    from dllint.analysis.project import PROJECT
    from dllint.flake8_plugin import Plugin
    found: set[tuple[str, int, str]] = set()
    for name in files:
        if not name.endswith(".py"):
            continue
        if clear:
            PROJECT.clear()
        text = (root / name).read_text()
        for line, _col, message, _ in Plugin(None, text.splitlines(keepends=True), name).run():
            code = message.split()[0]
            if code in codes:
                found.add((name, line, code))
    return found
