"""DL101 on a project split into modules (tests/engine/graph_project.py): the graph tensors come
from another module's helper, method or meter, and the findings are the same whether the project is
linted as a directory, one file at a time (as pre-commit or an editor does, each in a fresh
process), or through flake8. The pre-commit run is in tests/integrations/test_precommit_project.py."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT
from dllint.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import flake8_each_file, lint_each_file, lint_findings  # noqa: E402
import graph_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return graph_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL101", *args)


def test_directory_and_single_files_give_the_same_findings(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == graph_project.EXPECTED
    assert lint_each_file(capsys, "DL101", graph_project.FILES) == graph_project.EXPECTED


def test_flake8_plugin_gives_the_same_findings(project):
    assert flake8_each_file(project, ("DL101",), graph_project.FILES) == graph_project.EXPECTED


def test_without_the_project_the_imported_facts_are_unknown(project, capsys):
    """A snippet that is no file has no project view: nothing is known of the helpers, so only what
    the file shows itself is reported (here: nothing), never a guess."""
    from dllint.testing import lint_snippet
    for name in ("train.py", "trainer.py"):
        found = lint_snippet(graph_project.FILES[name], ["DL101"], path=f"not-here/{name}")
        assert [d.code for d in found] == []


def test_a_cached_finding_goes_stale_when_the_helper_detaches(project, capsys):
    assert _lint(capsys, ".") == graph_project.EXPECTED
    utils = project / "src/gproj/utils.py"
    text = utils.read_text()
    utils.write_text(text.replace("    return F.cross_entropy(model(x), y)\n",
                                  "    return F.cross_entropy(model(x), y).item()\n"))
    # compute_loss now returns a float: its accumulations in evaluation.py are silent; the meter's
    # update in train.py still receives `loss`, which backward() proves is on the graph
    assert _lint(capsys, ".") == graph_project.EXPECTED - {("src/gproj/evaluation.py", 10, "DL101")}
    utils.write_text(text)
    assert _lint(capsys, ".") == graph_project.EXPECTED


def test_without_a_root_marker_a_script_in_a_package_directory_finds_its_imports(tmp_path, monkeypatch, capsys):
    """An archive without ``.git`` or ``pyproject.toml``: ``networks/train.py`` imports
    ``networks.common.metrics`` (run from the directory above); the tracker that the metrics class
    sets in ``__init__`` sums what it is given into ``self.totals``."""
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / "networks/common").mkdir(parents=True)
    (tmp_path / "networks/common/metrics.py").write_text(
        "class LossTracker:\n    def __init__(self):\n        self.totals = {}\n\n"
        "    def update(self, loss):\n        for key in loss:\n            self.totals[key] += loss[key]\n\n\n"
        "class Metrics:\n    def __init__(self):\n        self.tracker = LossTracker()\n")
    (tmp_path / "networks/train.py").write_text(
        "import torch\nfrom networks.common.metrics import Metrics\n\nmetrics = Metrics()\n"
        "for x, y in train_loader:\n    loss = model.compute_loss(x, y)\n    loss['total'].backward()\n"
        "    optimizer.step()\n    metrics.tracker.update(loss)\n")
    assert _lint(capsys, "--no-cache", "networks/train.py") == {("networks/train.py", 9, "DL101")}
    code = main(["--format", "json", "--select", "DL101", "--no-cache", "networks/train.py"])
    (finding,) = json.loads(capsys.readouterr().out)
    assert code == 1 and finding["fix"] is None  # a dict of losses has no .item(): no fix offered
