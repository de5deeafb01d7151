"""The mode dependence of models whose layers pass through the project's own helpers (issue 13,
seventh audit, causes BF, BG and BK): an initialisation helper that returns the layer it was given
(``layer_init(nn.Conv2d(...))``) is transparent, one that only initialises in place
(``init_weights(self.fc)``, ``self.apply(init_weights)``) adds nothing, a layer's size arguments
(``nn.Linear(np.array(shape).prod(), 120)``) and a loss module kept on the model add nothing, a
factory of the file called in ``__init__`` is judged by what it returns, and a class of a project
module reached as ``modules.Block(...)`` by its definition. A helper that adds, wraps or hides a
layer keeps the model mode-dependent (or unknown)."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.models import NO_DEPENDENCE, UNKNOWN_DEPENDENCE, YES_DEPENDENCE, Models
from dllint.analysis.project import PROJECT
from dllint.context import FileContext

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

HELPERS = """import copy
import numpy as np
import torch.nn as nn


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


def ortho_to(layer, device, *, gain=1.0):
    nn.init.orthogonal_(layer.weight.data, gain)
    layer.bias.data.zero_()
    return layer.to(device)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


def init_sized(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=1 / (2 * np.sqrt(m.in_features)))
        m.bias.data.fill_(0.0)


def add_dropouts(m):
    if isinstance(m, nn.Sequential):
        m.append(nn.Dropout(0.1))


def with_dropout(layer):
    return nn.Sequential(layer, nn.Dropout(0.2))


def adds_dropout(layer):
    layer.drop = nn.Dropout(0.2)
    return layer


def registers_dropout(layer):
    layer.add_module("drop", nn.Dropout(0.2))
    return layer


def passes_it_on(layer):
    decorate(layer)
    return layer


def copied(layer):
    return copy.deepcopy(layer)


def conv_stack():
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.LeakyReLU(), nn.Flatten())


def dropped_stack(p):
    return nn.Sequential(nn.Linear(8, 8), nn.Dropout(p))


class Net(nn.Module):
    def __init__(self, shape):
        super().__init__()
{body}
"""


def _context(source: str) -> FileContext:
    return FileContext("example.py", source, cst.parse_module(source))


def _class_dependence(body: str) -> str:
    """The dependence of ``Net`` with ``body`` as its ``__init__`` (after ``super().__init__()``)."""
    ctx = _context(HELPERS.format(body="\n".join("        " + line for line in body.splitlines())))
    models = ctx.analysis(Models)
    return models.class_dependence(models.classes["Net"]).value


@pytest.mark.parametrize("body, expected", [
    # cleanrl's QNetwork: every layer through layer_init, the first sized by an expression
    ("self.network = nn.Sequential(\n"
     "    layer_init(nn.Linear(np.array(shape).prod(), 120)), nn.ReLU(),\n"
     "    layer_init(nn.Linear(120, 84)), nn.LayerNorm(84), nn.ReLU(),\n"
     ")\n"
     "self.head = layer_init(nn.Linear(84, 2), std=0.01)", NO_DEPENDENCE),
    # a keyword-only gain and a move in the return: still the layer it was given
    ("self.fc = ortho_to(nn.Linear(4, 4), 'cpu', gain=0.5)", NO_DEPENDENCE),
    # initialised in place: the call's value is unused
    ("self.fc = nn.Linear(4, 4)\ninit_weights(self.fc)", NO_DEPENDENCE),
    ("self.fc = nn.Linear(4, 4)\nself.apply(init_weights)", NO_DEPENDENCE),
    # (thirteenth audit, DN) ``apply`` hands each existing submodule to ``f`` and keeps nothing it
    # returns: an initialiser that reads a module attribute, a method, a library's function add
    # no layer; one seen to build and append a layer may
    ("self.fc = nn.Linear(4, 4)\nself.apply(init_sized)", NO_DEPENDENCE),
    ("self.fc = nn.Linear(4, 4)\nself.apply(self._init_weights)", NO_DEPENDENCE),
    ("self.fc = nn.Linear(4, 4)\nself.apply(some_library.init_weights)", NO_DEPENDENCE),
    ("self.fc = nn.Sequential(nn.Linear(4, 4))\nself.apply(add_dropouts)", UNKNOWN_DEPENDENCE),
    # an LSTM initialised through its own parameters
    ("self.lstm = nn.LSTM(8, 16)\nfor name, param in self.lstm.named_parameters():\n"
     "    nn.init.orthogonal_(param)", NO_DEPENDENCE),
    # a factory of the file called in __init__: judged by what it returns
    ("self.conv = conv_stack()\nself.fc = nn.Linear(8, 2)", NO_DEPENDENCE),
    # a loss module kept as a submodule (dragen1860's VAE)
    ("self.fc = nn.Linear(4, 4)\nself.criterion = nn.MSELoss()", NO_DEPENDENCE),
    # a size that is a call (numpy, a method of its result) adds nothing ...
    ("self.fc = nn.Linear(int(np.prod(shape)), 4)", NO_DEPENDENCE),
    # ... but a dropout rate that is a call still makes the layer mode-dependent
    ("self.drop = nn.Dropout(np.float32(0.5))", YES_DEPENDENCE),
    # the helper does not hide a dropout next to it
    ("self.fc = layer_init(nn.Linear(4, 4))\nself.drop = nn.Dropout(0.5)", YES_DEPENDENCE),
    # nor one inside the layer it is given
    ("self.body = layer_init(nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)))", YES_DEPENDENCE),
    # a helper that wraps the layer in a new Sequential with a dropout
    ("self.fc = with_dropout(nn.Linear(4, 4))", YES_DEPENDENCE),
    ("self.body = dropped_stack(0.1)", YES_DEPENDENCE),
    # helpers that return their argument but add to it, or hand it to code not seen: not transparent
    ("self.fc = adds_dropout(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    ("self.fc = registers_dropout(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    ("self.fc = passes_it_on(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    ("self.fc = nn.Linear(4, 4)\nadds_dropout(self.fc)", UNKNOWN_DEPENDENCE),
    # a helper that does not return its argument: what it returns is not seen
    ("self.fc = copied(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    # a helper of a library: not seen
    ("self.fc = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4))\n"
     "self.g = some_library.layer_init(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
])
def test_class_dependence_through_helpers(body: str, expected: str) -> None:
    assert _class_dependence(body) == expected


@pytest.mark.parametrize("line, expected", [
    ("model = layer_init(nn.Linear(4, 2))", NO_DEPENDENCE),
    ("model = nn.Sequential(layer_init(nn.Linear(4, 2)), nn.Tanh())", NO_DEPENDENCE),
    ("model = nn.Sequential(layer_init(nn.Linear(4, 2)), nn.Dropout(0.1))", YES_DEPENDENCE),
    ("model = layer_init(nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2)))", YES_DEPENDENCE),
    ("model = with_dropout(nn.Linear(4, 2))", YES_DEPENDENCE),
    ("model = adds_dropout(nn.Linear(4, 2))", UNKNOWN_DEPENDENCE),
    ("model = copied(nn.Linear(4, 2))", UNKNOWN_DEPENDENCE),
])
def test_module_level_model_through_helpers(line: str, expected: str) -> None:
    ctx = _context(HELPERS.format(body="        self.fc = nn.Linear(4, 4)") + "\n\n" + line + "\n")
    models = ctx.analysis(Models)
    statement = ctx.module.body[-1]
    assert models.mode_dependence(statement.body[0].targets[0].target, statement) == expected


# A project whose model classes live in another module, reached as ``modules.Block`` (BK) or
# through a helper module (``from helpers import layer_init``).
PROJECT_FILES = {
    "helpers.py": """import torch.nn as nn


def layer_init(layer, std=1.0):
    nn.init.orthogonal_(layer.weight, std)
    return layer


def conv_stack():
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten())
""",
    "modules.py": """import torch.nn as nn
import torch.nn.functional as F

from helpers import layer_init


class Glimpse(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = layer_init(nn.Linear(n, n))

    def forward(self, x):
        return F.relu(self.fc(x))


class Head(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=-1)
""",
    "model.py": """import torch.nn as nn

import helpers
import modules


class Recurrent(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.conv = helpers.conv_stack()
        self.glimpse = modules.Glimpse(n)
        self.head = modules.Head(n)

    def forward(self, x):
        return self.head(self.glimpse(self.conv(x)))
""",
    "train.py": """import torch

from model import Recurrent

model = Recurrent(8)
optimizer = torch.optim.Adam(model.parameters())
for epoch in range(3):
    for x, y in train_loader:
        optimizer.zero_grad()
        torch.nn.functional.nll_loss(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        for x, y in val_loader:
            accuracy = (model(x).argmax(1) == y).float().mean()
""",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return write_files(tmp_path, PROJECT_FILES)


def test_project_classes_and_helpers_are_followed(project, capsys):
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == set()
    assert lint_each_file(capsys, "DL301", PROJECT_FILES) == set()


@pytest.mark.parametrize("old, new", [
    # a dropout in a class of the other module
    ("        self.fc = nn.Linear(n, 2)\n", "        self.fc = nn.Sequential(nn.Linear(n, 2), nn.Dropout(0.5))\n"),
    # a batch norm in the helper module's factory
    ("nn.Conv2d(1, 8, 3), nn.ReLU()", "nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU()"),
    # the helper no longer returns the layer it was given
    ("    return layer\n", "    return nn.Sequential(layer, nn.Dropout(0.1))\n"),
])
def test_a_mode_dependent_part_anywhere_keeps_the_finding(project, capsys, old, new):
    for name in ("helpers.py", "modules.py"):
        path = project / name
        path.write_text(path.read_text().replace(old, new))
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == {("train.py", 14, "DL301")}


OWN_CALLS = """import torch
import torch.nn as nn


def make_block():
    return nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))


class Net(nn.Module):
    def __init__(self, shape):
        super().__init__()
{body}

    def layer_init(self, module, weight_init, gain=1):
        weight_init(module.weight.data, gain=gain)
        return module

    def registering(self, module):
        self.extra = make_block()
        return module

    def feature_size(self, shape):
        return self.conv(torch.zeros(1, *shape)).view(1, -1).size(1)

    def forward(self, x):
        return self.fc(x)
"""


@pytest.mark.parametrize("body, expected", [
    # nn.Module's own train()/eval() in __init__ set a flag, they build nothing (ninth audit, BZ)
    ("self.fc = nn.Linear(4, 4)\nself.train()", NO_DEPENDENCE),
    ("self.fc = nn.Linear(4, 4)\nself.eval()", NO_DEPENDENCE),
    ("self.fc = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))\nself.train()", YES_DEPENDENCE),
    # a local initialiser lambda that gives back the layer, itself or through an own method
    ("init_ = lambda m: self.layer_init(m, nn.init.orthogonal_, gain=nn.init.calculate_gain('relu'))\n"
     "self.fc = init_(nn.Linear(4, 4))\n"
     "init_ = lambda m: self.layer_init(m, lambda w: nn.init.constant_(w, 0))\n"
     "self.head = init_(nn.Linear(4, 1))", NO_DEPENDENCE),
    ("init_ = lambda m: m\nself.fc = init_(nn.Linear(4, 4))", NO_DEPENDENCE),
    # ... which does not hide a dropout in the layer it is given
    ("init_ = lambda m: self.layer_init(m, nn.init.orthogonal_)\n"
     "self.fc = init_(nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)))", YES_DEPENDENCE),
    # a lambda whose method changes the model's own submodules, one that hands the layer to code
    # not seen, or a name bound to something else too: not transparent
    ("init_ = lambda m: self.registering(m)\nself.fc = init_(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    ("init_ = lambda m: wrap(m)\nself.fc = init_(nn.Linear(4, 4))", UNKNOWN_DEPENDENCE),
    ("init_ = lambda m: m\nif shape:\n    init_ = make_init()\nself.fc = init_(nn.Linear(4, 4))",
     UNKNOWN_DEPENDENCE),
    # an own method that runs a layer of the model to size another builds nothing
    ("self.conv = nn.Conv2d(1, 8, 3)\nself.fc = nn.Linear(self.feature_size(shape), 2)", NO_DEPENDENCE),
    ("self.conv = init_(nn.Conv2d(1, 8, 3))\nself.fc = nn.Linear(self.feature_size(shape), 2)",
     UNKNOWN_DEPENDENCE),
    # running an attribute that is not a layer the class builds (a stored factory) is not known
    ("self.make = make_block\nself.fc = self.make()", UNKNOWN_DEPENDENCE),
])
def test_own_calls_in_init(body: str, expected: str) -> None:
    ctx = _context(OWN_CALLS.format(body="\n".join("        " + line for line in body.splitlines())))
    models = ctx.analysis(Models)
    assert models.class_dependence(models.classes["Net"]).value == expected
