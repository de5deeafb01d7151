"""What git ignores, read from git's own files (dllint.gitignore), and globs that are safe to
match: .git/info/exclude, the global excludes file, worktrees, invalid and pathological patterns,
paths that cannot be resolved."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import write
from dllint.config import ConfigError, PathPattern
from dllint.gitignore import excludes_file_setting, git_directories, global_excludes_file
from dllint.globs import compile_pattern, fold_stars

BAD = "bad()\n"


def linted(cli, *args: str) -> list[str]:
    out = cli("--no-cache", "-q", "--select", "TST001", *args).out
    return [line.split(":")[0] for line in out.splitlines()]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home directory of our own, so that the developer's git configuration stays out."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    return home


@pytest.fixture
def repo(project, home) -> Path:
    (project / ".git" / "info").mkdir(parents=True)
    for name in ("a.py", "local_only.py", "global_only.py", "sub/deep_local_only.py"):
        write(project / name, BAD)
    return project


def test_info_exclude_is_honoured(cli, repo):
    write(repo / ".git" / "info" / "exclude", "# local\nlocal_only.py\n")
    assert linted(cli) == ["a.py", "global_only.py", "sub/deep_local_only.py"]


def test_a_gitignore_beats_info_exclude(cli, repo):
    write(repo / ".git" / "info" / "exclude", "*_only.py\n")
    write(repo / "sub" / ".gitignore", "!deep_local_only.py\n")
    assert linted(cli) == ["a.py", "sub/deep_local_only.py"]


def test_default_global_excludes_file_under_xdg_config(cli, repo, home):
    write(home / ".config" / "git" / "ignore", "global_only.py\n")
    assert linted(cli) == ["a.py", "local_only.py", "sub/deep_local_only.py"]


def test_core_excludes_file_in_gitconfig(cli, repo, home, monkeypatch):
    write(home / ".gitconfig", '[user]\n\tname = x\n[core]\n\texcludesFile = "~/my ignores"  # mine\n')
    write(home / "my ignores", "global_only.py\n")
    write(home / ".config" / "git" / "ignore", "a.py\n")  # not read: the setting points elsewhere
    assert linted(cli) == ["a.py", "local_only.py", "sub/deep_local_only.py"]
    # $XDG_CONFIG_HOME/git/config is read as well; ~/.gitconfig comes later and wins
    xdg = home / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    write(xdg / "git" / "config", "[core]\nexcludesfile = /nowhere\n")
    assert linted(cli) == ["a.py", "local_only.py", "sub/deep_local_only.py"]


def test_global_excludes_apply_only_inside_a_repository(cli, project, home):
    write(home / ".config" / "git" / "ignore", "a.py\n")
    write(project / "a.py", BAD)
    assert linted(cli) == ["a.py"]


def test_linked_worktree_reads_the_common_info_exclude(cli, project, home):
    common = project / "main.git"
    (common / "info").mkdir(parents=True)
    write(common / "info" / "exclude", "local_only.py\n")
    gitdir = common / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    write(gitdir / "commondir", "../..\n")
    tree = project / "wt"
    write(tree / ".git", f"gitdir: {gitdir}\n")
    write(tree / "local_only.py", BAD)
    write(tree / "kept.py", BAD)
    assert git_directories(tree) == (gitdir, common)
    assert linted(cli, "wt") == ["wt/kept.py"]


def test_gitignore_with_a_bad_pattern_is_dropped_not_fatal(cli, project):
    (project / ".git").mkdir()
    write(project / ".gitignore", "a[b-a]c\nx.py\n")
    write(project / "x.py", BAD)
    assert linted(cli) == ["x.py"]


def test_excludes_file_setting_parsing():
    text = ('[Core]\n  excludesFile = first\n[core "sub"]\n excludesfile = not-core\n'
            '[core] excludesfile = "with \\"quote\\"" ; comment\n')
    assert excludes_file_setting(text) == 'with "quote"'
    assert excludes_file_setting("[user]\nname = x\n") is None


def test_global_excludes_file_locations(tmp_path):
    env = {"HOME": str(tmp_path)}
    assert global_excludes_file(tmp_path, None, env) == tmp_path / ".config" / "git" / "ignore"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "x")
    assert global_excludes_file(tmp_path, None, env) == tmp_path / "x" / "git" / "ignore"
    write(tmp_path / "g", "[core]\nexcludesFile = ~/ign\n")
    env["GIT_CONFIG_GLOBAL"] = str(tmp_path / "g")
    assert global_excludes_file(tmp_path, None, env) == tmp_path / "ign"


# -- globs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["exclude", "extend-exclude"])
def test_invalid_glob_in_config_is_a_one_line_error(cli, project, option):
    write(project / "pyproject.toml", f'[tool.dllint]\n{option} = ["ok", "a[b-a]c"]\n')
    write(project / "a.py", BAD)
    result = cli("--no-cache", "a.py")
    assert result.code == 2
    assert result.err.count("\n") == 1 and "'a[b-a]c'" in result.err
    assert "internal error" not in result.err


def test_invalid_glob_in_per_file_ignores_and_on_the_command_line(cli, project):
    write(project / "a.py", BAD)
    write(project / "pyproject.toml", '[tool.dllint.per-file-ignores]\n"t[z-a].py" = ["TST001"]\n')
    result = cli("--no-cache", "a.py")
    assert result.code == 2 and "'t[z-a].py'" in result.err and "internal error" not in result.err
    (project / "pyproject.toml").unlink()
    result = cli("--no-cache", "--extend-exclude", "q[9-0]", "a.py")
    assert result.code == 2 and "--extend-exclude" in result.err and "'q[9-0]'" in result.err


def test_runs_of_stars_fold_as_git_reads_them():
    assert fold_stars("a" + "*" * 50 + "b") == "a*b"
    assert fold_stars("***/x/****") == "**/x/**"
    assert fold_stars("x***y/**") == "x*y/**"
    assert fold_stars("\\***") == "\\**"  # an escaped star stays literal, the run after it folds
    assert fold_stars("[*]**") == "[*]*"
    # the compiled expression is that of the folded pattern: nothing left to backtrack on
    many = compile_pattern("a" + "*" * 50 + "b").patterns[0].regex.pattern
    assert many == compile_pattern("a*b").patterns[0].regex.pattern


def test_many_stars_in_exclude_still_match(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nextend-exclude = ["gen' + "*" * 50 + '.py"]\n')
    write(project / ("gen_" + "x" * 60 + ".py"), BAD)
    write(project / "sub" / ("other" + "x" * 60 + ".py"), BAD)
    assert linted(cli) == ["sub/other" + "x" * 60 + ".py"]


def test_path_pattern_error_names_where():
    with pytest.raises(ConfigError, match=r"^exclude: invalid glob pattern 'a\[b-a\]c'"):
        PathPattern("a[b-a]c", Path("/"), "exclude")


@pytest.mark.parametrize("target", ["self", "pair"])
def test_symlink_loop_on_the_command_line_is_a_one_line_error(cli, project, target):
    write(project / "a.py", BAD)
    if target == "self":
        (project / "loop").symlink_to("loop")
    else:
        (project / "loop").symlink_to("other")
        (project / "other").symlink_to("loop")
    result = cli("--no-cache", "a.py", "loop")
    assert result.code == 2
    assert result.err.count("\n") == 1 and "loop" in result.err and "internal error" not in result.err


def test_inside_an_ignored_directory_named_explicitly_the_other_patterns_still_apply(cli, project, home):
    (project / ".git").mkdir()
    write(project / ".gitignore", "vendor/\nout/\n*.gen.py\n")
    for name in ("vendor/lib/a.py", "vendor/lib/out/b.py", "vendor/lib/c.gen.py", "d.py"):
        write(project / name, BAD)
    assert linted(cli) == ["d.py"]
    # vendor/ matches all inside it, yet named on the command line it is linted, and out/ and
    # *.gen.py, which match entries inside it themselves, still apply there
    assert linted(cli, "vendor/lib") == ["vendor/lib/a.py"]
