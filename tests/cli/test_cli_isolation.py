"""A file that kills its worker, runs too long, is too large or is no regular file costs only its
own result: a one-line finding, the other files reported, the run finished."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

from cli_helpers import write


def lines_of(result):
    return result.out.splitlines()


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_a_dying_worker_costs_only_its_file(cli, project, jobs):
    for number in range(8):
        write(project / f"m{number}.py", "bad()\n")
    write(project / "m3.py", "die()\nbad()\n")
    result = cli("--no-cache", "-q", "--jobs", jobs, "--extend-select", "TST006")
    out = lines_of(result)
    assert result.code == 2  # an internal error
    assert out[3].startswith("m3.py:1:1: DL000 internal error: the process linting this file died "
                             "(killed by SIGSEGV)")
    assert [line.split(":")[0] for line in out if "TST001" in line] == [
        f"m{n}.py" for n in range(8) if n != 3]


def test_a_dying_worker_with_one_file_still_reports(cli, project):
    write(project / "a.py", "die()\n")
    result = cli("--no-cache", "-q", "--extend-select", "TST006", "a.py")
    assert result.code == 2 and result.out.startswith("a.py:1:1: DL000 ")


def test_a_dying_worker_is_reported_under_select(cli, project):
    write(project / "a.py", "die()\nbad()\n")
    result = cli("--no-cache", "-q", "--select", "TST006")  # DL000 is not selected
    assert lines_of(result)[0].startswith("a.py:1:1: DL000 ")


def test_a_file_past_the_time_limit_is_skipped(cli, project):
    write(project / "a.py", "bad()\n")
    write(project / "b.py", "hang()\n")
    write(project / "c.py", "bad()\n")
    result = cli("--no-cache", "-q", "--time-limit", "1", "--jobs", "2", "--extend-select", "TST007")
    assert lines_of(result) == [
        "a.py:1:1: TST001 call to bad() [*]",
        "b.py:1:1: DL002 skipped: linting this file took longer than the time limit (1 s; raise "
        "it with --time-limit or time-limit in [tool.dllint])",
        "c.py:1:1: TST001 call to bad() [*]",
    ]
    assert result.code == 1


def test_time_limit_from_the_configuration(cli, project):
    write(project / "pyproject.toml", "[tool.dllint]\ntime-limit = 0.5\n")
    write(project / "b.py", "hang()\n")
    assert "(0.5 s;" in cli("--no-cache", "-q", "--extend-select", "TST007").out


def test_a_file_past_the_memory_limit_is_skipped(cli, project):
    write(project / "a.py", "bad()\n")
    write(project / "b.py", "hog()\n")
    result = cli("--no-cache", "-q", "--max-memory", "300MiB", "--jobs", "2",
                 "--extend-select", "TST008")
    out = lines_of(result)
    assert out[0] == "a.py:1:1: TST001 call to bad() [*]"
    assert out[1].startswith("b.py:1:1: DL002 skipped: linting this file needed more memory than "
                             "max-memory (")
    assert out[1].endswith(" > 300 MiB; raise it with --max-memory or max-memory in [tool.dllint])")
    assert len(out) == 2 and result.code == 1


def test_memory_limit_from_the_configuration(cli, project):
    write(project / "pyproject.toml", "[tool.dllint]\nmax-memory = \"250MiB\"\n")
    write(project / "b.py", "hog()\n")
    assert " > 250 MiB;" in cli("--no-cache", "-q", "--extend-select", "TST008").out
    # 0 turns the bound off: the rule finishes (it stops at 2 GiB) and nothing is skipped
    write(project / "pyproject.toml", "[tool.dllint]\nmax-memory = 0\n")
    assert "DL002" not in cli("--no-cache", "-q", "--extend-select", "TST008").out


def test_a_file_over_max_file_size_is_skipped_unread(cli, project):
    write(project / "big.py", "x = 1\n" * 2000)
    write(project / "a.py", "bad()\n")
    result = cli("--no-cache", "-q", "--max-file-size", "10KB")
    assert lines_of(result) == [
        "a.py:1:1: TST001 call to bad() [*]",
        "big.py:1:1: DL002 skipped: the file is larger (12,000 bytes) than max-file-size (10,000 "
        "bytes; raise it with --max-file-size or max-file-size in [tool.dllint])",
    ]
    assert cli("--no-cache", "-q", "--max-file-size", "0").code == 1  # 0: no bound
    assert "big.py" not in cli("--no-cache", "-q", "--max-file-size", "0").out


def test_max_file_size_from_the_configuration_and_stdin(cli, project):
    write(project / "pyproject.toml", '[tool.dllint]\nmax-file-size = "1KiB"\n')
    write(project / "big.py", "x = 1\n" * 200)
    assert "DL002 skipped: the file is larger (1,200 bytes) than max-file-size (1,024 bytes" in \
        cli("--no-cache", "-q").out
    result = cli("-", "--stdin-filename", "s.py", stdin=b"x = 1\n" * 200)
    assert "s.py:1:1: DL002 skipped" in result.out


def test_the_default_size_bound_applies(cli, project):
    write(project / "data.py", "x = [" + "1, " * 1_500_000 + "]\n")  # 4.5 MB of generated data
    result = cli("--no-cache", "-q")
    assert result.out.startswith("data.py:1:1: DL002 skipped: the file is larger (4,500,007 bytes) "
                                 "than max-file-size (4,000,000 bytes")


@pytest.mark.parametrize("flag, value, message", [
    ("--max-file-size", "lots", "--max-file-size must be a size in bytes"),
    ("--max-file-size", "-5", "--max-file-size must be a size in bytes"),
    ("--max-file-size", "3XB", "--max-file-size must be a size in bytes"),
    ("--time-limit", "soon", "--time-limit must be a number of seconds"),
    ("--time-limit", "-1", "--time-limit must be a number of seconds"),
    ("--time-limit", "nan", "--time-limit must be a number of seconds"),
    ("--time-limit", "inf", "--time-limit must be a number of seconds"),
    ("--max-memory", "plenty", "--max-memory must be a size in bytes"),
    ("--max-memory", "-1", "--max-memory must be a size in bytes"),
])
def test_bad_bounds_are_one_line_errors(cli, project, flag, value, message):
    write(project / "a.py", "bad()\n")
    result = cli(flag, value)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("dllint: error: " + message) and result.err.count("\n") == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_on_the_command_line_is_skipped_not_waited_on(cli, project):
    os.mkfifo(project / "pipe.py")
    write(project / "a.py", "bad()\n")
    outcome = []
    # If dllint opened the pipe for a blocking read it would wait for a writer forever.
    worker = threading.Thread(target=lambda: outcome.append(cli("--no-cache", "-q", "pipe.py", "a.py")),
                              daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, "dllint blocked on a named pipe"
    assert lines_of(outcome[0]) == [
        "a.py:1:1: TST001 call to bad() [*]",
        "pipe.py:1:1: DL002 skipped: not a regular file (a named pipe); dllint reads only regular files",
    ]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_is_skipped_not_read(cli, project):
    os.symlink("/dev/zero", project / "zero.py")
    result = cli("--no-cache", "-q", "zero.py")
    assert result.out == ("zero.py:1:1: DL002 skipped: not a regular file (a character device); "
                          "dllint reads only regular files\n")


def test_skipped_files_are_reported_under_select_unless_ignored(cli, project):
    write(project / "big.py", "bad()\n" * 100)
    result = cli("--no-cache", "-q", "--max-file-size", "100", "--select", "TST001")
    assert "DL002" in result.out
    result = cli("--no-cache", "-q", "--max-file-size", "100", "--select", "TST001", "--ignore", "DL002")
    assert result.out == "" and result.code == 0


def test_a_crashing_rule_is_reported_under_select_and_exits_two(cli, project):
    write(project / "a.py", "crash()\nbad()\n")
    result = cli("--no-cache", "-q", "--select", "TST001,TST004")
    assert lines_of(result)[0].startswith("a.py:1:1: DL000 internal error in rule TST004")
    assert result.code == 2
    assert cli("--no-cache", "-q", "--select", "TST001,TST004", "--exit-zero").code == 2
    quiet = cli("--no-cache", "-q", "--select", "TST001,TST004", "--ignore", "DL000")
    assert "DL000" not in quiet.out and quiet.code == 1


def test_fix_with_old_mac_line_endings(cli, project):
    write(project / "a.py", b"x = 1\rbad()\ry = 2\r")
    result = cli("--no-cache", "--fix", "--select", "TST001")
    assert (project / "a.py").read_bytes() == b"x = 1\rgood()\ry = 2\r"
    assert result.code == 0 and "DL000" not in result.out


def test_fix_with_mixed_line_endings(cli, project):
    write(project / "a.py", b"x = 1\r\nbad()\ry = 2\nbad()\r\n")
    cli("--no-cache", "--fix")
    assert (project / "a.py").read_bytes() == b"x = 1\r\ngood()\ry = 2\ngood()\r\n"


@pytest.mark.parametrize("tool", ["patch", "git"])
def test_diff_of_files_without_a_final_newline_applies(cli, project, tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    write(project / "a.py", "x = 1\nbad()")
    write(project / "b.py", "bad()\ny = 2")
    result = cli("--no-cache", "--diff")
    assert "\\ No newline at end of file\n--- b.py" in result.out
    write(project / "fix.patch", result.out)
    if tool == "patch":
        subprocess.run(["patch", "-p0", "-i", "fix.patch"], cwd=project, check=True, capture_output=True)
    else:
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        subprocess.run(["git", "apply", "fix.patch"], cwd=project, check=True, capture_output=True)
    assert (project / "a.py").read_text() == "x = 1\ngood()"
    assert (project / "b.py").read_text() == "good()\ny = 2"


def test_diff_keeps_form_feeds_and_carriage_returns_inside_lines(cli, project):
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    write(project / "a.py", b"x = 1\x0c\nbad()\n")
    result = cli("--no-cache", "--diff")
    write(project / "fix.patch", result.out)
    subprocess.run(["patch", "-p0", "-i", "fix.patch"], cwd=project, check=True, capture_output=True)
    assert (project / "a.py").read_bytes() == b"x = 1\x0c\ngood()\n"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_stdin_from_dev_zero_reads_one_byte_past_the_bound(tmp_path):
    import sys

    with open("/dev/zero", "rb") as zero:
        result = subprocess.run([sys.executable, "-m", "dllint", "-", "--no-cache", "-q",
                                 "--max-file-size", "1MB"], stdin=zero, capture_output=True,
                                text=True, timeout=120, cwd=tmp_path)
    assert result.stdout.startswith(
        "-:1:1: DL002 skipped: the file is larger (1,000,001 bytes) than max-file-size (1,000,000 bytes")
