"""Values never on the autograd graph (``dllint/analysis/off_graph.py``): the parts of a model's
output that its ``forward`` computes without the graph (sampled indices, a reward computed from the
inputs), followed into the forward of a project class, its submodules' forwards (a nested tuple)
and its helper methods; DL102 reads them (seventh audit, cause BH)."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.off_graph import OffGraph
from dllint.analysis.project import PROJECT
from dllint.context import FileContext

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

MODEL = '''import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(2, 1)

    def pick(self, probs, inputs):
        idxs = probs.multinomial(1).squeeze(1)
        for old in range(3):
            if bool(old):
                idxs = torch.argmax(probs, dim=1)
        return inputs[torch.arange(inputs.size(0)), idxs], idxs

    def forward(self, inputs):
        outputs, selections = [], []
        for step in range(inputs.size(1)):
            probs = torch.softmax(self.score(inputs).squeeze(-1), dim=-1)
            chosen, idxs = self.pick(probs, inputs)
            outputs.append(probs)
            selections.append(idxs)
        return (outputs, selections), chosen


class Solver(nn.Module):
    def __init__(self):
        super().__init__()
        self.decoder = Decoder()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, inputs):
        (probs, idxs), last = self.decoder(inputs)
        tours = []
        for idx in idxs:
            tours.append(inputs[:, idx])
        length = torch.stack(tours).norm(dim=-1).sum(0)
        return length, probs, idxs, length * self.scale
'''

FILES = {
    "pyproject.toml": '[project]\nname = "solver"\n',
    "src/solver/__init__.py": "",
    "src/solver/model.py": MODEL,
    "train.py": '''import torch

from solver.model import Solver

if resume:
    model = torch.load("solver.pt")
else:
    model = Solver()
model = model.cuda()
model.eval()
for batch in loader:
    R, probs, idxs, scaled = model(batch)
    print(R.data)
    print(idxs[0].data)
    print(probs[0].data)
    print(scaled.data)
''',
}

EXPECTED = {
    ("train.py", 15, "DL102"),  # probs: the decoder's softmax, on the graph
    ("train.py", 16, "DL102"),  # the length times a parameter: on the graph
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, FILES)


def test_parts_of_an_imported_models_output_off_the_graph(project, capsys):
    assert lint_findings(capsys, "DL102", "--no-cache", ".") == EXPECTED
    assert lint_each_file(capsys, "DL102", FILES) == EXPECTED


def _off_parts(source: str, count: int) -> list[bool]:
    source = textwrap.dedent(source)
    ctx = FileContext("snippet.py", source, cst.parse_module(source))
    off = ctx.analysis(OffGraph)
    call = next(c for c in ctx.index.of_type(cst.Call) if isinstance(c.func, cst.Name) and c.func.value == "model")
    return [off.model_part_off(call, (k,), lambda arg: True) for k in range(count)]


def test_a_model_of_the_file_returns_integer_results_off_the_graph():
    source = MODEL + '''
model = Solver()
out = model(batch)
'''
    assert _off_parts(source, 4) == [True, False, True, False]


def test_what_is_not_known_stays_on_the_graph():
    source = """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self, reward_fn):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.reward_fn = reward_fn
            self.memory = []

        def forward(self, x):
            h = self.fc(x)
            rows = []
            rows.append(h)                 # a graph tensor appended
            scores = [x.sum()]
            scores.append(self.fc(x).sum())
            top = h.max(1)[0]              # the values of max, not its indices
            return h.argmax(1), rows, scores, top, self.reward_fn(x), self.memory, x

    model = Net(fn)
    out = model(batch)
    """
    assert _off_parts(source, 7) == [True, False, False, False, False, False, True]
    # a model read from a file, and nothing else: its class is not known
    assert _off_parts("model = torch.load('m.pt')\nout = model(batch)\n", 1) == [False]


def test_a_long_diamond_shaped_chain_is_judged_once_per_value():
    """``a_i = a_(i-1) + a_(i-1) * 2``: each value is judged once (2 ** 40 paths otherwise), inside
    a loop too, where the values reach themselves round it. (Short enough for the default
    recursion limit: the engine lints in a thread with a deep stack.)"""
    body = ["        a0 = x.argmax(1)"]
    body += [f"        a{i} = a{i - 1} + a{i - 1} * 2" for i in range(1, 40)]
    body += ["        for step in range(3):"]
    body += [f"            a{i} = a{i - 1} + a{i - 2} * a{i - 1}" for i in range(40, 60)]
    body += ["            a40 = a59 + a40", "        return a59, a40, self.fc(x)"]
    source = "\n".join([
        "import torch.nn as nn",
        "class M(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        "        self.fc = nn.Linear(2, 2)",
        "    def forward(self, x):",
        *body,
        "model = M()",
        "out = model(batch)",
    ]) + "\n"
    assert _off_parts(source, 3)[2] is False
    assert _off_parts(source, 1) in ([True], [False])  # answered; a cycle may keep it unproven
