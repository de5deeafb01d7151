"""An exclude pattern that is a bare name (".git", "build") is answered by comparing names, the
walk's fast path; it must say what pathspec says for the same pattern, entry by entry."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from dllint.config import PathPattern
from dllint.files import DEFAULT_EXCLUDE
from dllint.globs import matched_itself

NAMES = [n for n in DEFAULT_EXCLUDE if "*" not in n] + ["a-b_c.d", "x1"]
PARTS = ["src", "build", ".git", "venv", "env", "a-b_c.d", "x1", "m.py", "build.py", "Build"]


def _paths():
    for depth in (1, 2, 3):
        for parts in itertools.product(PARTS, repeat=depth):
            yield "/".join(parts)


@pytest.mark.parametrize("name", NAMES)
def test_a_bare_name_matches_entries_as_pathspec_does(name):
    pattern = PathPattern(name, Path("/project"))
    assert pattern.name == name  # the fast path is taken
    for relative in _paths():
        for is_dir in (False, True):
            expected = matched_itself(pattern.spec, relative, is_dir) is True
            assert pattern.matches_entry(relative, is_dir) is expected, (relative, is_dir)


@pytest.mark.parametrize("text", ["*.egg-info", "build/", "src/build", "b?ild", "[b]uild", "!build",
                                  "#build", ".", ".."])
def test_other_patterns_go_to_pathspec(text):
    assert PathPattern(text, Path("/project")).name is None
