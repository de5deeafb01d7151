"""An ``nn.Module``'s own inference method that runs ``self(...)`` without ``self.eval()`` is judged
by its callers across the project (issue 14, mead-ml/mead-baseline#680): reported while one caller's
mode cannot be read (a service's ``torch.load``-ed model), silent when every caller switches to eval
mode first, named when a caller leaves the model training; silent when the method switches itself."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
import self_pass_project  # noqa: E402  (the fixture project's files)
from project_lint import lint_findings  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return self_pass_project.write(tmp_path)


def test_a_caller_whose_mode_is_unknown_leaves_the_pass_unguarded(project, capsys):
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == self_pass_project.EXPECTED
    PROJECT.clear()
    assert lint_findings(capsys, "DL301", "--no-cache", "model.py") == self_pass_project.EXPECTED


def test_every_caller_switching_to_eval_first_guards_the_pass(project, capsys):
    service = project / "service.py"
    service.write_text(service.read_text().replace("        return self.model.predict(batch)",
                                                   "        self.model.eval()\n        return self.model.predict(batch)"))
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()


def test_a_caller_in_training_mode_is_named(project, capsys):
    (project / "service.py").unlink()
    (project / "evaluate.py").write_text(
        "from model import TaggerModel\n\nmodel = TaggerModel(100, 5)\nfor x, y in train_batches:\n"
        "    step(model, x, y)\nprint(model.predict(test_x))\n")
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == self_pass_project.EXPECTED


def test_a_method_that_switches_itself_is_silent(project, capsys):
    model = project / "model.py"
    model.write_text(model.read_text().replace("        inputs = torch.as_tensor(batch)\n",
                                               "        self.eval()\n        inputs = torch.as_tensor(batch)\n"))
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()
