"""Constant flags in the mode analysis (eighth audit, BL): a helper that switches to eval mode only
under ``if self.is_test:`` leaves the model alone when its caller holds the flag at a literal False,
and the value is kept only as long as nothing the analysis cannot see may change it."""

from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.modes import Modes
from dllint.context import FileContext
from dllint.engine import lint_source
from dllint.registry import default_registry

AGENT = """\
import torch
import torch.nn as nn

class Agent:
    def __init__(self):
        self.net = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.1), nn.Linear(16, 2))
        self.opt = torch.optim.Adam(self.net.parameters())
        self.is_test = False

    def select(self, s):
{select}        return self.net(s).argmax()

    def update(self, s):
        self.opt.zero_grad()
        self.net(s).sum().backward()
        self.opt.step()
{extra}
    def train(self, n):
{before}        for i in range(n):
            s = torch.rand(4)
{inside}            self.select(s)
            self.update(s)
"""

SELECT = "        if self.is_test:\n            self.net.eval()\n"


def _dl302(source: str) -> list[int]:
    rules = [default_registry().get("DL302")()]
    return sorted(d.line for d in lint_source(source, "t.py", rules) if d.code == "DL302")


def _agent(select=SELECT, extra="", before="        self.is_test = False\n", inside="") -> list[int]:
    source = AGENT.format(select=select, extra=extra, before=before, inside=inside)
    line = source.splitlines().index("            self.select(s)") + 1
    found = _dl302(source)
    assert found in ([], [line]), found
    return found


def test_flag_set_false_before_the_loop_cuts_the_helpers_switch():
    assert _agent() == []


@pytest.mark.parametrize("select", [
    "        if not self.is_test:\n            pass\n        else:\n            self.net.eval()\n",
    "        if self.is_test is not None and self.is_test:\n            self.net.eval()\n",
    "        while self.is_test:\n            self.net.eval()\n            break\n",
])
def test_other_tests_of_the_flag(select):
    assert _agent(select=select) == []


def test_flag_none_is_false_but_not_is_none():
    assert _agent(before="        self.is_test = None\n") == []
    select = "        if self.is_test is None:\n            self.net.eval()\n"
    assert _agent(select=select, before="        self.is_test = None\n") != []


@pytest.mark.parametrize("before, inside, extra", [
    ("        self.is_test = True\n", "", ""),
    ("", "", ""),  # the flag as the caller found it
    ("        self.is_test = False\n", "            self.is_test = i > 10\n", ""),
    ("        self.is_test = False\n", "            self.is_test ^= True\n", ""),
    ("        self.is_test = False\n", "            self.is_test, s = True, s\n", ""),
    # a helper of the class sets it, directly or through a helper of its own
    ("        self.is_test = False\n", "            self.flip()\n",
     "\n    def flip(self):\n        self.is_test = True\n"),
    ("        self.is_test = False\n", "            self.flip()\n",
     "\n    def flip(self):\n        self.really_flip()\n\n    def really_flip(self):\n"
     "        self.is_test = not self.is_test\n"),
    # code the analysis does not follow is given the agent
    ("        self.is_test = False\n", "            callbacks.on_step(self)\n", ""),
    ("        self.is_test = False\n", "            self.hook()\n", ""),
    ("        self.is_test = False\n", "            self.flip()\n",
     "\n    def flip(self):\n        callbacks.on_step(self)\n"),
])
def test_flag_that_may_be_true_keeps_the_finding(before, inside, extra):
    assert _agent(before=before, inside=inside, extra=extra) != []


def test_helper_that_sets_the_flag_false_again_is_silent():
    extra = "\n    def reset(self):\n        self.is_test = False\n"
    inside = "            self.is_test = True\n            self.reset()\n"
    assert _agent(inside=inside, extra=extra) == []


def test_a_global_declaration_makes_a_name_no_flag():
    source = """\
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.1), nn.Linear(16, 2))
opt = torch.optim.Adam(net.parameters())
greedy = False

def toggle():
    global greedy
    greedy = True

for i in range(10):
    toggle()
    if greedy:
        net.eval()
    opt.zero_grad()
    net(torch.rand(4)).sum().backward()
    opt.step()
"""
    assert _dl302(source) == [15]
    # (the declaration alone is enough: the name is no flag anywhere in the file)
    assert _dl302(source.replace("    toggle()\n", "")) == [14]
    assert _dl302(source.replace("    global greedy\n", "")) == []


def test_callee_runs_once_per_assumption():
    source = AGENT.format(select=SELECT, extra="", before="        self.is_test = False\n", inside="")
    ctx = FileContext("t.py", source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    functions = {f.name.value: f for f in ctx.index.of_type(cst.FunctionDef)}
    assert modes.tested_flags(functions["select"]) == ("self.is_test",)
    assert modes.tested_flags(functions["update"]) == ()
    plain = modes.run(functions["select"])
    assert any(not isinstance(t, str) for t in plain.exit["self.net"])  # the eval switch
    modes.run(functions["train"])
    assumed = [key for key in modes._runs if isinstance(key, tuple)]
    assert len(assumed) == 1
    assert modes.run(functions["select"]) is plain
