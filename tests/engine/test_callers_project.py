"""The callers of a function across the project (dllint/analysis/callers.py), on two fixture
projects: DL102 in decoding helpers that other modules run under ``no_grad``
(tests/engine/grad_callers_project.py) and DL401 in preprocessing helpers whose callers in other
modules split what they fitted (tests/engine/split_callers_project.py). The findings are the same
whether the project is linted as a directory, one file at a time (each in a fresh process, as
pre-commit or an editor does) or through flake8 (pre-commit itself:
tests/integrations/test_precommit_project.py), and a helper's cached findings go stale when a
caller in another module changes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.callers import ProjectCallers
from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import flake8_each_file, lint_each_file, lint_findings  # noqa: E402
import grad_callers_project  # noqa: E402
import split_callers_project  # noqa: E402

PROJECTS = {"DL102": grad_callers_project, "DL401": split_callers_project}


@pytest.fixture(params=sorted(PROJECTS))
def case(request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    fixture = PROJECTS[request.param]
    fixture.write(tmp_path)
    return request.param, fixture, tmp_path


def test_as_a_directory(case, capsys):
    code, fixture, _ = case
    assert lint_findings(capsys, code, "--no-cache", ".") == fixture.EXPECTED


def test_one_file_at_a_time(case, capsys):
    code, fixture, _ = case
    assert lint_each_file(capsys, code, fixture.FILES) == fixture.EXPECTED


def test_through_flake8(case):
    code, fixture, project = case
    assert flake8_each_file(project, (code,), fixture.FILES) == fixture.EXPECTED


def test_a_helpers_findings_go_stale_when_its_caller_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    grad_callers_project.write(tmp_path)
    assert lint_findings(capsys, "DL102", ".") == grad_callers_project.EXPECTED
    generate = tmp_path / "generate.py"
    text = generate.read_text()
    # greedy_step's only caller now runs it with gradients on: decoding.py reports it
    generate.write_text(text.replace("with torch.no_grad():", "if True:"))
    PROJECT.clear()  # a new run is a new process
    found = lint_findings(capsys, "DL102", ".")
    assert {("decoding.py", 6, "DL102"), ("decoding.py", 16, "DL102")} <= found
    generate.write_text(text)
    PROJECT.clear()
    assert lint_findings(capsys, "DL102", ".") == grad_callers_project.EXPECTED


def test_a_fitting_helper_goes_stale_when_its_caller_splits_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    split_callers_project.write(tmp_path)
    assert lint_findings(capsys, "DL401", ".") == split_callers_project.EXPECTED
    tuner = tmp_path / "modeling/tuner.py"
    text = tuner.read_text()
    tuner.write_text(text.replace("    data, pipeline = structured_preprocesser(data)\n", ""))
    PROJECT.clear()
    assert lint_findings(capsys, "DL401", ".") == split_callers_project.EXPECTED - {
        ("preprocessing/prep.py", 14, "DL401"), ("modeling/tuner.py", 13, "DL401")}


def _sites(project: Path, module: str, function: str) -> list[tuple[str, int]] | None:
    from dllint.analysis.project import PROJECT as view
    ctx = view.context((project / module).resolve())
    assert ctx is not None
    found = [n for n in ctx.index.of_type(cst.FunctionDef) if n.name.value == function]
    sites = ctx.analysis(ProjectCallers).sites(found[0])
    if sites is None:
        return None
    return [(Path(s.ctx.path).name, s.ctx.position(s.call).start.line) for s in sites]


def test_the_call_sites(tmp_path):
    PROJECT.clear()
    grad_callers_project.write(tmp_path)
    # a star import, and an attribute of the imported module
    assert _sites(tmp_path, "decoding.py", "greedy_step") == [("generate.py", 10)]
    assert _sites(tmp_path, "decoding.py", "beam_step") == [("generate.py", 11), ("train.py", 14)]
    assert _sites(tmp_path, "decoding.py", "unused_step") == []
    assert _sites(tmp_path, "decoding.py", "scored_step") is None  # used as a value in serve.py
    assert _sites(tmp_path, "decoding.py", "decode") == [("serve.py", 9)]
    assert _sites(tmp_path, "decoding.py", "__init__") is None  # run by Decoder(...), no call names it


def test_without_a_project_nothing_is_known_of_the_callers():
    from dllint.testing import lint_snippet
    found = lint_snippet(grad_callers_project.FILES["decoding.py"], ["DL102"], path="not-here/decoding.py")
    assert len(found) == 10  # every .data read of decoding.py, the constructors too


def test_a_notebook_that_names_the_helper_leaves_its_callers_unknown(tmp_path, monkeypatch, capsys):
    """dllint lints notebooks, but the project view parses modules only: a notebook cell that may
    call the helper with gradients on makes "every caller runs it under no_grad" unknown."""
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    grad_callers_project.write(tmp_path)
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": ["from decoding import greedy_step\n", "greedy_step(model, x)\n"]}
    (tmp_path / "explore.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert _sites(tmp_path, "decoding.py", "greedy_step") is None
    assert _sites(tmp_path, "decoding.py", "sample_step") == [("generate.py", 12)]
    assert ("decoding.py", 6, "DL102") in lint_findings(capsys, "DL102", "--no-cache", "decoding.py")
