"""Which files are linted: recursion, default excludes, .gitignore, exclude options, order."""
from __future__ import annotations

import pytest

from cli_helpers import write
from dllint.files import DEFAULT_EXCLUDE, Excludes, discover
from dllint.globs import compile_lines, matched

BAD = "bad()\n"


def linted(cli, *args: str) -> list[str]:
    out = cli("--no-cache", "-q", "--select", "TST001", *args).out
    return [line.split(":")[0] for line in out.splitlines()]


def test_recursive_py_and_ipynb_only(cli, project):
    write(project / "a.py", BAD)
    write(project / "pkg" / "deep" / "b.py", BAD)
    write(project / "pkg" / "c.pyi", BAD)
    write(project / "pkg" / "d.txt", BAD)
    write(project / "nb.ipynb", '{"cells": [{"cell_type": "code", "source": ["bad()\\n"]}]}')
    assert linted(cli) == ["a.py", "nb.ipynb", "pkg/deep/b.py"]


@pytest.mark.parametrize("directory", [
    ".git", ".venv", "venv", "env", ".tox", ".nox", "__pycache__", "build", "dist", ".eggs",
    "x.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".dllint_cache", "node_modules",
    "site-packages", ".hg", ".svn",
])
def test_default_excludes(cli, project, directory):
    write(project / directory / "m.py", BAD)
    write(project / "lib" / directory / "m.py", BAD)
    write(project / "ok.py", BAD)
    assert linted(cli) == ["ok.py"]


def test_every_documented_default_exclude_is_in_the_list():
    for name in (".git", ".hg", ".svn", ".venv", "venv", "env", ".tox", ".nox", "__pycache__", "build",
                 "dist", ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                 ".dllint_cache", "node_modules", "site-packages"):
        assert name in DEFAULT_EXCLUDE


def test_a_directory_named_on_the_command_line_is_walked_even_if_excluded(cli, project):
    write(project / "build" / "m.py", BAD)
    assert linted(cli, "build") == ["build/m.py"]


def test_gitignore_subset(cli, project):
    (project / ".git").mkdir()
    write(project / ".gitignore", "\n".join([
        "# comment",
        "generated_*.py",   # glob at any depth
        "out/",             # directories only
        "/top.py",          # anchored: only at the root
        "docs/*.py",        # anchored by the inner slash
        "*.tmp.py",
        "!keep.tmp.py",     # negation
        "data/**/raw",      # **
        "",
    ]))
    files = ["generated_a.py", "sub/generated_b.py", "out/x.py", "sub/out/y.py", "top.py",
             "sub/top.py", "docs/conf.py", "sub/docs/conf.py", "a.tmp.py", "keep.tmp.py",
             "data/x/y/raw/r.py", "data/cooked/c.py", "out.py"]
    for name in files:
        write(project / name, BAD)
    assert linted(cli) == sorted(["sub/top.py", "sub/docs/conf.py", "keep.tmp.py",
                                  "data/cooked/c.py", "out.py"])


def test_nested_gitignore_and_reinclusion(cli, project):
    (project / ".git").mkdir()
    write(project / ".gitignore", "*.gen.py\n")
    write(project / "sub" / ".gitignore", "!special.gen.py\nlocal.py\n")
    for name in ("a.gen.py", "sub/b.gen.py", "sub/special.gen.py", "sub/local.py", "local.py"):
        write(project / name, BAD)
    assert linted(cli) == ["local.py", "sub/special.gen.py"]


def test_no_reinclusion_inside_an_ignored_directory(cli, project):
    (project / ".git").mkdir()
    write(project / ".gitignore", "vendor/\n!vendor/keep.py\n")
    write(project / "vendor" / "keep.py", BAD)
    write(project / "main.py", BAD)
    assert linted(cli) == ["main.py"]


def test_gitignore_above_the_linted_directory_applies_up_to_the_repository_root(cli, project, monkeypatch):
    (project / ".git").mkdir()
    write(project / ".gitignore", "secret/\n")
    write(project / "src" / "secret" / "s.py", BAD)
    write(project / "src" / "ok.py", BAD)
    monkeypatch.chdir(project / "src")
    assert linted(cli, ".") == ["ok.py"]


def test_explicit_file_is_linted_even_if_gitignored_or_default_excluded(cli, project):
    (project / ".git").mkdir()
    write(project / ".gitignore", "ignored.py\n")
    write(project / "ignored.py", BAD)
    write(project / "build" / "b.py", BAD)
    assert linted(cli) == []
    assert linted(cli, "ignored.py", "build/b.py") == ["build/b.py", "ignored.py"]


def test_exclude_replaces_the_defaults(cli, project):
    write(project / "build" / "b.py", BAD)
    write(project / "gen" / "g.py", BAD)
    write(project / "a.py", BAD)
    assert linted(cli, "--exclude", "gen") == ["a.py", "build/b.py"]


def test_extend_exclude_adds(cli, project):
    write(project / "build" / "b.py", BAD)
    write(project / "gen" / "g.py", BAD)
    write(project / "x_pb2.py", BAD)
    write(project / "a.py", BAD)
    assert linted(cli, "--extend-exclude", "gen,*_pb2.py") == ["a.py"]


def test_config_exclude_and_extend_exclude(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nextend-exclude = ["tests/data", "*_pb2.py"]\n')
    write(project / "tests" / "data" / "d.py", BAD)
    write(project / "tests" / "t.py", BAD)
    write(project / "x_pb2.py", BAD)
    write(project / "build" / "b.py", BAD)
    assert linted(cli) == ["tests/t.py"]
    write(project / "pyproject.toml", '[tool.dllint]\nexclude = ["tests"]\n')
    assert linted(cli) == ["build/b.py", "x_pb2.py"]


def test_user_excludes_apply_to_explicit_files(cli, project):
    # pre-commit passes staged files by name; the project's own excludes still hold for them.
    write(project / "pyproject.toml", '[tool.dllint]\nextend-exclude = ["tests/data"]\n')
    write(project / "tests" / "data" / "d.py", BAD)
    write(project / "m.py", BAD)
    assert linted(cli, "tests/data/d.py", "m.py") == ["m.py"]


def test_output_order_is_sorted_and_paths_are_unique(cli, project):
    for name in ("z.py", "a.py", "m/b.py", "m/a.py"):
        write(project / name, BAD)
    assert linted(cli, "z.py", ".", "a.py") == ["a.py", "m/a.py", "m/b.py", "z.py"]


def test_display_paths_keep_the_argument_form(cli, project):
    write(project / "pkg" / "a.py", BAD)
    assert linted(cli, "./pkg") == ["pkg/a.py"]
    assert linted(cli, "pkg/a.py") == ["pkg/a.py"]
    assert linted(cli, str(project / "pkg")) == [str(project / "pkg" / "a.py")]


def test_symlinked_directories_are_not_followed(cli, project):
    write(project / "real" / "a.py", BAD)
    (project / "loop").symlink_to(project, target_is_directory=True)
    assert linted(cli) == ["real/a.py"]


def test_parse_gitignore_escapes_and_trailing_spaces():
    spec = compile_lines("\\#hash.py\n\\!bang.py\nspace.py   \n".splitlines())
    assert [matched(spec, n, False) for n in ["#hash.py", "!bang.py", "space.py", "other.py"]] == [
        True, True, True, None]


def test_discover_unit(tmp_path):
    write(tmp_path / "a.py", "")
    write(tmp_path / "venv" / "b.py", "")
    files = discover([str(tmp_path)], Excludes.build(tmp_path, None, []))
    assert [f.path for f in files] == [tmp_path / "a.py"]
