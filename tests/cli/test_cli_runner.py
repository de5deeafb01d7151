"""Linting many files: parallel processes give the same, deterministic output; one failing rule or
file does not stop the others; the registry can be injected."""
from __future__ import annotations

import json

import dllint.runner
import dllint.workers
from cli_helpers import TEST_REGISTRY, write
from dllint.config import PerFileIgnores
from dllint.files import SourceFile
from dllint.runner import RunSettings, run


def make_tree(project, count=30):
    for number in range(count):
        lines = ["x = 1"] * (number % 5) + ["bad()", "risky()"] * (number % 3)
        write(project / f"pkg{number % 4}" / f"mod{number:02d}.py", "\n".join(lines) + "\n")


def test_parallel_output_equals_serial_output(cli, project):
    make_tree(project)
    serial = cli("--no-cache", "--jobs", "1", "--format", "json")
    parallel = cli("--no-cache", "--jobs", "3", "--format", "json")
    assert serial.code == parallel.code == 1
    assert serial.out == parallel.out
    findings = json.loads(serial.out)
    keys = [(f["path"], f["cell"] or 0, f["line"], f["column"], f["code"]) for f in findings]
    assert keys == sorted(keys)
    assert len(findings) == 2 * sum(number % 3 for number in range(30))


def test_jobs_one_lints_in_one_worker_process(cli, project, monkeypatch):
    started = []
    real = dllint.workers.run_isolated

    def spy(tasks, work, **kwargs):
        started.append(kwargs["jobs"])
        return real(tasks, work, **kwargs)

    monkeypatch.setattr(dllint.runner, "run_isolated", spy)
    make_tree(project, 12)
    assert cli("--no-cache", "--jobs", "1").code == 1
    assert started == [1]


def test_a_crashing_rule_becomes_dl000_and_the_rest_still_runs(cli, project):
    write(project / "a.py", "crash()\nbad()\n")
    write(project / "b.py", "bad()\n")
    result = cli("--no-cache")
    lines = result.out.splitlines()
    assert lines[0].startswith("a.py:1:1: DL000 internal error in rule TST004 (crashes) on this file: "
                               "RuntimeError: boom")
    assert lines[1] == "a.py:2:1: TST001 call to bad() [*]"
    assert lines[2] == "b.py:1:1: TST001 call to bad() [*]"


def test_an_unexpected_failure_on_one_file_is_reported_for_that_file(cli, project, monkeypatch):
    real = dllint.runner.lint_bytes

    def flaky(data, path, *args, **kwargs):
        if path == "b.py":
            raise MemoryError("simulated")
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(dllint.runner, "lint_bytes", flaky)
    write(project / "a.py", "bad()\n")
    write(project / "b.py", "bad()\n")
    write(project / "c.py", "bad()\n")
    lines = cli("--no-cache", "--jobs", "1", "-q").out.splitlines()
    assert lines[0].startswith("a.py:1:1: TST001")
    assert lines[1].startswith("b.py:1:1: DL000 internal error while linting this file: MemoryError")
    assert lines[2].startswith("c.py:1:1: TST001")


def test_unreadable_file_is_a_finding(cli, project, monkeypatch):
    write(project / "a.py", "x = 1\n")
    real = dllint.runner.read_source

    def failing(path, limit):
        if path.name == "a.py":
            raise PermissionError(13, "Permission denied")
        return real(path, limit)

    monkeypatch.setattr(dllint.runner, "read_source", failing)
    result = cli("--no-cache")
    assert result.out.startswith("a.py:1:1: DL001 could not read the file: Permission denied")


def test_default_registry_is_used_without_injection(project, monkeypatch):
    calls = []

    def fake_default():
        calls.append(1)
        return TEST_REGISTRY

    monkeypatch.setattr(dllint.runner, "default_registry", fake_default)
    write(project / "a.py", "bad()\n")
    settings = RunSettings(enabled=frozenset({"TST001"}), root=project, jobs=1)
    result = run([SourceFile("a.py", project / "a.py")], settings)
    assert [d.code for d in result.diagnostics] == ["TST001"]
    assert calls


def test_run_api_with_injected_registry(project):
    write(project / "a.py", "bad()\nrisky()\n")
    settings = RunSettings(enabled=frozenset({"TST002"}), registry=TEST_REGISTRY, root=project, jobs=1,
                           per_file_ignores=PerFileIgnores())
    result = run([SourceFile("a.py", project / "a.py")], settings)
    assert [(d.code, d.line) for d in result.diagnostics] == [("TST002", 2)]


def test_progress_only_on_a_terminal(cli, project, monkeypatch):
    make_tree(project, 25)
    result = cli("--no-cache", "--jobs", "1")
    assert result.err == ""  # captured stderr is not a terminal
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    result = cli("--no-cache", "--jobs", "1")
    assert "25/25 files" in result.err
