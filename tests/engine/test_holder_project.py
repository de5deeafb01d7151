"""The callers of a model holder's method in the other modules of the project decide whether its
evaluation runs in training mode (issue 13, audit cause B): found through the imports of each
module, followed through a helper that receives the holder, the same from the directory or file by
file, and a cached result goes stale when a caller changes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT
from dllint.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import holder_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return holder_project.write(tmp_path)


def _lint(capsys, *args: str) -> list[dict]:
    code = main(["--format", "json", "--select", "DL301", *args])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


def _found(findings: list[dict]) -> set[tuple[str, int, str]]:
    return {(Path(d["path"]).as_posix().lstrip("./"), d["line"], d["code"]) for d in findings}


def test_callers_in_other_modules_switch_to_eval_first(project, capsys):
    assert _found(_lint(capsys, "--no-cache", ".")) == holder_project.EXPECTED
    PROJECT.clear()
    assert _found(_lint(capsys, "--no-cache", "agent.py")) == holder_project.EXPECTED


def test_a_caller_that_leaves_the_network_training_is_named(project, capsys):
    main_py = project / "main.py"
    main_py.write_text(main_py.read_text().replace("        dqn.eval()\n", ""))
    (found,) = _lint(capsys, "--no-cache", ".")
    assert (Path(found["path"]).name, found["line"], found["code"]) == holder_project.EVALUATION
    assert "called in training mode at evaluation.py:2" in found["message"]  # from main.py


def test_a_caller_of_another_class_s_method_of_the_same_name_is_not_one(project, capsys):
    # ``other.evaluate_q()`` on an instance of another class says nothing of Agent's callers
    (project / "probe.py").write_text("from critic import Critic\n\nc = Critic()\nc.train()\n"
                                      "c.evaluate_q(s)\n")
    assert _found(_lint(capsys, "--no-cache", "agent.py")) == holder_project.EXPECTED


def test_without_callers_the_class_s_own_switches_decide(project, capsys):
    (project / "main.py").unlink()
    (project / "evaluation.py").unlink()
    (found,) = _lint(capsys, "--no-cache", ".")
    assert (Path(found["path"]).name, found["line"]) == holder_project.EVALUATION[:2]
    assert "this class calls `.train()`" in found["message"]


def test_a_cached_result_goes_stale_when_a_caller_changes(project, capsys):
    assert _found(_lint(capsys, ".")) == holder_project.EXPECTED
    main_py = project / "main.py"
    main_py.write_text(main_py.read_text().replace("        dqn.eval()\n", ""))
    assert _found(_lint(capsys, ".")) == {holder_project.EVALUATION}
