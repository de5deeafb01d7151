"""``--baseline FILE``: accept today's findings, fail only on new ones.

The file records each finding by the fingerprint of the SARIF report (``reports.sarif.located``):
the rule code, the path relative to the repository root, the whitespace-normalised text of the line
and the occurrence index of that text, never the line number. So a finding whose line moves
(lines added above it, a re-indent) stays accepted, while a second identical finding on another
copy of the line is new. The file is JSON, sorted and stable, so that updating it gives a
reviewable diff: the message and the path are there for the reader, only ``fingerprint`` matches.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from dllint.config import ConfigError
from dllint.diagnostics import Diagnostic
from dllint.reports.sarif import located

VERSION = 1


@dataclass
class Split:
    new: list[Diagnostic]  # not in the baseline: reported
    known: int  # findings the baseline accepts
    gone: int  # baseline entries that no longer occur (fixed since)


def _entries(diagnostics: list[Diagnostic], root: Path) -> list[tuple[Diagnostic, str, str]]:
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    return [(d, uri, print_) for d, (uri, _, print_) in zip(ordered, located(ordered, root))]


def write_baseline(path: Path, diagnostics: list[Diagnostic], root: Path) -> int:
    """Write the baseline of ``diagnostics``; returns how many findings it holds."""
    findings = sorted(
        ({"path": uri, "code": d.code, "fingerprint": print_, "message": d.message}
         for d, uri, print_ in _entries(diagnostics, root)),
        key=lambda e: (e["path"], e["code"], e["fingerprint"]),
    )
    payload = {"dllint-baseline": VERSION, "findings": findings}
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None
    return len(findings)


def read_baseline(path: Path) -> set[str]:
    """The fingerprints a baseline file accepts; a missing or malformed file is a ConfigError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {path} (create it with --update-baseline)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a dllint baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("dllint-baseline") != VERSION:
        raise ConfigError(f"{path}: not a dllint baseline (no \"dllint-baseline\": {VERSION})")
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in findings):
        raise ConfigError(f"{path}: not a dllint baseline (\"findings\" must be a list of objects "
                          "with a \"fingerprint\")")
    return {f["fingerprint"] for f in findings}


def split(diagnostics: list[Diagnostic], accepted: set[str], root: Path) -> Split:
    new: list[Diagnostic] = []
    matched: set[str] = set()
    for d, _, print_ in _entries(diagnostics, root):
        if print_ in accepted:
            matched.add(print_)
        else:
            new.append(d)
    return Split(new=new, known=len(diagnostics) - len(new), gone=len(accepted - matched))
