"""Which files to lint: the paths given, directories walked for ``.py`` and ``.ipynb`` files.

Skipped while walking: the default excludes (version control, virtual environments, build output,
caches), the ``exclude``/``extend-exclude`` patterns, and whatever the project's ``.gitignore`` files
ignore. A file named explicitly on the command line is linted even when a default exclude or a
``.gitignore`` would skip it (pre-commit passes staged files by name); only the user's own
``exclude``/``extend-exclude`` patterns still apply to it.

What git ignores is read from git's files (``dllint.gitignore``: the ``.gitignore`` files from
the linted directories down and up to the repository root, ``.git/info/exclude`` and the global
excludes file) and matched by ``pathspec``, as the exclude patterns are (``dllint.globs``). An
ignored directory is not entered, so nothing inside it can be re-included, as in git.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from dllint.config import ConfigError, PathPattern, relative_posix
from dllint.gitignore import IgnoreFile, RepositoryIgnores, ignored, load_ignore_file

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
            chosen = [PathPattern(p, cli_base, "--exclude") for p in cli_exclude]
            user = list(chosen)
        elif exclude is not None:
            chosen = [PathPattern(p, base) for p in exclude]
            user = list(chosen)
        else:
            chosen = [PathPattern(p, base) for p in DEFAULT_EXCLUDE]
            user = []
        extra = [PathPattern(p, base) for p in extend_exclude]
        extra += [PathPattern(p, cli_base, "--extend-exclude") for p in cli_extend_exclude]
        return cls(chosen + extra, user + extra)

    @staticmethod
    def _match(patterns: Iterable[PathPattern], path: Path, is_dir: bool) -> bool:
        for pattern in patterns:
            if pattern.matches(relative_posix(path, pattern.base), is_dir):
                return True
        return False

    def excludes(self, path: Path, is_dir: bool) -> bool:
        """For the walk: whether a pattern matches the entry itself (see ``matched_itself``)."""
        relative: dict[Path, str] = {}  # the patterns mostly share one base
        for pattern in self.patterns:
            text = relative.get(pattern.base)
            if text is None:
                text = relative[pattern.base] = relative_posix(path, pattern.base)
            if pattern.matches_entry(text, is_dir):
                return True
        return False

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
    repository = RepositoryIgnores.for_directory(root) if excludes.use_gitignore else RepositoryIgnores(None)
    stack_base = repository.ancestors(root)

    def visit(directory: Path, relative: str, ignores: list[IgnoreFile]) -> None:
        if excludes.use_gitignore:
            own = load_ignore_file(directory / ".gitignore", directory)
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
            if (ignores or repository.files) and ignored(ignores, repository, path, is_dir):
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
        except OSError as exc:  # a symlink loop is ELOOP here
            raise ConfigError(f"cannot access {argument}: {exc.strerror or exc}") from None
        try:
            absolute = path.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            raise ConfigError(f"cannot access {argument}: {exc}") from None
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
