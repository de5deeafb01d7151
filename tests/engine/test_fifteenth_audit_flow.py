"""Mode facts from the fifteenth audit's DL301 causes: a container rebuilt from a model's children
holds its layers in their modes (EE), ``model.apply(f)`` switches modes only when ``f`` does (EF),
and the no-grad passes of a loop nested in a training step that builds the step's loss are part of
that step (EJ)."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.evaluations import in_unrolled_step, part_of_training
from dllint.analysis.modes import TRAIN, Modes, is_eval_token
from dllint.analysis.stated_modes import mode_neutral_apply
from dllint.context import FileContext


def _modes(source: str) -> tuple[FileContext, Modes]:
    ctx = FileContext("t.py", source, cst.parse_module(source))
    modes = ctx.analysis(Modes)
    modes.run(ctx.module)
    return ctx, modes


def _calls(ctx: FileContext, text: str) -> list[cst.Call]:
    return [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c) == text]


# -- EE: a container rebuilt from a model's children ---------------------------------------------
REBUILT = """import torch
from torch import nn

net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
{before}
part = {rebuilt}
with torch.no_grad():
    out = part(x)
"""


@pytest.mark.parametrize("before, rebuilt, trains", [
    ("net.eval()", "nn.Sequential(*list(net.children())[:2])", False),
    ("net.eval()", "nn.Sequential(*net.children())", False),
    ("net.eval()", "nn.Sequential(*tuple(net.children())[1:])", False),
    ("net.eval()", "nn.ModuleList(net.children())", False),
    ("", "nn.Sequential(*list(net.children())[:2])", True),  # the layers still train
    ("net.eval()", "nn.Sequential(*list(net.children()), nn.Dropout(0.1))", True),  # a fresh dropout
    ("net.eval()", "nn.Sequential(*layers)", True),  # a list of layers, not read: a fresh container
    ("net.eval()", "nn.Sequential(*list(net.modules())[1:])", True),  # not the children form
])
def test_rebuilt_container_has_the_modes_of_the_layers_it_holds(before, rebuilt, trains):
    ctx, modes = _modes(REBUILT.format(before=before, rebuilt=rebuilt))
    (call,) = _calls(ctx, "part(x)")
    key, tokens = modes.tokens_at(call)
    assert key == "part"
    assert (TRAIN in tokens) is trains
    if not trains:
        assert all(is_eval_token(t) for t in tokens)


def test_a_returned_rebuilt_container_maps_to_the_callers_argument():
    source = """import torch
from torch import nn

def truncate(net, depth):
    return nn.Sequential(*list(net.children())[:depth])

def features(x):
    net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5))
    net.eval()
    head = truncate(net, 1)
    with torch.no_grad():
        return head(x)
"""
    ctx, modes = _modes(source)
    (function,) = [f for f in ctx.module.body if isinstance(f, cst.FunctionDef) and f.name.value == "truncate"]
    assert [key for key, _ in modes.run(function).returns.values()] == ["net"]
    (call,) = _calls(ctx, "head(x)")
    assert all(is_eval_token(t) for t in modes.tokens_at(call)[1])


# -- EF: model.apply(f) ----------------------------------------------------------------------------
APPLY = """import torch
from torch import nn

def reset_bn(module):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.running_mean = torch.zeros_like(module.running_mean)
        module.reset_running_stats()

def helper(module, store):
    store[module] = module.momentum

def set_bn_train(module):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.train()

def unfreeze(module):
    module.training = True

def indirect(module):
    set_bn_train(module)

def by_name(module):
    setattr(module, "training", True)

def step(module):
    module.weight.grad.backward()

class Block(nn.Module):
    def freeze(self):
        self.eval()

    def scale(self):
        self.weight.data.mul_(0.5)

def run(model, init, momenta):
    model.apply({applied})
"""


@pytest.mark.parametrize("applied, neutral", [
    ("reset_bn", True),
    ("lambda m: helper(m, momenta)", True),
    ("lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None", True),
    ("set_bn_train", False),  # calls .train()
    ("unfreeze", False),  # sets .training
    ("indirect", False),  # through a function of the file
    ("by_name", False),  # setattr
    ("lambda m: m.eval()", False),
    ("init", False),  # a parameter: not seen
    ("nn.init.zeros_", False),  # not a plain name of the project: not judged
    ("step", False),  # back-propagates
    ("lambda m: m.freeze()", False),  # a method of the file's classes that switches
    ("lambda m: m.scale()", True),  # one that does not
])
def test_apply_switches_modes_only_if_its_function_does(applied, neutral):
    ctx, modes = _modes(APPLY.format(applied=applied))
    (call,) = [c for c in ctx.index.of_type(cst.Call)
               if isinstance(c.func, cst.Attribute) and c.func.attr.value == "apply"]
    assert mode_neutral_apply(modes, call) is neutral


# -- EJ: the no-grad steps of an unrolled training step --------------------------------------------
UNROLL = """import torch
import torch.nn.functional as F

def train_epoch(model, optimizer, train_loader, loader2):
    model.train()
    for xx, yy in train_loader:
        loss = 0
        inp = xx
        for t in range(10):
            if t < 5:
                with torch.no_grad():
                    im = model(inp)
                inp = torch.cat((inp[:, 1:], im), dim=1)
            else:
                im = model(inp)
                loss += F.mse_loss(im, yy)
        for xb, yb in loader2:
            with torch.no_grad():
                pred = model(xb)
            err = F.l1_loss(model(xb), yb).item()
        for xv, yv in val_loader:
            out = model(xv)
            loss += F.mse_loss(out, yv)
            with torch.no_grad():
                check = model(xv)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


@pytest.mark.parametrize("text, which, part", [
    ("model(inp)", 0, True),  # the no-grad unroll steps
    ("model(xb)", 0, False),  # a validation loop: its pass with gradients reaches no backward
    ("model(xv)", 1, False),  # over data named held out, even beside a pass into the loss
])
def test_no_grad_passes_of_an_unrolled_step_are_training(text, which, part):
    ctx, modes = _modes(UNROLL)
    call = _calls(ctx, text)[which]
    assert modes.maybe_no_grad(call)
    assert part_of_training(modes, call) is part
    assert in_unrolled_step(modes, call) is part
