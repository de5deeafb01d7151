"""A layer built in ``__init__`` only under a test on a constructor parameter whose literal default
keeps it off (``if use_dropout:`` with ``use_dropout=False``) exists only for the constructions that
pass the parameter on: the mode dependence is judged per construction (eighth audit, BR)."""

from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.models import NO_DEPENDENCE, UNKNOWN_DEPENDENCE, YES_DEPENDENCE, Models
from dllint.context import FileContext

CLASS = """\
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, width=8, {params}):
        super().__init__()
{body}        self.fc = nn.Linear(width, 1)
"""


def _models(source: str) -> tuple[FileContext, Models]:
    ctx = FileContext("t.py", source, cst.parse_module(source))
    return ctx, ctx.analysis(Models)


def _class(params: str, body: str):
    _, models = _models(CLASS.format(params=params, body=body))
    return models.class_dependence(models.classes["Net"])


@pytest.mark.parametrize("params, body", [
    ("use_dropout=False", "        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n"),
    ("use_bn=None", "        if use_bn and width > 4:\n            self.bn = nn.BatchNorm1d(width)\n"),
    ("plain=False", "        if not plain:\n            pass\n        else:\n            self.drop = nn.Dropout(0.5)\n"),
    ("p=0", "        if p > 0:\n            self.drop = nn.Dropout(p)\n"),
    ("p=0", "        self.drop = nn.Dropout(0.1) if p > 0 else nn.Identity()\n"),
    ("mode=0, use_dropout=False",
     "        if mode:\n            pass\n        elif use_dropout:\n            self.drop = nn.Dropout(0.5)\n"),
])
def test_switched_off_layer_rests_on_the_default(params, body):
    found = _class(params, body)
    assert found.value == NO_DEPENDENCE
    assert len(found.defaults) == 1


@pytest.mark.parametrize("params, body", [
    ("use_dropout=True", "        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n"),
    ("use_dropout=False", "        use_dropout = use_dropout or width > 4\n"
                          "        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n"),
    ("use_dropout=False", "        if use_dropout or width > 4:\n            self.drop = nn.Dropout(0.5)\n"),
    ("use_dropout=False", "        if not use_dropout:\n            self.drop = nn.Dropout(0.5)\n"),
    ("p=0.1", "        if p > 0:\n            self.drop = nn.Dropout(p)\n"),
    ("p=None", "        if p is not None:\n            self.drop = nn.Dropout(p)\n"),
])
def test_layer_that_may_be_built_by_default(params, body):
    assert _class(params, body).value == YES_DEPENDENCE


@pytest.mark.parametrize("construction, expected", [
    ("Net()", NO_DEPENDENCE),
    ("Net(16)", NO_DEPENDENCE),
    ("Net(16, False)", NO_DEPENDENCE),
    ("Net(use_dropout=None)", NO_DEPENDENCE),
    ("Net(16, True)", UNKNOWN_DEPENDENCE),
    ("Net(use_dropout=flag)", UNKNOWN_DEPENDENCE),
    ("Net(*args)", UNKNOWN_DEPENDENCE),
    ("Net(**kwargs)", UNKNOWN_DEPENDENCE),
])
def test_each_construction_decides(construction, expected):
    source = CLASS.format(params="use_dropout=False",
                          body="        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n")
    source += f"\nnet = {construction}\nnet(x)\n"
    ctx, models = _models(source)
    call = [c for c in ctx.index.of_type(cst.Call)
            if isinstance(c.func, cst.Name) and c.func.value == "net"][0]
    assert models.mode_dependence(call.func, call) == expected


@pytest.mark.parametrize("inner, expected, switched_on", [
    ("Net(width)", NO_DEPENDENCE, NO_DEPENDENCE),  # (its own switch goes nowhere)
    ("Net(width, use_dropout)", NO_DEPENDENCE, UNKNOWN_DEPENDENCE),  # passed on, off by default
    ("Net(width, True)", UNKNOWN_DEPENDENCE, UNKNOWN_DEPENDENCE),
])
def test_nested_class_passes_its_switch_on(inner, expected, switched_on):
    source = CLASS.format(params="use_dropout=False",
                          body="        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n")
    source += ("\nclass Outer(nn.Module):\n    def __init__(self, width=4, use_dropout=False):\n"
               f"        super().__init__()\n        self.inner = {inner}\n"
               "\nnet = Outer()\nnet(x)\nother = Outer(use_dropout=True)\nother(x)\n")
    ctx, models = _models(source)
    calls = {c.func.value: c for c in ctx.index.of_type(cst.Call)
             if isinstance(c.func, cst.Name) and c.func.value in ("net", "other")}
    assert models.mode_dependence(calls["net"].func, calls["net"]) == expected
    assert models.mode_dependence(calls["other"].func, calls["other"]) == switched_on


@pytest.mark.parametrize("init, expected", [
    ("        super().__init__(width)\n", NO_DEPENDENCE),
    ("        super(Sub, self).__init__(width, use_dropout=False)\n", NO_DEPENDENCE),
    ("        Net.__init__(self, width, True)\n", UNKNOWN_DEPENDENCE),
    ("        super().__init__(width, use_dropout=True)\n", UNKNOWN_DEPENDENCE),
    ("        super().__init__(width, **kwargs)\n", UNKNOWN_DEPENDENCE),
])
def test_subclass_builds_its_base(init, expected):
    source = CLASS.format(params="use_dropout=False",
                          body="        if use_dropout:\n            self.drop = nn.Dropout(0.5)\n")
    source += f"\nclass Sub(Net):\n    def __init__(self, width=4, **kwargs):\n{init}"
    _, models = _models(source)
    assert models.class_dependence(models.classes["Sub"]).value == expected


def test_a_mode_free_layer_under_a_switch_needs_no_default():
    # (fourth audit's dataflowr NeRF: ``if useViewDirs:`` builds Linear layers only; an outer
    # class passing its own ``useViewDirs=True`` on must not make the model unknown)
    source = CLASS.format(params="use_view=False",
                          body="        if use_view:\n            self.view = nn.Linear(width, 3)\n")
    source += ("\nclass Outer(nn.Module):\n    def __init__(self, use_view=True):\n"
               "        super().__init__()\n        self.inner = Net(use_view=use_view)\n"
               "\nnet = Outer()\nnet(x)\n")
    ctx, models = _models(source)
    found = models.class_dependence(models.classes["Net"])
    assert (found.value, found.defaults) == (NO_DEPENDENCE, frozenset())
    call = [c for c in ctx.index.of_type(cst.Call) if isinstance(c.func, cst.Name) and c.func.value == "net"][0]
    assert models.mode_dependence(call.func, call) == NO_DEPENDENCE
