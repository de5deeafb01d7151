"""Lint many files: cache look-ups, parallel processes, fixes, and a deterministic order.

The main process reads and hashes every file and answers what it can from the cache, so a warm
re-run over an unchanged tree parses nothing and starts no process. The remaining files go to a
pool of ``jobs`` processes (or are linted in-process when there are few of them, or ``jobs`` is 1);
each process makes its rule instances once, from the registry handed to it. Findings come back
sorted by path, cell, line, column and code, whatever the order in which processes finish.
"""
from __future__ import annotations

import difflib
import io
import os
import stat
import sys
import time
import tokenize
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dllint.cache import Cache, entry_key, settings_digest
from dllint.config import PerFileIgnores, apply_ignores, relative_posix
from dllint.diagnostics import Diagnostic, Fix, rule_url
from dllint.files import SourceFile
from dllint.notebook import (NotebookError, NotebookSource, cell_edits, fix_notebook,
                             load_notebook)
from dllint.registry import RuleRegistry, default_registry
from dllint.rule import Rule
from dllint.source import DecodeError, decode_source

if TYPE_CHECKING:
    from dllint.workers import Failure, Resident

# The engine (libcst, every analysis), the fixer and the process pool are imported on first use: a
# warm run answers every file from the cache and needs none of them (most of its time was imports).


def lint_bytes(*args, **kwargs) -> list[Diagnostic]:
    from dllint.engine import lint_bytes as engine_lint_bytes
    return engine_lint_bytes(*args, **kwargs)


def lint_source(*args, **kwargs) -> list[Diagnostic]:
    from dllint.engine import lint_source as engine_lint_source
    return engine_lint_source(*args, **kwargs)


def python_syntax_error(path: str, source: str) -> Diagnostic | None:
    from dllint.engine import python_syntax_error as engine_syntax_error
    return engine_syntax_error(path, source)


def set_target_version(name: str | None) -> None:
    if name is None and "dllint.engine" not in sys.modules:
        return  # an engine not loaded yet starts with this interpreter's grammar
    from dllint import engine
    engine.set_target_version(name)


def fix_source(*args, **kwargs):
    from dllint.fix import fix_source as fixer
    return fixer(*args, **kwargs)


def wanted(diagnostic: Diagnostic, unsafe: bool) -> bool:
    from dllint.fix import wanted as fix_wanted
    return fix_wanted(diagnostic, unsafe)


def fork_available() -> bool:
    from dllint.workers import fork_available as available
    return available()


def run_isolated(*args, **kwargs):
    from dllint.workers import run_isolated as isolated
    return isolated(*args, **kwargs)

PROGRESS_MIN_FILES = 20
# The defaults of the per-file bounds (``max-file-size``, ``time-limit``). The largest file of
# torch 2.13 (common_methods_invocations.py) is 1.4 MB and lints in about a minute; what passes
# these is generated data, not code.
DEFAULT_MAX_FILE_SIZE = 4_000_000
DEFAULT_TIME_LIMIT = 120.0
# Resident memory of the process linting one file. That torch file peaks at 830 MiB; a 2 MB
# list literal took 4.7 GB before this bound. Several workers may each hold this much.
DEFAULT_MAX_MEMORY = 3 * 2 ** 30


def resolve_bound(cli_value, file_value, default, parse):
    """A per-file bound: the command line (parsed with ``parse``), else the configuration file, else
    the default; 0 in either place means no bound (None). The CLI and the language server share it."""
    if cli_value is not None:
        return parse(cli_value)
    if file_value is not None:
        return file_value or None
    return default


@dataclass
class RunSettings:
    enabled: frozenset[str]
    registry: RuleRegistry | None = None  # None: the default registry (also in worker processes)
    fingerprint: str | None = None  # the registry's (None: computed from it); the CLI may know it without loading it
    per_file_ignores: PerFileIgnores = field(default_factory=PerFileIgnores)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    root: Path = field(default_factory=Path.cwd)  # project root: cache keys use paths relative to it
    fix: bool = False  # apply fixes in place
    diff: bool = False  # compute the fixes, show them as a diff, write nothing
    unsafe: bool = False
    jobs: int | None = None
    cache: Cache | None = None
    progress: bool = False
    target_version: str | None = None  # a key of engine.TARGET_VERSIONS; None: this interpreter
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE  # bytes; None: no bound
    time_limit: float | None = DEFAULT_TIME_LIMIT  # seconds per file; None: no bound
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes resident per worker; None: no bound

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


@dataclass
class FileResult:
    display: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: int = 0  # findings fixed (or, with --diff, that would be fixed)
    diff: str = ""
    fixed_source: str | None = None  # the new text (stdin with --fix)
    cached: bool = False
    notebook_fix_skipped: bool = False
    applied: list[Diagnostic] = field(default_factory=list)  # the findings fixed (--show-fixes)


@dataclass
class RunResult:
    files: list[FileResult]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = [d for f in self.files for d in f.diagnostics]
        found.sort(key=Diagnostic.sort_key)
        return found

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.files)

    @property
    def notebook_fix_skipped(self) -> bool:
        return any(f.notebook_fix_skipped for f in self.files)


@dataclass
class _Task:
    display: str
    path: str | None  # None for stdin: nothing is written back
    data: bytes
    codes: tuple[str, ...]
    notebook: bool
    key: str | None
    relative: str
    settings_digest: str


# -- per-process state ------------------------------------------------------------------------------

@dataclass
class _State:
    registry: RuleRegistry | None
    rule_options: dict[str, dict[str, Any]]
    fix: bool
    diff: bool
    unsafe: bool
    cache_root: Path | None
    target_version: str | None = None


_STATE: _State | None = None
_RULES: dict[tuple[str, ...], list[Rule]] = {}


def _init_worker(state: _State) -> None:
    global _STATE
    _STATE = state
    _RULES.clear()
    set_target_version(state.target_version if state is not None else None)


def _registry() -> RuleRegistry:
    assert _STATE is not None
    return _STATE.registry or default_registry()


def _rules_for(codes: tuple[str, ...]) -> list[Rule]:
    rules = _RULES.get(codes)
    if rules is None:
        registry = _registry()
        options = _STATE.rule_options if _STATE else {}
        rules = [registry.by_code[c](options.get(c)) for c in codes
                 if c in registry.by_code and c not in ("DL000", "DL001")]
        _RULES[codes] = rules
    return rules


_TOOL_NAMES = {"DL000": "internal-error", "DL001": "syntax-error", "DL002": "skipped"}


def _tool_finding(display: str, code: str, message: str) -> Diagnostic:
    name = _TOOL_NAMES[code]
    return Diagnostic(path=display, line=1, column=1, end_line=1, end_column=1, code=code, name=name,
                      message=message, severity="error", url=rule_url(code), statement_line=1)


def _lint_notebook(data: bytes, display: str, codes: tuple[str, ...]) -> list[Diagnostic]:
    """Findings of a notebook in cell coordinates; a fix is kept when all its edits lie in one
    cell's Python lines (it is then expressed in that cell's coordinates too)."""
    try:
        text = data.decode("utf-8-sig")
        notebook = load_notebook(text)
    except (UnicodeDecodeError, NotebookError) as exc:
        if "DL001" not in codes:
            return []
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        return [_tool_finding(display, "DL001", f"could not read the notebook: {reason}")]
    if not notebook.python or not notebook.source.strip():
        return []
    found, skipped = _lint_cells(notebook, display, codes)
    out = []
    for diagnostic in found:
        fix = None
        if diagnostic.fix is not None and not skipped:
            mapped = cell_edits(notebook, diagnostic)
            if mapped is not None:
                fix = Fix(diagnostic.fix.applicability, tuple(mapped[1]), diagnostic.fix.message)
        out.append(notebook.map_diagnostic(diagnostic).with_changes(fix=fix))
    return out


def _lint_cells(notebook: NotebookSource, display: str,
                codes: tuple[str, ...]) -> tuple[list[Diagnostic], bool]:
    """Lint a notebook's joined cells. A cell that does not parse gets its DL001 and is set aside
    (its lines blanked, so the others keep their line numbers), and the other cells are linted
    without it: a notebook under work often has one broken cell, and it must not hide the rest.
    Returns the findings and whether a cell was set aside (then no fix is offered: a fix is
    checked against the whole notebook, which does not parse).

    The broken cells are found by parsing each cell on its own with CPython's parser (at its own
    lines, so that the lines an error message cites stay those of the joined module), not by the
    line of the joined parse's error: for "expected an indented block after function definition" CPython reports the
    line after the ``def``'s body, which is the next cell's first line. What only the joined parse
    rejects is then set aside by its error's line, each cell at most once."""
    rules = _rules_for(codes)
    with_parse = tuple(codes) if "DL001" in codes else (*codes, "DL001")
    lines = notebook.source.split("\n")
    found = lint_source(notebook.source, display, rules, enabled_tool_codes=with_parse)
    if not any(d.code == "DL001" for d in found):
        return [d for d in found if d.code != "DL001" or "DL001" in codes], False
    note = " (the other cells were linted without this one)" if len(notebook.cells) > 1 else ""
    broken: list[Diagnostic] = []
    set_aside: set[int] = set()

    def set_cell_aside(cell: tuple[int, int, int], error: Diagnostic) -> None:
        start, number, count = cell
        broken.append(error.with_changes(message=error.message + note))
        set_aside.add(number)
        lines[start - 1:start - 1 + count] = [""] * count

    for cell in notebook.cells:
        start, _, count = cell
        text = "\n".join(lines[start - 1:start - 1 + count])
        # CPython's parser only (what libcst alone rejects is rare: the joined parse below finds
        # it); again at the cell's own lines when it fails, for the lines its message cites.
        if python_syntax_error(display, text) is None:
            continue
        error = python_syntax_error(display, "\n" * (start - 1) + text)
        if error is not None:
            if error.line >= start + max(count, 1):  # an end of file past the cell's last line
                last = start + max(count, 1) - 1
                error = error.with_changes(line=last, end_line=last, statement_line=last, column=1,
                                           end_column=1)
            set_cell_aside(cell, error)
    for _ in range(len(notebook.cells) + 1):
        found = lint_source("\n".join(lines), display, rules, enabled_tool_codes=with_parse)
        errors = [d for d in found if d.code == "DL001"]
        where = notebook.locate(errors[0].line) if errors else None
        if where is None or where[0] in set_aside:
            break
        set_cell_aside(next(c for c in notebook.cells if c[1] == where[0]), errors[0])
    broken.sort(key=lambda d: (d.line, d.column))
    rest = [d for d in found if d.code != "DL001"]
    return ([d for d in broken if "DL001" in codes] + rest), True


def _notebook_task(task: _Task, state: _State) -> FileResult:
    result = FileResult(task.display)
    fixing = state.fix or state.diff
    original = _lint_notebook(task.data, task.display, task.codes)
    if not fixing or not any(wanted(d, state.unsafe) for d in original):
        result.diagnostics = original
        _store(state, task.key, original)
        return result
    rules = _rules_for(task.codes)
    memo: dict[str, list[Diagnostic]] = {}

    def lint(text: str) -> list[Diagnostic]:
        found = memo.get(text)
        if found is None:
            found = lint_source(text, task.display, rules, enabled_tool_codes=task.codes)
            memo[text] = found
        return found

    text = task.data.decode("utf-8") if not task.data.startswith(b"\xef\xbb\xbf") else None
    new_text, applied = fix_notebook(text, lint, unsafe=state.unsafe) if text else (None, [])
    if new_text is None:
        result.diagnostics = original
        result.notebook_fix_skipped = True
        _store(state, task.key, original)
        return result
    result.fixed = len(applied)
    result.applied = applied
    if state.diff:
        result.diagnostics = original
        result.diff = unified_diff(text, new_text, task.display)
        _store(state, task.key, original)
        return result
    new_data = new_text.encode("utf-8")
    result.diagnostics = _lint_notebook(new_data, task.display, task.codes)
    return _write_fixed(state, task, result, new_text, new_data, original)


def _patch_lines(text: str) -> list[str]:
    # Lines as patch(1) and git see them: ended by "\n" only. str.splitlines would also split at
    # "\r", form feeds and Unicode separators, and the patch would not apply.
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff that ``patch`` and ``git apply`` accept: a last line without a newline is
    followed by the ``\\ No newline at end of file`` marker, so the next header starts on its own line."""
    out = []
    for line in difflib.unified_diff(_patch_lines(old), _patch_lines(new), fromfile=name, tofile=name):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _encode_like(original: bytes, text: str) -> bytes:
    """``text`` in the original file's encoding, with its BOM if it had one."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def _lint_python(task: _Task, state: _State) -> FileResult:
    result = FileResult(task.display)
    rules = _rules_for(task.codes)
    if not state.fix and not state.diff:
        result.diagnostics = lint_bytes(task.data, task.display, rules, enabled_tool_codes=task.codes)
        _store(state, task.key, result.diagnostics)
        return result
    try:
        source = decode_source(task.data)
    except DecodeError:
        result.diagnostics = lint_bytes(task.data, task.display, rules, enabled_tool_codes=task.codes)
        return result
    memo: dict[str, list[Diagnostic]] = {}

    def lint(text: str) -> list[Diagnostic]:
        found = memo.get(text)
        if found is None:
            found = lint_source(text, task.display, rules, enabled_tool_codes=task.codes)
            memo[text] = found
        return found

    fixed, applied = fix_source(source, lint, unsafe=state.unsafe)
    result.fixed = len(applied)
    result.applied = applied
    original_findings = lint(source)
    if fixed == source:
        result.diagnostics = original_findings
        _store(state, task.key, original_findings)
        return result
    if state.diff:
        result.diagnostics = original_findings
        name = task.display
        result.diff = unified_diff(source, fixed, name)
        _store(state, task.key, original_findings)
        return result
    result.diagnostics = lint(fixed)
    new_data = _encode_like(task.data, fixed)
    return _write_fixed(state, task, result, fixed, new_data, original_findings)


def _write_fixed(state: _State, task, result, new_text: str, new_data: bytes,
                 original: list[Diagnostic]):
    """Write a fixed file (or hand the text back for stdin) and cache its new findings; a file
    that cannot be written keeps its original findings plus a DL000 saying why."""
    if task.path is None:
        result.fixed_source = new_text
        return result
    try:
        with open(task.path, "wb") as handle:
            handle.write(new_data)
    except OSError as exc:
        result.fixed = 0
        result.diagnostics = original + [_tool_finding(
            task.display, "DL000", f"could not write the fixed file: {exc.strerror or exc}")]
        return result
    _store(state, entry_key(new_data, task.relative, task.settings_digest), result.diagnostics)
    return result


def _store(state: _State, key: str | None, diagnostics: list[Diagnostic]) -> None:
    if key is None or state.cache_root is None:
        return
    from dllint.analysis.project import PROJECT

    # the project modules whose summaries the findings used: a change to one of them is a miss
    Cache(state.cache_root).put(key, diagnostics, PROJECT.consulted_files())


def _lint_task(task: _Task) -> FileResult:
    state = _STATE
    assert state is not None, "worker not initialised"
    from dllint.analysis.project import PROJECT

    PROJECT.begin_file()
    try:
        if task.notebook:
            return _notebook_task(task, state)
        return _lint_python(task, state)
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the run
        if "DL000" not in task.codes:
            return FileResult(task.display)
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        return FileResult(task.display, [_tool_finding(
            task.display, "DL000",
            f"internal error while linting this file: {type(exc).__name__}: {exc}{where}; please report it",
        )])


# -- the run ----------------------------------------------------------------------------------------

class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > PROGRESS_MIN_FILES
        self.done = 0
        self.last = 0.0

    def step(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last >= 0.1 or self.done == self.total:
            self.last = now
            sys.stderr.write(f"\rdllint: {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 40 + "\r")
            sys.stderr.flush()


def _state_of(settings: RunSettings) -> _State:
    cache_root = None
    if settings.cache is not None and settings.cache.enabled:
        cache_root = settings.cache.root.parent
    return _State(settings.registry, settings.rule_options, settings.fix, settings.diff,
                  settings.unsafe, cache_root, settings.target_version)


def _fingerprint(settings: RunSettings) -> str:
    if settings.fingerprint is not None:
        return settings.fingerprint
    return (settings.registry or default_registry()).fingerprint()


def run(files: Sequence[SourceFile], settings: RunSettings) -> RunResult:
    """Lint ``files``; fixes are written when ``settings.fix``."""
    fingerprint = f"{_fingerprint(settings)}|{settings.target_version}"  # a target parses differently
    digests: dict[tuple[tuple[str, ...], bool], str] = {}
    results: list[FileResult] = []
    tasks: list[_Task] = []
    progress = _Progress(len(files), settings.progress)
    cache = settings.cache if settings.cache is not None and settings.cache.enabled else None
    for source in files:
        codes = tuple(sorted(apply_ignores(settings.enabled, settings.per_file_ignores.codes_for(source.path))))
        try:
            data = read_source(source.path, settings.max_file_size)
        except (OSError, Skipped) as exc:
            code = "DL002" if isinstance(exc, Skipped) else "DL001"
            message = f"skipped: {exc}" if isinstance(exc, Skipped) else \
                f"could not read the file: {exc.strerror or exc}"
            found = [_tool_finding(source.display, code, message)] if code in codes else []
            results.append(FileResult(source.display, found))
            progress.step()
            continue
        relative = relative_posix(source.path, settings.root)
        digest_key = (codes, source.is_notebook)
        digest = digests.get(digest_key)
        if digest is None:
            digest = settings_digest(codes, settings.rule_options, source.is_notebook, fingerprint)
            digests[digest_key] = digest
        key = entry_key(data, relative, digest)
        if cache is not None:
            hit = cache.get(key, source.display)
            if hit is not None and not (settings.fixing and any(wanted(d, settings.unsafe) for d in hit)):
                results.append(FileResult(source.display, hit, cached=True))
                progress.step()
                continue
        tasks.append(_Task(source.display, str(source.path), data, codes, source.is_notebook,
                           key if cache is not None else None, relative, digest))
    state = _state_of(settings)
    results.extend(_execute(tasks, state, settings.jobs, progress, settings.time_limit,
                            settings.max_memory))
    progress.close()
    results.sort(key=lambda r: r.display)
    for result in results:
        result.diagnostics.sort(key=Diagnostic.sort_key)
    return RunResult(results)


def _execute(tasks: list[_Task], state: _State, jobs: int | None, progress: _Progress,
             time_limit: float | None = None, max_memory: int | None = None) -> list[FileResult]:
    """Lint ``tasks`` in forked worker processes; a worker that dies, runs past ``time_limit`` or
    grows past ``max_memory`` costs only its own file (a finding says what happened), never the run. Without ``fork`` (not
    a POSIX system) the files are linted here, one at a time, without a time bound."""
    if not tasks:
        return []
    if not fork_available():
        return _in_process(tasks, state, progress)
    jobs = jobs or os.cpu_count() or 1
    # Loaded here once, before the workers fork, rather than in each of them.
    import dllint.engine  # noqa: F401
    if state.registry is None:
        default_registry()
    return run_isolated(tasks, _lint_task, jobs=jobs, time_limit=time_limit,
                        init=lambda: _init_worker(state), failed=_failed, done=progress.step,
                        memory_limit=max_memory)


def _failed(task: _Task, failure: Failure) -> FileResult:
    if failure.kind == "timeout":
        if "DL002" not in task.codes:
            return FileResult(task.display)
        return FileResult(task.display, [_tool_finding(
            task.display, "DL002",
            f"skipped: linting this file took longer than the time limit ({failure.detail}; "
            "raise it with --time-limit or time-limit in [tool.dllint])")])
    if failure.kind == "memory":
        if "DL002" not in task.codes:
            return FileResult(task.display)
        return FileResult(task.display, [_tool_finding(
            task.display, "DL002",
            f"skipped: linting this file needed more memory than max-memory ({failure.detail}; "
            "raise it with --max-memory or max-memory in [tool.dllint])")])
    if "DL000" not in task.codes:
        return FileResult(task.display)
    return FileResult(task.display, [_tool_finding(
        task.display, "DL000",
        f"internal error: the process linting this file died ({failure.detail}), most likely in "
        "the native code of dllint's parser (libcst); the file was not checked; please report it")])


class Skipped(Exception):
    """A file dllint does not read: not a regular file, or over ``max-file-size``."""


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def read_source(path: Path | str, limit: int | None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Anything else raises ``Skipped``
    before a byte is read: a named pipe would block forever, ``/dev/zero`` never ends, and the
    parser's memory grows a thousandfold with the size of its input."""
    # O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
            raise Skipped(f"not a regular file ({kind}); dllint reads only regular files")
        if limit is not None and info.st_size > limit:
            raise Skipped(_too_large(info.st_size, limit))
        chunks = []
        size = 0
        while True:  # up to one byte past the limit: a file may grow after fstat
            chunk = os.read(fd, 1 << 20 if limit is None else min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise Skipped(_too_large(size, limit))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, limit: int) -> str:
    return (f"the file is larger ({size:,} bytes) than max-file-size ({limit:,} bytes; raise it "
            "with --max-file-size or max-file-size in [tool.dllint])")


def _in_process(tasks: Iterable[_Task], state: _State, progress: _Progress) -> list[FileResult]:
    previous = _STATE
    _init_worker(state)
    try:
        out = []
        for task in tasks:
            out.append(_lint_task(task))
            progress.step()
        return out
    finally:
        _init_worker(previous) if previous is not None else _RULES.clear()
        set_target_version(None)  # an in-process run leaves no grammar behind for the next


def lint_stdin(data: bytes, display: str, settings: RunSettings, notebook: bool,
               isolate: bool = True, resident: Resident | None = None) -> FileResult:
    """Lint text read from stdin; with ``fix``, ``fixed_source`` holds the new text. ``resident``:
    lint in that long-lived worker (the language server's: its asyncio loop and threads must not
    fork, and the worker keeps the project's parsed modules between edits). ``isolate`` False
    lints in this process."""
    codes = tuple(sorted(apply_ignores(settings.enabled, settings.per_file_ignores.codes_for(
        (Path.cwd() / display).resolve()))))
    if settings.max_file_size is not None and len(data) > settings.max_file_size:
        found = [_tool_finding(display, "DL002", f"skipped: {_too_large(len(data), settings.max_file_size)}")]
        return FileResult(display, found if "DL002" in codes else [])
    task = _Task(display, None, data, codes, notebook, None, display, "")
    state = _state_of(settings)
    state.cache_root = None
    if resident is not None:
        outcome = resident.call(_init_worker, state, task, time_limit=settings.time_limit,
                                memory_limit=settings.max_memory)
        from dllint.workers import Failure

        return _failed(task, outcome) if isinstance(outcome, Failure) else outcome
    if not isolate:
        return _in_process([task], state, _Progress(1, False))[0]
    return _execute([task], state, 1, _Progress(1, False), settings.time_limit,
                    settings.max_memory)[0]

