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
