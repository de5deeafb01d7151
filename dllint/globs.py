"""Path globs with git's semantics, matched by ``pathspec``: ``exclude``, ``extend-exclude``,
``per-file-ignores`` and every ``.gitignore``-like file use the same patterns.

Two things are done before a pattern reaches ``pathspec``:

- runs of ``*`` are folded: git reads ``a***b`` as ``a*b`` and a segment of stars only as ``**``,
  while the regular expression built from the raw pattern repeats ``[^/]*`` once a star and
  backtracks exponentially on a path that does not match (50 stars: minutes);
- a pattern whose regular expression does not compile (``a[b-a]c``: a reversed range) raises
  :class:`InvalidGlob` naming the pattern, so that configuration reports it in one line.
"""
from __future__ import annotations

import re
from typing import Iterable

import pathspec


class InvalidGlob(ValueError):
    """A pattern that cannot be compiled; the message names it."""


def fold_stars(pattern: str) -> str:
    """``pattern`` with every run of ``*`` folded to ``*``, or to ``**`` when the run is a whole
    path segment. Escaped stars (``\\*``) and stars inside ``[...]`` are left alone."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[":
            end = _class_end(pattern, i)
            if end > 0:
                out.append(pattern[i:end + 1])
                i = end + 1
                continue
        if char == "*":
            end = i
            while end < n and pattern[end] == "*":
                end += 1
            whole_segment = (i == 0 or pattern[i - 1] == "/") and (end == n or pattern[end] == "/")
            out.append("**" if whole_segment and end - i >= 2 else "*")
            i = end
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` closing the bracket expression at ``start``, or -1."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        if pattern[i] == "/":
            return -1
        i += 1
    return -1


def compile_lines(lines: Iterable[str], where: str = "") -> pathspec.GitIgnoreSpec:
    """A gitignore spec of ``lines`` (blank lines and ``#`` comments allowed); the last matching
    pattern decides, ``!`` re-includes. Raises :class:`InvalidGlob` for a pattern that does not
    compile; ``where`` says where it was read."""
    originals = list(lines)
    folded = [fold_stars(line) for line in originals]
    try:
        return pathspec.GitIgnoreSpec.from_lines(folded)
    except (re.error, ValueError, TypeError):
        # find the culprit, to name it
        for original, line in zip(originals, folded):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except (re.error, ValueError, TypeError) as exc:
                reason = str(exc).split(" at position")[0]
                prefix = f"{where}: " if where else ""
                raise InvalidGlob(f"{prefix}invalid glob pattern {original!r}: {reason}") from None
        raise


def compile_pattern(pattern: str, where: str = "") -> pathspec.GitIgnoreSpec:
    """One pattern as a spec (see :func:`compile_lines`)."""
    return compile_lines([pattern], where)


def matched(spec: pathspec.GitIgnoreSpec, relative: str, is_dir: bool) -> bool | None:
    """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matches.

    ``relative``: a ``/``-separated path relative to the spec's base. A directory is given with a
    trailing ``/``, which is how ``pathspec`` tells a ``dir/`` pattern's directory from a file."""
    if is_dir and not relative.endswith("/"):
        relative += "/"
    return spec.check_file(relative).include


def matched_itself(spec: pathspec.GitIgnoreSpec, relative: str, is_dir: bool) -> bool | None:
    """As :func:`matched`, but only the patterns that match the path itself count, not those that
    match it through a directory above it (``build/`` matches ``build/m.py`` because it matches
    ``build/``). A walk decides on each directory before entering it, so inside a directory it
    entered anyway (one named on the command line) only what matches an entry itself applies:
    ``.venv/`` does not hide all of ``.venv/lib`` when ``.venv/lib`` is named, ``build/`` inside
    it still does."""
    verdict = matched(spec, relative, is_dir)
    if verdict is None:
        return None
    parent = relative.rstrip("/").rpartition("/")[0]
    if not parent or matched(spec, parent, True) is None:
        return verdict
    path = relative + "/" if is_dir and not relative.endswith("/") else relative
    for pattern in reversed(spec.patterns):  # the last pattern matching the path itself decides
        if pattern.include is None or pattern.match_file(path) is None:
            continue
        if pattern.match_file(parent + "/") is None:
            return pattern.include
    return None
