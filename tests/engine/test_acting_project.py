"""Acting and computing targets inside the training step are no evaluation (eighth audit, cause
BM): the loop that calls ``agent.learn(batch)``, a method of another module's class that
back-propagates, runs training steps, though this file never names the agent's network; the
agent's ``no_grad`` passes reached from that loop are part of training. Evaluation episodes run
elsewhere in training mode are still found, and named."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
import acting_project  # noqa: E402  (the fixture project's files)
from project_lint import lint_each_file, lint_findings  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return acting_project.write(tmp_path)


def test_acting_and_targets_in_the_training_loop_are_training(project, capsys):
    assert lint_findings(capsys, "DL301,DL302", "--no-cache", ".") == acting_project.EXPECTED
    assert lint_each_file(capsys, "DL301,DL302", acting_project.FILES) == acting_project.EXPECTED


def test_evaluation_episodes_left_in_training_mode_are_found(project, capsys):
    main_py = project / "main.py"
    main_py.write_text(main_py.read_text().replace("        self.agent.net.eval()\n", ""))
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {acting_project.ACTING}
    PROJECT.clear()
    from dllint.cli import main
    main(["--select", "DL301", "--no-cache", "agent.py"])
    out = capsys.readouterr().out
    assert "called in training mode at main.py:27" in out  # the evaluation episode (eval() removed above it), not the acting step


def test_the_step_is_found_through_the_holder_class(project):
    # the fact itself: the runner's step loop is a training loop of main.py
    import libcst as cst

    from dllint.analysis.modes import Modes
    from dllint.context import FileContext
    path = project / "main.py"
    source = path.read_text()
    PROJECT.begin_file()
    ctx = FileContext(str(path), source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    lines = sorted(ctx.position(loop).start.line for loop in modes.step_loops)
    assert lines == [16]


def test_a_method_that_runs_epochs_makes_no_step_loop(tmp_path, monkeypatch, capsys):
    # ``trainer.train_epoch(loader)`` loops over its loader: the loop around the call runs epochs,
    # and a pass next to it is an evaluation, reported in training mode
    from project_lint import write_files
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    write_files(tmp_path, {
        "pyproject.toml": '[project]\nname = "epochs"\n',
        "trainer.py": '''import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            torch.nn.functional.cross_entropy(self.model(x), y).backward()
            self.optimizer.step()
''',
        "main.py": '''import torch
from torch import nn
from trainer import Trainer

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
trainer = Trainer(model)
for epoch in range(10):
    trainer.train_epoch(loader)
    with torch.no_grad():
        print(model(sample).argmax(1))
''',
    })
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {("main.py", 10, "DL301")}
