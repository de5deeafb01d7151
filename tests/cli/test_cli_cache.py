"""The result cache: a warm re-run parses nothing; any change of content or settings misses; a
broken cache never breaks a run."""
from __future__ import annotations

import json
import multiprocessing
import os

import pytest

import dllint.engine
from cli_helpers import write
from dllint.cache import CACHE_DIR_NAME, Cache, entry_key

SOURCE = "bad()\nrisky()\n"


class _SharedCounter:
    """A count that the worker processes (forked from this one) add to."""

    def __init__(self) -> None:
        self.value = multiprocessing.get_context("fork").Value("i", 0)

    def __getitem__(self, key: str) -> int:
        return self.value.value

    def add(self) -> None:
        with self.value.get_lock():
            self.value.value += 1


@pytest.fixture
def parses(monkeypatch):
    """Counts the files parsed in this process and in its workers."""
    counter = _SharedCounter()
    real = dllint.engine.parse

    def counting(source):
        counter.add()
        return real(source)

    monkeypatch.setattr(dllint.engine, "parse", counting)
    return counter


def forbid_parsing(monkeypatch):
    def refuse(source):
        raise AssertionError("a warm run must not parse")

    monkeypatch.setattr(dllint.engine, "parse", refuse)


def test_cache_directory_layout(cli, project):
    write(project / "a.py", SOURCE)
    cli("--jobs", "1")
    cache = project / CACHE_DIR_NAME
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_cache_lives_next_to_the_config_file(cli, project, monkeypatch):
    write(project / "pyproject.toml", "[tool.dllint]\n")
    write(project / "src" / "a.py", SOURCE)
    monkeypatch.chdir(project / "src")
    cli("a.py")
    assert (project / CACHE_DIR_NAME).is_dir()
    assert not (project / "src" / CACHE_DIR_NAME).exists()


def test_warm_run_parses_nothing(cli, project, monkeypatch):
    for number in range(10):
        write(project / f"m{number}.py", SOURCE if number % 2 else "x = 1\n")
    write(project / "nb.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": "bad()\n"}]}))
    write(project / "broken.py", "def f(:\n")
    cold = cli("--jobs", "2")
    forbid_parsing(monkeypatch)
    warm = cli("--jobs", "2")
    assert warm.code == cold.code == 1
    assert warm.out == cold.out
    assert "nb.ipynb:cell 1:1:1: TST001" in warm.out
    assert "broken.py:1:7: DL001" in warm.out


def test_warm_run_reports_the_path_as_given(cli, project, monkeypatch):
    write(project / "pkg" / "a.py", SOURCE)
    cli("pkg")
    forbid_parsing(monkeypatch)
    result = cli("./pkg/a.py", "--format", "json")
    assert {f["path"] for f in json.loads(result.out)} == {"./pkg/a.py"}


def test_changed_file_is_parsed_again(cli, project, parses):
    write(project / "a.py", SOURCE)
    write(project / "b.py", SOURCE)
    cli("--jobs", "1")
    assert parses["n"] == 2
    write(project / "a.py", SOURCE + "bad()\n")
    result = cli("--jobs", "1")
    assert parses["n"] == 3
    assert "a.py:3:1: TST001" in result.out


def test_settings_are_part_of_the_key(cli, project, parses):
    write(project / "a.py", SOURCE)
    cli("--jobs", "1")
    assert cli("--jobs", "1", "--select", "TST002").out.startswith("a.py:2:1: TST002")
    assert parses["n"] == 2
    write(project / "pyproject.toml", '[tool.dllint.rule-options.TST001]\nnames = ["risky"]\n')
    out = cli("--jobs", "1", "--select", "TST001").out
    assert parses["n"] == 3
    assert out.startswith("a.py:2:1: TST001")
    write(project / "pyproject.toml", '[tool.dllint.per-file-ignores]\n"a.py" = ["TST001"]\n')
    assert "TST001" not in cli("--jobs", "1").out
    assert parses["n"] == 4
    cli("--jobs", "1")
    assert parses["n"] == 4


def test_version_and_rule_set_are_part_of_the_key(project):
    digest = entry_key(b"x", "a.py", "settings-a")
    assert digest != entry_key(b"x", "a.py", "settings-b")
    assert digest != entry_key(b"x", "b.py", "settings-a")
    assert digest != entry_key(b"y", "a.py", "settings-a")
    from dllint.cache import settings_digest

    base = settings_digest(frozenset({"TST001"}), {}, False, "fp1")
    assert base != settings_digest(frozenset({"TST001"}), {}, False, "fp2")
    assert base != settings_digest(frozenset({"TST001"}), {}, True, "fp1")
    assert base != settings_digest(frozenset({"TST001"}), {"TST001": {"a": 1}}, False, "fp1")
    # options of rules that are not enabled do not matter
    assert base == settings_digest(frozenset({"TST001"}), {"TST002": {"a": 1}}, False, "fp1")


def test_no_cache_neither_reads_nor_writes(cli, project, parses):
    write(project / "a.py", SOURCE)
    cli("--no-cache")
    assert not (project / CACHE_DIR_NAME).exists()
    cli("--jobs", "1")
    cli("--no-cache", "--jobs", "1")
    assert parses["n"] == 3


def _entries(project):
    return [p for p in (project / CACHE_DIR_NAME).rglob("*.json")]


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[]", b'{"key": "other"}',
                                     b'{"key": null, "findings": 3}', b"\xff\xfe"])
def test_corrupt_entry_is_ignored(cli, project, parses, garbage):
    write(project / "a.py", SOURCE)
    first = cli("--jobs", "1")
    (entry,) = _entries(project)
    entry.write_bytes(garbage)
    second = cli("--jobs", "1")
    assert second.out == first.out and second.code == 1
    assert parses["n"] == 2
    cli("--jobs", "1")  # rewritten
    assert parses["n"] == 2


def test_entry_with_right_key_but_broken_findings_is_ignored(cli, project, parses):
    write(project / "a.py", SOURCE)
    first = cli("--jobs", "1")
    (entry,) = _entries(project)
    data = json.loads(entry.read_text())
    data["findings"] = [{"line": 1}]
    entry.write_text(json.dumps(data))
    assert cli("--jobs", "1").out == first.out
    assert parses["n"] == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_cache_directory_is_not_fatal(cli, project):
    write(project / "a.py", SOURCE)
    (project / CACHE_DIR_NAME).mkdir()
    os.chmod(project / CACHE_DIR_NAME, 0o500)
    try:
        assert cli("--jobs", "1").code == 1
    finally:
        os.chmod(project / CACHE_DIR_NAME, 0o700)


def test_cache_path_that_is_a_file_is_not_fatal(cli, project):
    write(project / "a.py", SOURCE)
    write(project / CACHE_DIR_NAME, "not a directory")
    result = cli("--jobs", "1")
    assert result.code == 1 and "TST001" in result.out
    assert result.err == ""


def test_cache_put_and_get_round_trip(tmp_path):
    from dllint.diagnostics import Diagnostic, Edit, Fix

    cache = Cache(tmp_path)
    finding = Diagnostic("old.py", 3, 4, 3, 9, "TST001", "bad-call", "m", "warning",
                         Fix("safe", (Edit(3, 4, 3, 7, "good"),), "x"), "", 2, statement_line=1)
    cache.put("ab" + "0" * 62, [finding])
    (back,) = cache.get("ab" + "0" * 62, "new.py")
    assert back == finding.with_changes(path="new.py", url=back.url)
    assert back.statement_line == 1 and back.cell == 2
    assert cache.get("cd" + "0" * 62, "x.py") is None


def test_stale_version_directories_are_removed(tmp_path):
    old = tmp_path / CACHE_DIR_NAME / "0.0.1-v1"
    old.mkdir(parents=True)
    Cache(tmp_path).put("ab" + "1" * 62, [])
    assert not old.exists()


def test_old_entries_are_pruned_once_a_day(tmp_path):
    import time

    cache = Cache(tmp_path)
    cache.put("ab" + "2" * 62, [])
    (entry,) = (tmp_path / CACHE_DIR_NAME).rglob("*.json")
    month_ago = time.time() - 31 * 86400
    os.utime(entry, (month_ago, month_ago))
    Cache(tmp_path).put("cd" + "3" * 62, [])  # pruned already today: the old entry stays
    assert entry.exists()
    stamp = cache.entries / ".last-prune"
    os.utime(stamp, (month_ago, month_ago))
    Cache(tmp_path).put("ef" + "4" * 62, [])
    assert not entry.exists()
    assert Cache(tmp_path).get("cd" + "3" * 62, "x.py") == []
