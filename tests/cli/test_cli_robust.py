"""Never a traceback for user input: odd bytes, encodings, line endings, sizes."""
from __future__ import annotations

import time

import pytest

from cli_helpers import write


def run(cli, *args):
    result = cli("--no-cache", *args)
    assert "Traceback" not in result.err + result.out
    assert result.code in (0, 1), result.err
    return result


@pytest.mark.parametrize("data, expected", [
    (b"", []),
    (b"\n\n\n", []),
    (b"\xef\xbb\xbfbad()\n", ["a.py:1:1: TST001"]),
    (b"x = 1\r\nbad()\r\n", ["a.py:2:1: TST001"]),
    (b"x = 1\rbad()\r", ["a.py:2:1: TST001"]),
    (b"if x:\n\tbad()\n", ["a.py:2:2: TST001"]),
    (b"bad()", ["a.py:1:1: TST001"]),  # no final newline
    (b"# -*- coding: latin-1 -*-\ns = '\xe9'\nbad()\n", ["a.py:3:1: TST001"]),
    (b"s = '\xff\xfe'\nbad()\n", ["a.py:1:1: DL001"]),  # not UTF-8
    (b"# -*- coding: nonsense -*-\nbad()\n", ["a.py:1:1: DL001"]),
    (b"\x00\x01\x02binary", ["a.py:1:1: DL001"]),
    (b"if True:\n  x = 1\n    y = 2\n", ["a.py:3:4: DL001"]),
    (b"x = " + b"(" * 300 + b")" * 300 + b"\n", None),  # deep nesting: a finding or none, no crash
    # Python 2 print statements: DL001, and the rest is read with the prints as calls
    (b"print 'python 2'\nbad()\n", ["a.py:1:1: DL001", "a.py:2:1: TST001"]),
    # other Python 2 syntax as well: DL001 only
    (b"print 'python 2'\nexec 'x = 1'\nbad()\n", ["a.py:1:1: DL001"]),
])
def test_odd_inputs(cli, project, data, expected):
    write(project / "a.py", data)
    result = run(cli, "-q", "a.py")
    found = [":".join(line.split(":")[:3]) + ": " + line.split()[1] for line in result.out.splitlines()]
    if expected is not None:
        assert found == expected


def test_undecodable_file_message(cli, project):
    write(project / "a.py", b"s = '\xff'\n")
    out = run(cli, "-q").out
    assert "a.py:1:1: DL001 cannot detect the source encoding" in out


def test_stdin_with_odd_bytes(cli):
    result = cli("-", stdin=b"\xef\xbb\xbf\xff\xfe bad(")
    assert result.code == 1 and "DL001" in result.out


def test_directory_with_only_excluded_files(cli, project):
    write(project / ".venv" / "x.py", "bad()\n")
    result = run(cli)
    assert result.code == 0


@pytest.mark.slow
def test_fifty_thousand_line_generated_file(cli, project):
    body = "".join(f"value_{n} = compute({n}, scale=0.5)  # generated\n" for n in range(49_999))
    write(project / "generated.py", body + "def broken(:\n")
    started = time.perf_counter()
    result = run(cli, "-q", "generated.py")
    elapsed = time.perf_counter() - started
    (line,) = result.out.splitlines()
    assert line.startswith("generated.py:50000:12: DL001 could not parse the file")
    # No bound on the time: on a shared machine it varies tenfold (libcst parses the whole file
    # before it meets the error). A finding in such a file also pays for libcst's position
    # provider over the whole module (see FileContext.position).
    print(f"50,000 lines: {elapsed:.1f}s")
