"""What git ignores, read from git's own files without running git.

The sources, from the weakest to the strongest (the strongest that has a matching pattern decides,
and within one file the last matching pattern):

1. the global excludes file: ``core.excludesFile`` from the user's git configuration
   (``$GIT_CONFIG_GLOBAL``, else ``$XDG_CONFIG_HOME/git/config`` then ``~/.gitconfig``, then the
   repository's own ``config``), else ``$XDG_CONFIG_HOME/git/ignore`` (``~/.config/git/ignore``);
2. ``.git/info/exclude`` of the repository (of the main repository for a worktree);
3. the ``.gitignore`` files, a deeper one beating a shallower one.

The first two only apply inside a repository (a directory holding ``.git``), as for git. Patterns
are matched by ``pathspec`` (see ``dllint.globs``). A pattern that does not compile in one of these
files is dropped with the rest of that file, as git would not stop either: the file is not ours.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pathspec

from dllint.globs import InvalidGlob, compile_lines, matched_itself


@dataclass(frozen=True)
class IgnoreFile:
    """A file of gitignore patterns and the directory its patterns are relative to."""

    base: Path
    spec: pathspec.GitIgnoreSpec

    def verdict(self, path: Path, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a negation; None: no pattern matches."""
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        if relative == ".":
            return None
        return matched_itself(self.spec, relative, is_dir)


def load_ignore_file(file: Path, base: Path) -> IgnoreFile | None:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    try:
        spec = compile_lines(text.splitlines(), str(file))
    except InvalidGlob:
        return None
    return IgnoreFile(base, spec) if len(spec) else None


def repository_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` holding ``.git`` (a directory, or the file a
    worktree or submodule has)."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def git_directories(root: Path) -> tuple[Path, Path]:
    """The repository's git directory and its common directory (where ``info/`` and ``config``
    live; they differ for a linked worktree)."""
    dot_git = root / ".git"
    git_dir = dot_git
    if dot_git.is_file():
        try:
            first = dot_git.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        except (OSError, IndexError):
            return dot_git, dot_git
        if first.startswith("gitdir:"):
            git_dir = (root / first[len("gitdir:"):].strip()).resolve()
    common = git_dir
    try:
        relative = (git_dir / "commondir").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        relative = ""
    if relative:
        common = (git_dir / relative).resolve()
    return git_dir, common


# -- the git configuration: only core.excludesFile is read ------------------------------------------

def _unquote(value: str) -> str:
    """A git config value: double quotes removed, ``\\`` escapes resolved, comments dropped."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt))
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char in "#;" and not quoted:
            break
        else:
            out.append(char)
        i += 1
    return "".join(out).strip()


def excludes_file_setting(text: str) -> str | None:
    """The last ``core.excludesFile`` value in the text of a git config file, or None."""
    found = None
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            end = line.find("]")
            header = line[1:end] if end > 0 else line[1:]
            section = header.strip().lower()
            rest = line[end + 1:].strip() if end > 0 else ""
            if not rest or rest[0] in "#;":
                continue
            line = rest  # a key on the header's line: [core] excludesFile = x
        if section != "core" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key.strip().lower() == "excludesfile":
            found = _unquote(value.strip())
    return found


def _expand(value: str, root: Path) -> Path:
    if value.startswith("~"):
        return Path(os.path.expanduser(value))
    path = Path(value)
    return path if path.is_absolute() else root / path


def global_excludes_file(root: Path, common_dir: Path | None = None,
                         environ: "os._Environ[str] | dict[str, str] | None" = None) -> Path | None:
    """Where git's global excludes file is for a repository at ``root`` (it may not exist)."""
    env = os.environ if environ is None else environ
    home = env.get("HOME") or os.path.expanduser("~")
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    if env.get("GIT_CONFIG_GLOBAL"):
        configs = [Path(env["GIT_CONFIG_GLOBAL"])]
    else:
        configs = [Path(xdg) / "git" / "config", Path(home) / ".gitconfig"]
    if common_dir is not None:
        configs.append(common_dir / "config")
    setting = None
    for config in configs:
        try:
            text = config.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        value = excludes_file_setting(text)
        if value is not None:
            setting = value
    if setting == "":
        return None  # explicitly switched off
    if setting is not None:
        if setting.startswith("~"):
            return Path(home) / setting[2:] if setting.startswith("~/") else _expand(setting, root)
        return _expand(setting, root)
    return Path(xdg) / "git" / "ignore"


# -- the verdict ------------------------------------------------------------------------------------

@dataclass
class RepositoryIgnores:
    """The sources weaker than any ``.gitignore``: the global excludes file and info/exclude."""

    root: Path | None
    files: tuple[IgnoreFile, ...] = ()  # strongest first

    @classmethod
    def for_directory(cls, directory: Path) -> "RepositoryIgnores":
        root = repository_root(directory)
        if root is None:
            return cls(None)
        _, common = git_directories(root)
        found = []
        info = load_ignore_file(common / "info" / "exclude", root)
        if info:
            found.append(info)
        global_file = global_excludes_file(root, common)
        if global_file is not None:
            loaded = load_ignore_file(global_file, root)
            if loaded:
                found.append(loaded)
        return cls(root, tuple(found))

    def ancestors(self, directory: Path) -> list[IgnoreFile]:
        """The ``.gitignore`` files above ``directory`` (exclusive) up to the root, outermost first."""
        if self.root is None or self.root == directory:
            return []
        found = []
        for candidate in directory.parents:
            loaded = load_ignore_file(candidate / ".gitignore", candidate)
            if loaded:
                found.append(loaded)
            if candidate == self.root:
                break
        found.reverse()
        return found


def ignored(gitignores: Sequence[IgnoreFile], repository: RepositoryIgnores, path: Path,
            is_dir: bool) -> bool:
    """Whether git ignores ``path``: ``gitignores`` outermost first, then the repository's files."""
    for ignore in reversed(gitignores):  # the deepest .gitignore decides first
        verdict = ignore.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    for ignore in repository.files:
        verdict = ignore.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    return False
