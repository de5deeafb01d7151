"""Which files to lint: the paths given, directories walked for ``.py`` and ``.ipynb`` files.

Skipped while walking: the default excludes (version control, virtual environments, build output,
caches), the ``exclude``/``extend-exclude`` patterns, and whatever the project's ``.gitignore`` files
ignore. A file named explicitly on the command line is linted even when a default exclude or a
``.gitignore`` would skip it (pre-commit passes staged files by name); only the user's own
``exclude``/``extend-exclude`` patterns still apply to it.

The ``.gitignore`` support is the common subset of git's rules, written here to keep the
dependencies at libcst and pluggy: blank lines and ``#`` comments, globs (``*``, ``?``, ``[...]``,
``**``), ``dir/`` patterns, ``!negation``, patterns anchored by a ``/``, the last match winning, a
deeper ``.gitignore`` beating a shallower one, and no re-inclusion inside an ignored directory.
``.gitignore`` files are read from the linted directories down, and up to the repository root (the
nearest directory holding ``.git``).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from dllint.config import ConfigError, PathPattern, glob_to_regex, relative_posix

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", "env", ".env", ".tox", ".nox", "__pycache__",
    "build", "dist", ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".dllint_cache", ".ipynb_checkpoints", "node_modules", "site-packages", "__pypackages__",
)
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class SourceFile:
    """A file to lint: ``display`` is how reports name it, ``path`` the absolute path."""

    display: str
    path: Path

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"


# -- .gitignore ---------------------------------------------------------------------------------------

@dataclass
class _Rule:
    regex: re.Pattern
    negate: bool
    dir_only: bool


def parse_gitignore(text: str) -> list[_Rule]:
    rules: list[_Rule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        # Trailing spaces are ignored unless escaped.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        if not line:
            continue
        negate = False
        if line.startswith("!"):
            negate = True
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = glob_to_regex(line)
        regex = re.compile(body if anchored else f"(?:.*/)?{body}", re.DOTALL)
        rules.append(_Rule(regex, negate, dir_only))
    return rules


@dataclass
class IgnoreFile:
    base: Path
    rules: list[_Rule]

    def verdict(self, path: Path, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a negation; None: no pattern matches."""
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        result = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(relative):
                result = not rule.negate
        return result


def _load_ignore_file(directory: Path) -> IgnoreFile | None:
    candidate = directory / ".gitignore"
    try:
        text = candidate.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    rules = parse_gitignore(text)
    return IgnoreFile(directory, rules) if rules else None


def _repository_root(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _ancestor_ignores(directory: Path) -> list[IgnoreFile]:
    """The .gitignore files above ``directory`` (exclusive) up to the repository root, outermost first."""
    root = _repository_root(directory)
    if root is None or root == directory:
        return []
    found = []
    for candidate in directory.parents:
        loaded = _load_ignore_file(candidate)
        if loaded:
            found.append(loaded)
        if candidate == root:
            break
    found.reverse()
    return found


def _ignored(stack: Sequence[IgnoreFile], path: Path, is_dir: bool) -> bool:
    for ignore in reversed(stack):  # the deepest .gitignore decides first
        verdict = ignore.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    return False


# -- excludes ---------------------------------------------------------------------------------------

@dataclass
class Excludes:
    """The exclude patterns: defaults (or ``exclude``) plus ``extend-exclude``."""

    patterns: list[PathPattern] = field(default_factory=list)
    user_patterns: list[PathPattern] = field(default_factory=list)  # also apply to explicit files
    use_gitignore: bool = True

    @classmethod
    def build(cls, base: Path, exclude: Sequence[str] | None, extend_exclude: Sequence[str],
              cli_base: Path | None = None, cli_exclude: Sequence[str] | None = None,
              cli_extend_exclude: Sequence[str] = ()) -> "Excludes":
        cli_base = cli_base or base
        if cli_exclude is not None:
            chosen = [PathPattern(p, cli_base) for p in cli_exclude]
            user = list(chosen)
        elif exclude is not None:
            chosen = [PathPattern(p, base) for p in exclude]
            user = list(chosen)
        else:
            chosen = [PathPattern(p, base) for p in DEFAULT_EXCLUDE]
            user = []
        extra = [PathPattern(p, base) for p in extend_exclude]
        extra += [PathPattern(p, cli_base) for p in cli_extend_exclude]
        return cls(chosen + extra, user + extra)

    @staticmethod
    def _match(patterns: Iterable[PathPattern], path: Path, is_dir: bool) -> bool:
        for pattern in patterns:
            relative = relative_posix(path, pattern.base)
            if pattern.matches(relative, is_dir) or pattern.matches(path.name, is_dir) and not pattern.anchored:
                return True
        return False

    def excludes(self, path: Path, is_dir: bool) -> bool:
        return self._match(self.patterns, path, is_dir)

    def excludes_explicit(self, path: Path) -> bool:
        if not self.user_patterns:
            return False
        # An explicitly named file is skipped when it or one of its directories matches.
        for candidate in (path, *path.parents):
            if self._match(self.user_patterns, candidate, candidate is not path):
                return True
        return False


# -- discovery --------------------------------------------------------------------------------------

def _display(argument: str, relative: str) -> str:
    joined = os.path.join(argument, relative) if relative else argument
    return os.path.normpath(joined)


def _walk(argument: str, root: Path, excludes: Excludes, out: list[SourceFile]) -> None:
    stack_base = _ancestor_ignores(root) if excludes.use_gitignore else []

    def visit(directory: Path, relative: str, ignores: list[IgnoreFile]) -> None:
        if excludes.use_gitignore:
            own = _load_ignore_file(directory)
            if own:
                ignores = ignores + [own]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if not (is_dir or is_file):
                continue
            if is_file and not entry.name.endswith(SUFFIXES):
                continue
            if excludes.excludes(path, is_dir):
                continue
            if ignores and _ignored(ignores, path, is_dir):
                continue
            child_relative = f"{relative}/{entry.name}" if relative else entry.name
            if is_dir:
                if entry.is_symlink():
                    continue  # never follow links out of the tree, nor loop
                visit(path, child_relative, ignores)
            else:
                out.append(SourceFile(_display(argument, child_relative), path))

    visit(root, "", stack_base)


def discover(arguments: Sequence[str], excludes: Excludes) -> list[SourceFile]:
    """The files to lint, in a deterministic order, each once.

    Raises ConfigError for a path that does not exist.
    """
    found: list[SourceFile] = []
    for argument in arguments:
        path = Path(argument)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ConfigError(f"no such file or directory: {argument}") from None
        except OSError as exc:
            raise ConfigError(f"cannot access {argument}: {exc.strerror or exc}") from None
        absolute = path.resolve()
        if stat.S_ISDIR(mode):
            _walk(argument, absolute, excludes, found)
        else:
            if excludes.excludes_explicit(absolute):
                continue
            found.append(SourceFile(argument, absolute))
    seen: set[Path] = set()
    unique: list[SourceFile] = []
    for source in found:
        if source.path in seen:
            continue
        seen.add(source.path)
        unique.append(source)
    unique.sort(key=lambda s: s.display)
    return unique
