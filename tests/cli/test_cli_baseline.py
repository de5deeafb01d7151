"""--baseline FILE / --update-baseline: record today's findings, fail only on new ones, matched by
the SARIF fingerprint (no line numbers)."""
from __future__ import annotations

import json

import pytest

from cli_helpers import write

SOURCE = "x = 1\nbad()\nif x:\n    risky()\n"


@pytest.fixture
def recorded(cli, project):
    write(project / "a.py", SOURCE)
    result = cli("--no-cache", "--baseline", "base.json", "--update-baseline")
    assert result.code == 0 and result.out == ""
    assert result.err == "dllint: recorded 2 findings in base.json\n"
    return project


def test_the_baseline_file_is_sorted_stable_json_without_line_numbers(cli, recorded):
    text = (recorded / "base.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["dllint-baseline"] == 1
    assert [(f["path"], f["code"]) for f in data["findings"]] == [("a.py", "TST001"), ("a.py", "TST002")]
    assert all(set(f) == {"path", "code", "fingerprint", "message"} for f in data["findings"])
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert cli("--no-cache", "--baseline", "base.json", "--update-baseline").code == 0
    assert (recorded / "base.json").read_text(encoding="utf-8") == text


def test_baselined_findings_pass_and_survive_moved_and_reindented_lines(cli, recorded):
    result = cli("--no-cache", "--baseline", "base.json")
    assert result.code == 0
    assert result.out == "2 findings accepted by the baseline.\nAll checks passed!\n"
    write(recorded / "a.py", "import os\n\n\n" + SOURCE.replace("if x:\n    risky()", "if x:\n        risky()"))
    assert cli("--no-cache", "--baseline", "base.json").code == 0


def test_only_new_findings_are_reported_and_fail(cli, recorded):
    write(recorded / "a.py", SOURCE + "bad()\nbad(2)\n")
    result = cli("--no-cache", "--baseline", "base.json")
    assert result.code == 1
    assert result.out.splitlines() == [
        "a.py:5:1: TST001 call to bad() [*]",  # a second copy of a baselined line is new
        "a.py:6:1: TST001 call to bad() [*]",
        "",
        "2 findings accepted by the baseline.",
        "Found 2 new findings (2 fixable with --fix).",
    ]
    findings = json.loads(cli("--no-cache", "--baseline", "base.json", "--format", "json").out)
    assert [(f["line"], f["code"]) for f in findings] == [(5, "TST001"), (6, "TST001")]


def test_fixed_findings_are_reported_as_gone(cli, recorded):
    write(recorded / "a.py", "x = 1\nbad()\n")
    result = cli("--no-cache", "--baseline", "base.json")
    assert result.code == 0
    assert result.err == ("dllint: warning: 1 finding(s) recorded in base.json no longer occur; "
                          "--update-baseline drops them\n")


def test_baseline_and_sarif_share_one_fingerprint(cli, recorded):
    log = json.loads(cli("--no-cache", "--format", "sarif").out)
    sarif = {r["partialFingerprints"]["dllint/v1"] for r in log["runs"][0]["results"]}
    baseline = {f["fingerprint"] for f in json.loads((recorded / "base.json").read_text())["findings"]}
    assert sarif == baseline and len(sarif) == 2


def test_identical_lines_get_their_occurrence_index(cli, project):
    write(project / "a.py", "bad()\nbad()\n")
    log = json.loads(cli("--no-cache", "--format", "sarif").out)
    prints = [r["partialFingerprints"]["dllint/v1"] for r in log["runs"][0]["results"]]
    assert prints[0].rsplit(":", 1)[0] == prints[1].rsplit(":", 1)[0]
    assert [p.rsplit(":", 1)[1] for p in prints] == ["1", "2"]


def test_the_baseline_is_the_same_with_any_number_of_jobs(cli, project):
    for index in range(8):
        write(project / f"m{index}.py", SOURCE * (index + 1))
    cli("--no-cache", "--jobs", "1", "--baseline", "one.json", "--update-baseline")
    cli("--no-cache", "--jobs", "3", "--baseline", "three.json", "--update-baseline")
    assert (project / "one.json").read_bytes() == (project / "three.json").read_bytes()


@pytest.mark.parametrize("content, message", [
    (None, "dllint: error: baseline file not found: base.json (create it with --update-baseline)\n"),
    ("{", "dllint: error: base.json: not a dllint baseline (invalid JSON: "),
    ("[]", 'dllint: error: base.json: not a dllint baseline (no "dllint-baseline": 1)\n'),
    ('{"dllint-baseline": 1, "findings": [{"code": "X"}]}',
     'dllint: error: base.json: not a dllint baseline ("findings" must be a list of objects with a '
     '"fingerprint")\n'),
])
def test_a_missing_or_corrupt_baseline_is_a_one_line_error(cli, project, content, message):
    write(project / "a.py", SOURCE)
    if content is not None:
        write(project / "base.json", content)
    result = cli("--no-cache", "--baseline", "base.json")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith(message) and result.err.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (["--update-baseline"], "--update-baseline needs --baseline FILE"),
    (["--baseline", "b.json", "--diff"], "--baseline cannot be combined with --diff"),
    (["--baseline", "b.json", "-"], '--baseline cannot be used with "-" (stdin)'),
    (["--baseline", "b.json", "--update-baseline", "--statistics"],
     "--update-baseline writes the baseline and reports nothing"),
])
def test_baseline_misuse_is_an_error(cli, project, args, message):
    write(project / "b.json", '{"dllint-baseline": 1, "findings": []}')
    result = cli("--no-cache", *args, stdin=b"bad()\n" if "-" in args else None)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1
