"""Output formats: text, json (public schema), sarif (validated against the SARIF 2.1.0 schema),
github workflow commands, and --statistics."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import write
from dllint.diagnostics import Diagnostic
from dllint.reports.github import escape_data, escape_property, format_line

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json")
                    .read_text(encoding="utf-8"))
SOURCE = "x = 1\nbad()\n  # comment\nif x:\n    risky()\ntodo()\n"
JSON_KEYS = ["path", "line", "column", "end_line", "end_column", "code", "name", "message",
             "severity", "fix", "url", "cell"]


def notebook(*cells) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "source": text} for kind, text in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def tree(project):
    write(project / "src" / "a.py", SOURCE)
    write(project / "nb.ipynb", notebook(("markdown", "# Title"), ("code", "x = 1\n"),
                                         ("markdown", "text"), ("code", "y = 2\nbad()\n")))
    return project


def test_text(cli, tree):
    result = cli("--no-cache", "--extend-select", "TST003")
    assert result.out.splitlines() == [
        "nb.ipynb:cell 4:2:1: TST001 call to bad() [*]",
        "src/a.py:2:1: TST001 call to bad() [*]",
        "src/a.py:5:5: TST002 call to risky()",
        "src/a.py:6:1: TST003 call to todo(): 50% done, a:b,c",
        "",
        "Found 4 findings (2 fixable with --fix, 1 more with --fix --unsafe-fixes).",
    ]


def test_json_has_exactly_the_public_keys(cli, tree):
    result = cli("--no-cache", "--format", "json")
    findings = json.loads(result.out)
    assert result.code == 1
    assert all(list(f) == JSON_KEYS for f in findings)
    nb, bad, risky = findings
    assert nb == {
        "path": "nb.ipynb", "line": 2, "column": 1, "end_line": 2, "end_column": 6, "code": "TST001",
        "name": "bad-call", "message": "call to bad()", "severity": "warning",
        "fix": {"applicability": "safe", "message": "call good()", "edits": [  # cell coordinates
            {"content": "good", "line": 2, "column": 1, "end_line": 2, "end_column": 4}]},
        "url": nb["url"], "cell": 4,
    }
    assert bad["cell"] is None and bad["path"] == "src/a.py"
    assert bad["fix"] == {"applicability": "safe", "message": "call good()", "edits": [
        {"content": "good", "line": 2, "column": 1, "end_line": 2, "end_column": 4}]}
    assert risky["severity"] == "error" and risky["fix"]["applicability"] == "unsafe"
    assert bad["url"].endswith("/rules/TST001.md")


def test_json_empty_is_an_empty_array(cli, project):
    write(project / "a.py", "x = 1\n")
    result = cli("--format", "json")
    assert json.loads(result.out) == [] and result.code == 0


def test_json_paths_as_given(cli, tree):
    result = cli("--no-cache", "--format", "json", "./src/a.py", str(tree / "src"))
    paths = {f["path"] for f in json.loads(result.out)}
    assert paths == {"./src/a.py"}  # the same file twice is linted once, under its first name


def test_sarif_validates_against_the_schema(cli, tree):
    result = cli("--no-cache", "--format", "sarif", "--extend-select", "TST003")
    log = json.loads(result.out)
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert result.code == 1


def test_sarif_content_for_code_scanning(cli, tree):
    (tree / ".git").mkdir()
    log = json.loads(cli("--no-cache", "--format", "sarif", "--extend-select", "TST003").out)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dllint" and driver["version"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(ids) and {"TST001", "TST002", "TST003", "DL001"} <= set(ids)
    rule = driver["rules"][ids.index("TST002")]
    assert rule["name"] == "risky-call"
    assert rule["shortDescription"]["text"] == "A call to risky()."
    assert "unsafe fix" in rule["fullDescription"]["text"]
    assert rule["help"]["text"] and rule["help"]["markdown"].startswith("# TST002: risky-call")
    assert rule["helpUri"].endswith("TST002.md")
    assert rule["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][ids.index("TST003")]["defaultConfiguration"]["level"] == "note"
    dl001 = driver["rules"][ids.index("DL001")]
    assert dl001["help"]["markdown"] == (Path(__file__).resolve().parents[2] / "rules" / "DL001.md").read_text()
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["TST001", "TST001", "TST002", "TST003"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert set(location["physicalLocation"]["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert list(result["partialFingerprints"].values())[0]
    risky = results[2]
    assert risky["level"] == "error" and risky["message"]["text"] == "call to risky()"
    assert risky["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/a.py"
    assert risky["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 12}
    assert results[0]["message"]["text"] == "cell 4: call to bad()"
    assert results[0]["properties"] == {"cell": 4}


def test_sarif_uri_is_repository_relative_from_a_subdirectory(cli, tree, monkeypatch):
    (tree / ".git").mkdir()
    monkeypatch.chdir(tree / "src")
    log = json.loads(cli("--no-cache", "--format", "sarif", "a.py").out)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"src/a.py"}


def test_sarif_fingerprint_survives_moving_the_line(cli, project):
    write(project / "a.py", "bad()\n")
    first = json.loads(cli("--no-cache", "--format", "sarif").out)["runs"][0]["results"][0]
    write(project / "a.py", "import os\n\n\n    bad()\n".replace("    bad", "bad"))
    second = json.loads(cli("--no-cache", "--format", "sarif").out)["runs"][0]["results"][0]
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert first["partialFingerprints"] == second["partialFingerprints"]
    write(project / "a.py", "bad(2)\n")
    third = json.loads(cli("--no-cache", "--format", "sarif").out)["runs"][0]["results"][0]
    assert third["partialFingerprints"] != first["partialFingerprints"]


def test_sarif_without_findings_is_valid(cli, project):
    write(project / "a.py", "x = 1\n")
    log = json.loads(cli("--format", "sarif").out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_for_a_parse_error_is_valid(cli, project):
    write(project / "a.py", "def f(:\n")
    log = json.loads(cli("--format", "sarif", "--no-cache").out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "DL001"


def test_github(cli, tree):
    result = cli("--no-cache", "--format", "github", "--extend-select", "TST003")
    assert result.out.splitlines() == [
        "::warning file=nb.ipynb,line=2,col=1,endLine=2,endColumn=6,title=dllint (TST001)::cell 4: call to bad()",
        "::warning file=src/a.py,line=2,col=1,endLine=2,endColumn=6,title=dllint (TST001)::call to bad()",
        "::error file=src/a.py,line=5,col=5,endLine=5,endColumn=12,title=dllint (TST002)::call to risky()",
        "::notice file=src/a.py,line=6,col=1,endLine=6,endColumn=7,title=dllint (TST003)::call to todo(): 50%25 done, a:b,c",
    ]
    assert result.code == 1


def test_github_paths_are_repository_relative(cli, tree, monkeypatch):
    (tree / ".git").mkdir()
    monkeypatch.chdir(tree / "src")
    out = cli("--no-cache", "--format", "github", "a.py").out
    assert out.startswith("::warning file=src/a.py,line=2,")


def test_github_escaping():
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Diagnostic("dir,x/we:ird.py", 1, 2, 3, 4, "TST001", "n", "multi\nline 100%")
    assert format_line(finding) == (
        "::warning file=dir%2Cx/we%3Aird.py,line=1,col=2,endLine=3,endColumn=4,"
        "title=dllint (TST001)::multi%0Aline 100%25")


def test_statistics_text(cli, project):
    write(project / "a.py", "bad()\nbad()\nrisky()\n")
    result = cli("--no-cache", "--statistics")
    assert result.out.splitlines() == [
        "    2  TST001  [*] bad-call",
        "    1  TST002      risky-call",
        "",
        "Found 3 findings (2 fixable with --fix, 1 more with --fix --unsafe-fixes).",
    ]
    assert result.code == 1


def test_statistics_json(cli, project):
    write(project / "a.py", "bad()\nbad()\nrisky()\n")
    assert json.loads(cli("--no-cache", "--statistics", "--format", "json").out) == [
        {"code": "TST001", "name": "bad-call", "count": 2, "fixable": 2},
        {"code": "TST002", "name": "risky-call", "count": 1, "fixable": 0},
    ]


def test_non_ascii_messages_survive(cli, project):
    write(project / "données.py", "bad()\n")
    result = cli("--no-cache", "--format", "json")
    assert json.loads(result.out)[0]["path"] == "données.py"
    log = json.loads(cli("--no-cache", "--format", "sarif").out)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "donn%C3%A9es.py"


@pytest.mark.parametrize("ascii_only", [False, True])
def test_sarif_notebook_region_points_into_the_ipynb_file(cli, project, ascii_only):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]},
             {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
              "source": ["s = 'é\\t'\n", "x = [1, 2]; y = bad(\"q\")\n", "z = 3"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=1, sort_keys=True, ensure_ascii=ascii_only) + "\n"
    write(project / "nb.ipynb", text)
    log = json.loads(cli("--no-cache", "--format", "sarif").out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    raw_line = text.splitlines()[region["startLine"] - 1]
    assert raw_line[region["startColumn"] - 1:region["endColumn"] - 1] == 'bad(\\"q\\")'
    assert result["properties"] == {"cell": 2}
    assert result["message"]["text"] == "cell 2: call to bad()"
