"""Lint the text of one document held in memory, as ``dllint --stdin-filename PATH -`` would.

The language server lints what the editor holds, not what is on disk. The configuration is the one
the CLI finds for that path (the nearest ``[tool.dllint]`` at or above the file), and the text goes
through the CLI's stdin code path (``runner.lint_stdin``), so that the editor shows the findings the
CLI prints. Nothing here imports or runs the linted code.
"""
from __future__ import annotations

import io
import tokenize
from pathlib import Path

from dllint.config import Layer, PerFileIgnores, find_config, load_config, resolve_selection
from dllint.diagnostics import Diagnostic
from dllint.registry import RuleRegistry
from dllint.runner import (
    DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_MEMORY, DEFAULT_TIME_LIMIT, FileResult, RunSettings, _lint_task,
    lint_stdin, resolve_bound,
)
from dllint.workers import Resident

# The name a document without a file gets, as stdin has without --stdin-filename.
UNSAVED = "-"


def _settings(path: Path | None, registry: RuleRegistry, *, fix: bool, unsafe: bool) -> RunSettings:
    """The settings of ``dllint --stdin-filename PATH -`` (no command-line selection).

    Raises ``ConfigError`` for an invalid configuration, as the CLI does."""
    start = path.parent if path is not None else Path.cwd()
    config = load_config(find_config(start), registry)
    enabled = resolve_selection(registry, [Layer(config.select, config.extend_select, config.ignore)])
    return RunSettings(
        enabled=enabled,
        registry=registry,
        per_file_ignores=PerFileIgnores.build(config.per_file_ignores, config.root),
        rule_options=config.rule_options,
        root=config.root,
        fix=fix,
        unsafe=unsafe,
        jobs=1,
        cache=None,
        target_version=config.target_version,
        max_file_size=resolve_bound(None, config.max_file_size, DEFAULT_MAX_FILE_SIZE, int),
        time_limit=resolve_bound(None, config.time_limit, DEFAULT_TIME_LIMIT, float),
        max_memory=resolve_bound(None, config.max_memory, DEFAULT_MAX_MEMORY, int),
    )


def _as_bytes(text: str) -> bytes:
    """The bytes that decode back to ``text``: in the encoding its PEP 263 cookie declares, so that
    the engine's decoding (which honours the cookie) sees the editor's text, else UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data  # the engine reports the bad cookie as DL001, as for the file
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return data  # an unknown codec is reported as DL001; text the codec cannot hold stays UTF-8


# The worker that lints the documents: a crash in the parser, a text that takes too long or too much
# memory costs that one lint (a finding says so), never the server; it keeps the project's parsed
# modules between edits.
_RESIDENT: Resident | None = None


def _resident() -> Resident:
    global _RESIDENT
    if _RESIDENT is None:
        _RESIDENT = Resident(_lint_task)
    return _RESIDENT


def _run(text: str, path: Path | None, registry: RuleRegistry, *, fix: bool,
         unsafe: bool) -> FileResult:
    settings = _settings(path, registry, fix=fix, unsafe=unsafe)
    display = str(path) if path is not None else UNSAVED
    return lint_stdin(_as_bytes(text), display, settings, notebook=False, resident=_resident())


def lint_document(text: str, path: Path | None, registry: RuleRegistry) -> list[Diagnostic]:
    """The findings for ``text`` as the file ``path`` (``None``: a document never saved, configured
    from the current directory). Raises ``ConfigError`` for an invalid configuration."""
    return _run(text, path, registry, fix=False, unsafe=False).diagnostics


def fix_document(text: str, path: Path | None, registry: RuleRegistry, *,
                 unsafe: bool = False) -> str | None:
    """``text`` with every fix applied as ``dllint --fix -`` applies them; ``None`` when nothing
    changes. Raises ``ConfigError`` for an invalid configuration."""
    fixed = _run(text, path, registry, fix=True, unsafe=unsafe).fixed_source
    return fixed if fixed is not None and fixed != text else None
