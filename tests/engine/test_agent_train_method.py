"""An agent's own learning method named ``train`` (tenth audit, cause BM): ``agent.train(buffer)``
or ``agent.train()`` on an instance of another module's plain class (no ``nn.Module``) runs that
class's method, a training step, and sets no mode. The acting and double-Q target passes reached
from its loop are training, as with ``agent.learn(batch)`` (tests/engine/test_acting_project.py);
an evaluation episode left in training mode is still found, and ``train()`` on an instance of a
module class stays a mode switch."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.modes import Modes
from dllint.analysis.project import PROJECT
from dllint.context import FileContext

sys.path.insert(0, str(Path(__file__).parent))
import acting_project  # noqa: E402  (the fixture project's files)
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

LEARN_CALL = "            self.agent.learn(self.buffer.sample())\n"


def _train_with_batch() -> dict[str, str]:
    """``def train(self, batch)`` called as ``self.agent.train(self.buffer.sample())``."""
    files = dict(acting_project.FILES)
    files["agent.py"] = files["agent.py"].replace("def learn(self, batch):", "def train(self, batch):")
    files["main.py"] = files["main.py"].replace(
        LEARN_CALL, "            self.agent.train(self.buffer.sample())\n")
    return files


def _train_from_own_buffer() -> dict[str, str]:
    """``def train(self)`` drawing from the agent's own buffer, called every few environment
    steps: ``if step % 4 == 0: self.agent.train()``."""
    files = dict(acting_project.FILES)
    files["agent.py"] = files["agent.py"].replace(
        "    def learn(self, batch):\n",
        "    def train(self):\n        batch = self.memory.sample()\n")
    files["main.py"] = files["main.py"].replace(
        LEARN_CALL,
        "            if step % 4 == 0:\n"
        "                self.agent.train()\n")
    return files


VARIANTS = {"train(batch)": _train_with_batch, "train()": _train_from_own_buffer}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    files = VARIANTS[request.param]()
    assert files != acting_project.FILES  # the replacements above found their text
    write_files(tmp_path, files)
    return tmp_path, files


def _modes(path: Path) -> tuple[FileContext, Modes]:
    source = path.read_text()
    PROJECT.begin_file()
    ctx = FileContext(str(path), source, cst.parse_module(source))
    return ctx, ctx.analysis(Modes)


def _agent_train_call(ctx: FileContext, modes: Modes) -> cst.Call:
    found = [call for call in modes.calls if ctx.code_for(call).startswith("self.agent.train(")]
    assert len(found) == 1
    return found[0]


def test_acting_and_targets_around_agent_train_are_training(variant, capsys):
    _root, files = variant
    assert lint_findings(capsys, "DL301,DL302", "--no-cache", ".") == acting_project.EXPECTED
    assert lint_each_file(capsys, "DL301,DL302", files) == acting_project.EXPECTED


def test_agent_train_is_a_training_step_not_a_mode_switch(variant):
    root, _files = variant
    ctx, modes = _modes(root / "main.py")
    call = _agent_train_call(ctx, modes)
    assert modes.switch(call) is None
    assert modes.user_method(call)
    assert call in modes._external_steps
    assert "self.agent" not in modes.mode_keys


def test_evaluation_episodes_left_in_training_mode_are_found(variant, capsys):
    root, _files = variant
    main_py = root / "main.py"
    main_py.write_text(main_py.read_text().replace("        self.agent.net.eval()\n", ""))
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {acting_project.ACTING}


@pytest.mark.parametrize("signature, switch", [
    # ``class Agent(nn.Module)`` overriding ``nn.Module.train(mode)``: a switch
    ("def train(self, mode=True):\n        batch = mode", True),
    ("def train(self, batch):\n        super().train(True)", True),
    # (thirteenth audit, DN) its own ``train(self, batch)``, a learning step that shadows
    # ``nn.Module.train``: the class's own method, no switch
    ("def train(self, batch):", False),
])
def test_train_on_a_module_class_instance(tmp_path, monkeypatch, signature, switch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    files = _train_with_batch()
    files["agent.py"] = files["agent.py"].replace("def train(self, batch):", signature)
    files["agent.py"] = files["agent.py"].replace(
        "import copy\n", "import copy\nfrom torch import nn\n").replace(
        "class Agent:\n    def __init__(self, states, actions):\n",
        "class Agent(nn.Module):\n    def __init__(self, states, actions):\n        super().__init__()\n")
    assert "class Agent(nn.Module):" in files["agent.py"]
    write_files(tmp_path, files)
    ctx, modes = _modes(tmp_path / "main.py")
    call = _agent_train_call(ctx, modes)
    assert (modes.switch(call) is not None) is switch
    assert modes.user_method(call) is not switch
