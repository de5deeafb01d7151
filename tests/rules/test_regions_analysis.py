"""Regions: no-grad regions, training loops, loop_of and call resolution within a module."""
from __future__ import annotations

import libcst as cst

from dllint.analysis.regions import Regions
from dllint.context import FileContext


def regions(source: str) -> tuple[Regions, FileContext]:
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return ctx.analysis(Regions), ctx


def call_named(ctx: FileContext, text: str) -> cst.Call:
    for call in ctx.index.of_type(cst.Call):
        if ctx.code_for(call) == text:
            return call
    raise AssertionError(f"no call {text!r}")


def test_no_grad_with_aliases_and_decorators():
    src = (
        "import torch as th\n"
        "from torch import inference_mode\n"
        "with th.no_grad():\n    a(1)\n"
        "with inference_mode():\n    a(2)\n"
        "with th.set_grad_enabled(False):\n    a(3)\n"
        "with th.autograd.no_grad():\n    a(4)\n"
        "with th.set_grad_enabled(train):\n    a(5)\n"
        "@th.no_grad()\ndef f():\n    a(6)\n"
        "@th.no_grad\ndef g():\n    a(7)\n"
        "@inference_mode()\ndef h():\n    a(8)\n"
        "a(9)\n"
        "with th.no_grad():\n    with th.enable_grad():\n        a(10)\n"
        "@th.inference_mode(False)\ndef k():\n    a(11)\n"
    )
    r, ctx = regions(src)
    assert [r.no_grad(call_named(ctx, f"a({i})")) for i in range(1, 12)] == [
        True, True, True, True, False, True, True, True, False, False, False]
    assert r.maybe_no_grad(call_named(ctx, "a(5)"))
    assert not r.maybe_no_grad(call_named(ctx, "a(9)"))


def test_no_grad_needs_torch_import():
    r, ctx = regions("with no_grad():\n    a(1)\n")
    assert not r.no_grad(call_named(ctx, "a(1)"))


def test_no_grad_through_callers_only():
    src = (
        "import torch\n"
        "def evaluate(m):\n    a(1)\n"
        "def both(m):\n    a(2)\n"
        "def passed(m):\n    a(3)\n"
        "with torch.no_grad():\n    evaluate(m)\n    both(m)\n    passed(m)\n"
        "both(m)\n"
        "run(passed)\n"
    )
    r, ctx = regions(src)
    assert r.no_grad(call_named(ctx, "a(1)"))
    assert not r.no_grad(call_named(ctx, "a(2)"))
    assert not r.no_grad(call_named(ctx, "a(3)"))


def test_set_grad_enabled_statement_turns_off_following_statements():
    src = "import torch\na(1)\ntorch.set_grad_enabled(False)\na(2)\ntorch.set_grad_enabled(True)\na(3)\n"
    r, ctx = regions(src)
    assert [r.no_grad(call_named(ctx, f"a({i})")) for i in (1, 2, 3)] == [False, True, False]


def test_lightning_validation_step_is_no_grad():
    src = (
        "import lightning as L\n"
        "class M(L.LightningModule):\n"
        "    def training_step(self, b, i):\n        a(1)\n"
        "    def validation_step(self, b, i):\n        a(2)\n"
    )
    r, ctx = regions(src)
    assert not r.no_grad(call_named(ctx, "a(1)"))
    assert r.no_grad(call_named(ctx, "a(2)"))


def test_training_loops_direct_and_through_calls():
    src = (
        "import torch\n"
        "optimizer = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "def train_epoch(m, loader):\n"
        "    for x, y in loader:\n"
        "        loss = m(x)\n"
        "        loss.backward()\n"
        "        a(1)\n"
        "def evaluate(m, loader):\n"
        "    for x, y in loader:\n"
        "        a(2)\n"
        "for epoch in range(3):\n"
        "    train_epoch(m, loader)\n"
        "    a(3)\n"
        "for i in range(3):\n"
        "    evaluate(m, loader)\n"
        "    a(4)\n"
        "while True:\n"
        "    trainer.step()\n"
        "    a(5)\n"
        "while True:\n"
        "    optimizer.step()\n"
        "    a(6)\n"
    )
    r, ctx = regions(src)
    assert len(r.training_loops) == 3
    assert [r.in_training_loop(call_named(ctx, f"a({i})")) for i in range(1, 7)] == [
        True, False, True, False, False, True]
    assert r.trains(r.functions["train_epoch"][0])
    assert not r.trains(r.functions["evaluate"][0])


def test_training_through_methods_and_instances():
    src = (
        "import torch\n"
        "class Base:\n"
        "    def update(self, loss):\n"
        "        self.opt.step()\n"
        "class Trainer(Base):\n"
        "    def fit(self):\n"
        "        for b in self.loader:\n"
        "            self.update(self.model(b))\n"
        "            a(1)\n"
        "t = Trainer()\n"
        "for e in range(3):\n"
        "    t.fit()\n"
        "    a(2)\n"
        "    scaler.step(optimizer_g)\n"
    )
    r, ctx = regions(src)
    assert r.in_training_loop(call_named(ctx, "a(1)"))
    assert r.in_training_loop(call_named(ctx, "a(2)"))
    assert r.resolved(call_named(ctx, "t.fit()")).name.value == "fit"
    assert r.resolved(call_named(ctx, "self.update(self.model(b))")).name.value == "update"
    assert [c.func.value.value for c in r.function_calls("fit")] == ["t"]


def test_loop_of_is_per_iteration_and_per_function():
    src = (
        "for x in a(1):\n"
        "    a(2)\n"
        "    def inner():\n"
        "        a(3)\n"
        "else:\n"
        "    a(4)\n"
        "while a(5):\n"
        "    a(6)\n"
    )
    r, ctx = regions(src)
    loops = ctx.index.of_type(cst.For)
    whiles = ctx.index.of_type(cst.While)
    assert r.loop_of(call_named(ctx, "a(1)")) is None
    assert r.loop_of(call_named(ctx, "a(2)")) is loops[0]
    assert r.loop_of(call_named(ctx, "a(3)")) is None
    assert r.loop_of(call_named(ctx, "a(4)")) is None
    assert r.loop_of(call_named(ctx, "a(5)")) is whiles[0]
    assert r.loop_of(call_named(ctx, "a(6)")) is whiles[0]


def test_top_level_set_grad_enabled_false_covers_functions():
    src = "import torch\ndef f():\n    a(1)\ntorch.set_grad_enabled(False)\nf()\n"
    r, ctx = regions(src)
    assert r.no_grad(call_named(ctx, "a(1)"))
    # Switched on again before the call: not a global switch, and the one caller has gradients.
    r, ctx = regions(src.replace("f()\n", "torch.set_grad_enabled(True)\nf()\n"))
    assert not r.no_grad(call_named(ctx, "a(1)"))
    r, ctx = regions(src.replace("torch.set_grad_enabled(False)\n", "def g():\n    torch.set_grad_enabled(False)\n"))
    assert not r.no_grad(call_named(ctx, "a(1)"))
