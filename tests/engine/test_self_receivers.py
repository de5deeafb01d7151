"""Which ``x.forward(...)`` calls of the project's other modules count as callers of a class's
``forward`` (DL301 through :meth:`dllint.analysis.modes.Modes.project_caller_tokens`; sixteenth
audit, cause FC, a checkout with its ``.git`` marker). ``self.forward(L=self.L)`` in a kernel's
own ``check()`` runs the kernel's forward: ``self`` there is an instance of the kernel's class
(or of a subclass), and SequenceModel's ancestry, read to its end, never meets the kernel's class
(:meth:`Modes._self_unrelated`). ``self.cell.forward(...)`` in a subclass's method reads the
``self.cell`` its base class binds in ``__init__`` (a registry's cell, not a SequenceModel). The
twins keep firing: a subclass of SequenceModel whose method calls ``self.forward`` in training
mode, and a ``self.cell`` that the base class builds as a SequenceModel."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

BASE = '''from torch import nn


class SequenceModule(nn.Module):
    def step(self, x, state=None):
        return self.forward(x, state=state)
'''

MODEL = '''import torch
import torch.nn as nn

from base import SequenceModule


class SequenceModel(SequenceModule):
    def __init__(self, d, n_layers=2, dropout=0.1):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d)

    def forward(self, inputs, *args, state=None, **kwargs):
        outputs = self.drop(inputs)
        norms = []
        for layer in self.layers:
            outputs = layer(outputs)
            norms.append(torch.mean(outputs.detach() ** 2))
        outputs = self.norm(outputs)
        return outputs, state
'''

KERNEL = '''import torch
import torch.nn as nn


class OptimModule(nn.Module):
    def register(self, name, tensor):
        self.register_buffer(name, tensor)


class Kernel(OptimModule):
    def __init__(self, L):
        super().__init__()
        self.L = L
        self.register("K", torch.ones(3, L))

    def forward(self, state=None, L=None):
        return self.K[:, :L], state

    @torch.no_grad()
    def check(self):
        diff = self.K - self.forward(L=self.L)[0]
        print(diff)


def generate_kernel(L):
    kernel = Kernel(L)
    kernel.check()
    return kernel
'''

REGISTRY = '''def instantiate(registry, name, *args):
    return registry[name](*args)
'''

RNN = '''import torch
from torch import nn

import registry
from base import SequenceModule
from model import SequenceModel

cell_registry = {{"lstm": nn.LSTMCell}}


class RNN(SequenceModule):
    def __init__(self, d, cell="lstm"):
        super().__init__()
        self.cell = {cell}


class PackedRNN(RNN):
    def forward(self, inputs, state=None):
        outputs = []
        for step_input in inputs:
            with torch.no_grad():
                output, state = self.cell.forward(step_input, state)
            outputs.append(output)
        return torch.stack(outputs), state


def generate(x):
    rnn = PackedRNN(8)
    return rnn(x)
'''

FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "base.py": BASE,
    "model.py": MODEL,
    "kernel.py": KERNEL,
    "registry.py": REGISTRY,
    "rnn.py": RNN.format(cell="registry.instantiate(cell_registry, cell, d, d)"),
}

# a subclass of SequenceModel that runs its own forward in training mode, under no_grad
PROBE = '''import torch

from model import SequenceModel


class Probe(SequenceModel):
    @torch.no_grad()
    def check(self, x):
        return self.forward(x)[0].norm()


def probe(x):
    model = Probe(8)
    return model.check(x)
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, FILES)


def _callers(root: Path, klass: str, key: str) -> dict[tuple[str, int], frozenset]:
    """The project callers of ``klass.forward`` in model.py, with the modes of ``key`` there."""
    from dllint.analysis.modes import Modes
    from dllint.context import FileContext

    path = (root / "model.py").resolve()
    source = path.read_text()
    PROJECT.clear()
    PROJECT.begin_file()
    ctx = FileContext(str(path), source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    forward = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "forward"
                   and modes.regions.class_of(f).name.value == klass)
    found = modes.project_caller_tokens(forward, key) or []
    return {(Path(other.path).name, other.position(call).start.line): tokens for other, call, tokens in found}


def test_another_classs_self_forward_is_no_caller(project, capsys):
    callers = _callers(project, "SequenceModel", "self.drop")
    assert ("kernel.py", 21) not in callers  # Kernel.check: the kernel's own forward
    assert ("rnn.py", 22) not in callers  # self.cell: the registry's cell that RNN.__init__ binds
    assert ("base.py", 6) in callers  # SequenceModule.step: a SequenceModel is one
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()


def test_a_subclasss_self_forward_is_a_caller(project, capsys):
    write_files(project, {"probe.py": PROBE})
    PROJECT.clear()
    assert ("probe.py", 9) in _callers(project, "SequenceModel", "self.drop")
    PROJECT.clear()
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {("model.py", 15, "DL301")}


def test_a_cell_built_as_a_sequence_model_is_a_caller(project):
    write_files(project, {"rnn.py": RNN.format(cell="SequenceModel(d)")})
    assert ("rnn.py", 22) in _callers(project, "SequenceModel", "self.drop")


def test_an_unreadable_base_keeps_the_kernel_a_caller(project):
    # SequenceModel's base from a project package that is not there: it may derive from Kernel
    model = (project / "model.py").read_text().replace("from base import SequenceModule",
                                                       "from pkg.base import SequenceModule")
    write_files(project, {"model.py": model, "pkg/__init__.py": ""})
    assert ("kernel.py", 21) in _callers(project, "SequenceModel", "self.drop")
