"""Mode facts from the eleventh audit's DL301 causes: a functional form whose ``training`` is the
literal False (CK), training mode stated for a pass (CL), a statement that reads a name bound nowhere
(CM), a module whose ``__init__`` puts its submodules in eval mode (CN)."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.eval_built import class_built_in_eval
from dllint.analysis.models import NO_DEPENDENCE, YES_DEPENDENCE, Models
from dllint.analysis.modes import Modes
from dllint.analysis.stated_modes import stated_training
from dllint.analysis.unbound_names import UnboundNames
from dllint.context import FileContext
from dllint.engine import lint_source
from dllint.registry import default_registry


def _ctx(source: str, path: str = "t.py") -> FileContext:
    return FileContext(path, source, cst.parse_module(source))


def _dl301_lines(source: str) -> list[int]:
    rules = [default_registry().get("DL301")()]
    return sorted(d.line for d in lint_source(source, "t.py", rules) if d.code == "DL301")


# -- CK: F.dropout(x, training=False) --------------------------------------------------------------
WRAPPER = """import torch.nn as nn
import torch.nn.functional as F

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x, flag=True, *rest, **options):
        return self.fc({inner})
"""


@pytest.mark.parametrize("inner", [
    "F.dropout(x, training=False)",
    "F.dropout(x, 0.5, False)",
    "F.dropout2d(x, p=0.2, training=False)",
    "F.alpha_dropout(x, 0.5)",  # its default is training=False
    "F.feature_alpha_dropout(x, p=0.5)",
    "F.batch_norm(x, mean, var)",  # default training=False: the statistics given, in both modes
    "F.batch_norm(x, mean, var, None, None, False)",
    "F.rrelu(x, training=False)",
])
def test_functional_form_off_in_both_modes_is_mode_free(inner):
    ctx = _ctx(WRAPPER.format(inner=inner))
    models = ctx.analysis(Models)
    assert models.class_dependence(models.classes["Head"]).value == NO_DEPENDENCE


@pytest.mark.parametrize("inner", [
    "F.dropout(x, 0.5)",  # training=True by default: kept, as before
    "F.dropout(x, training=flag)",
    "F.dropout(x, 0.5, flag)",
    "F.dropout(x, training=True)",
    "F.dropout(x, *rest)",  # ``*rest`` may hold it
    "F.dropout(x, **options)",
    "F.alpha_dropout(x, 0.5, flag)",
    "F.batch_norm(x, mean, var, training=flag)",
    "F.instance_norm(x)",  # no ``training`` parameter: judged as before
])
def test_functional_form_that_may_follow_a_flag_stays_mode_dependent(inner):
    ctx = _ctx(WRAPPER.format(inner=inner))
    models = ctx.analysis(Models)
    assert models.class_dependence(models.classes["Head"]).value == YES_DEPENDENCE


# -- CL: a .train() that states the mode of a pass --------------------------------------------------
STATED = """import torch
import torch.nn as nn

def run(net, z, loader, opt, path, flag):
{body}"""


def _stated(body: str) -> list[bool]:
    ctx = _ctx(STATED.format(body=body))
    modes = ctx.analysis(Modes)
    calls = sorted((c for c in ctx.index.of_type(cst.Call)
                    if isinstance(c.func, cst.Name) and c.func.value == "net"),
                   key=ctx.index.order.__getitem__)
    assert calls
    return [stated_training(modes, c, "net") for c in calls]


@pytest.mark.parametrize("body", [
    "    net.train()\n    with torch.no_grad():\n        out = net(z)\n",
    "    net.train()\n    for _ in range(16):\n        with torch.no_grad():\n            z.normal_()\n"
    "            out = net(z, net.shared(z))\n    net.eval()\n",
    "    if flag:\n        net.train()\n    else:\n        net.train()\n    out = net(z)\n",
])
def test_train_just_before_the_pass_states_its_mode(body):
    assert _stated(body) == [True]


@pytest.mark.parametrize("body", [
    "    with torch.no_grad():\n        out = net(z)\n",  # no .train() in the function: the caller's
    "    if flag:\n        net.train()\n    out = net(z)\n",  # the path that skips it
    "    net.train()\n    fit(net, loader)\n    out = net(z)\n",  # handed to a helper that may train
    "    net.train()\n    net.load_state_dict(torch.load(path))\n    out = net(z)\n",
    "    net.train()\n    net = net.to(z.device)\n    out = net(z)\n",  # rebound
    "    net.train()\n    net.encoder.eval()\n    out = net(z)\n",  # another switch under the root
    "    net.train()\n    with torch.no_grad():\n        for x in val_loader:\n            out = net(x)\n",
    "    net.train()\n    out = net(z_test)\n",  # data named held out: an evaluation
    "    net.train()\n    with torch.no_grad():\n        out = [net(x) for x, _ in test_loader]\n",
    "    net.eval()\n    export(net)\n    net.train()\n    with torch.no_grad():\n        out = net(z)\n",
    "    net.train()\n    for x, y in loader:\n        opt.zero_grad()\n        loss = (net(x) - y).sum()\n"
    "        loss.backward()\n        opt.step()\n    with torch.no_grad():\n        out = net(z)\n",
])
def test_train_that_does_not_state_the_pass(body):
    assert _stated(body)[-1] is False


def test_training_loop_then_validation_in_the_same_loop_is_reported():
    source = """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        for x, y in val_loader:
            val_loss = nn.functional.cross_entropy(model(x), y)


def accumulate_standing_stats(net, z, steps=16):
    net.train()
    for _ in range(steps):
        with torch.no_grad():
            z.normal_()
            x = net(z)
    net.eval()


accumulate_standing_stats(model, torch.randn(4, 8))
"""
    assert _dl301_lines(source) == [14]


# -- CM: a statement that reads a name bound nowhere -------------------------------------------------
FACTORY = """import torch
import torch.nn as nn
{imports}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))

    def forward(self, x):
        return self.body(x)


def load_model(path):
    model = Net()
    model.eval()
    model.load_state_dict(torch.load(path))
    return model


def run(loader, path, ensemble=False):
    if ensemble:
{branch}
    else:
        model = load_model(path)
    preds = []
    with torch.no_grad():
        for x in loader:
            preds.append(model(x))
    return preds
"""
DEAD = "        models = [load_fold_model(c) for c in model_config_paths]\n        model = MultiModels(models)"


@pytest.mark.parametrize("imports, branch", [
    ("", DEAD),
    ("", "        model = MultiModels([Net() for _ in range(5)])"),
    ("", "        print('ensemble')\n        model = undefined_factory(path)"),
])
def test_branch_that_reads_a_name_bound_nowhere_gives_no_path(imports, branch):
    assert _dl301_lines(FACTORY.format(imports=imports, branch=branch)) == []


@pytest.mark.parametrize("imports, branch", [
    ("from ensemble import *", DEAD),  # a star import may give the names
    ("", DEAD + "\n        exec(open('defs.py').read())"),
    ("", "        MultiModels = list\n        model = nn.Sequential(Net(), nn.Dropout(0.2))"),
    ("", "        model = nn.Sequential(Net(), nn.Dropout(0.2))\n        print(1 if ensemble else MultiModels())"),
    ("", "        model = Net()\n        ok = ensemble or missing_name"),  # short-circuited
    ("", "        try:\n            model = MultiModels()\n        except NameError:\n            model = Net()"),
    ("", "        model = nn.Sequential(Net(), nn.Dropout(0.2))\n        extra = [MultiModels(m) for m in []]"),
    ("", "        model = Net()\n        globals()['helper'] = helper"),
])
def test_branch_that_may_complete_keeps_the_finding(imports, branch):
    assert _dl301_lines(FACTORY.format(imports=imports, branch=branch)) != []


def test_unbound_names_spare_builtins_dunders_and_python2_names():
    source = "import os\nx = foo(len(os.sep), __file__, xrange(3), display)\n"
    names = _ctx(source).analysis(UnboundNames)
    assert names.unbound("foo")
    assert not any(names.unbound(n) for n in ("len", "os", "__file__", "xrange", "display", "x"))


@pytest.mark.parametrize("source, path", [
    ("from x import *\ny = foo()\n", "t.py"),
    ("import builtins\ny = foo()\n", "t.py"),
    ("exec(code)\ny = foo()\n", "t.py"),
    ("y = foo()\n", "t.ipynb"),  # a notebook: a cell run and deleted, or a magic, may bind it
])
def test_files_that_may_bind_names_unseen_are_open(source, path):
    names = _ctx(source, path).analysis(UnboundNames)
    assert not names.unbound("foo")


# -- CN: a wrapper whose submodule is put in eval mode when it is built ------------------------------
EXTRACTOR = """import torch
import torch.nn as nn


class Extractor(nn.Module):
    def __init__(self, path):
        super().__init__()
{init}

    def _load(self, path):
        model = torch.jit.load(path).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model

    def forward(self, x):
{forward}


def extract(batches, path):
    extractor = Extractor(path).to("cuda")
{between}    with torch.inference_mode():
        return [extractor(x) for x in batches]
"""


def _built_in_eval(init: str, forward: str = "        return self.model(x)") -> frozenset:
    ctx = _ctx(EXTRACTOR.format(init=init, forward=forward, between=""))
    modes = ctx.analysis(Modes)
    return class_built_in_eval(modes, modes.models.classes["Extractor"])


@pytest.mark.parametrize("init", [
    "        self.model = torch.jit.load(path).eval()",
    "        self.model = self._load(path)",
    "        self.model = torch.jit.load(path)\n        self.model.eval()",
    "        self.model = self._load(path)\n        self.head = nn.Linear(8, 2)",
])
def test_submodule_put_in_eval_mode_in_init(init):
    assert _built_in_eval(init) == frozenset({"model"})


@pytest.mark.parametrize("init, forward", [
    ("        self.model = torch.jit.load(path).eval()\n        self.drop = nn.Dropout(0.5)",
     "        return self.drop(self.model(x))"),  # a dropout of its own, in training mode
    ("        self.model = torch.jit.load(path).eval()\n        self.bn = nn.BatchNorm1d(8)",
     "        return self.bn(self.model(x))"),
    ("        self.model = torch.jit.load(path)", "        return self.model(x)"),  # never switched
    ("        self.model = self._load(path)\n        if path:\n            self.model = torch.jit.load(path)",
     "        return self.model(x)"),  # eval on one path only
    ("        self.model = torch.jit.load(path).eval()",
     "        self.model.train()\n        return self.model(x)"),  # switched back when run
    ("        self.model = torch.jit.load(path).eval()",
     "        return F.dropout(self.model(x), 0.5, self.training)"),
])
def test_submodule_not_in_eval_mode_as_built(init, forward):
    assert _built_in_eval(init, forward) == frozenset()


def test_wrapper_built_in_eval_mode_is_reported_once_switched_to_training():
    init = "        self.model = self._load(path)"
    forward = "        return self.model(x)"
    quiet = EXTRACTOR.format(init=init, forward=forward, between="")
    assert _dl301_lines(quiet) == []
    for switch in ("extractor.train()", "extractor.model.train()"):
        # (a training pass between: the switch is no mode stated for the evaluation)
        between = f"    {switch}\n    for x in batches:\n        extractor(x).sum().backward()\n"
        loud = EXTRACTOR.format(init=init, forward=forward, between=between)
        assert _dl301_lines(loud) == [26]


@pytest.mark.parametrize("source, stale", [
    ("def f(a):\n    if a:\n        m = Missing()\n    else:\n        m = 1\n    return m\n", True),
    ("def f(a):\n    if a:\n        m = 2\n    else:\n        m = Missing()\n    return m\n", True),
    # reads in two branches, or outside any: a fragment
    ("def f(a):\n    if a:\n        m = Missing()\n    else:\n        m = Other()\n    return m\n", False),
    ("def f(a):\n    x = loader\n    if a:\n        m = Missing()\n    return m\n", False),
    # the main block is no branch left behind
    ("if __name__ == '__main__':\n    m = Missing()\n", False),
])
def test_stale_arm_holds_every_read_of_a_name_bound_nowhere(source, stale):
    ctx = _ctx(source)
    names = ctx.analysis(UnboundNames)
    scope = next(iter(ctx.index.of_type(cst.FunctionDef)), ctx.module)
    assert (names.stale_arm(scope) is not None) is stale
