"""Which parameters a stepped optimiser may own (:func:`dllint.analysis.optimised_tensors.may_own`)
and which models stay frozen for good (:func:`dllint.analysis.modes.frozen_for_good`): the facts
that make a training step train a model only when an optimiser it steps may be given that model's
parameters (eighth audit, cause BS: an adversarial patch trained through a frozen network)."""
from __future__ import annotations

import textwrap

import libcst as cst

from dllint.analysis.modes import Modes, frozen_for_good
from dllint.analysis.optimised_tensors import may_own, optimiser_constructors
from dllint.context import FileContext

HEAD = """
import itertools
import torch
import torch.nn as nn
import torchvision
model = torchvision.models.resnet18()
"""


def _context(source: str) -> FileContext:
    source = HEAD + textwrap.dedent(source)
    return FileContext("example.py", source, cst.parse_module(source))


def _owns(source: str, key: str = "model") -> bool:
    """may_own for the optimiser the last ``optimizer.step()`` of ``source`` steps."""
    ctx = _context(source)
    steps = [c for c in ctx.index.of_type(cst.Call)
             if isinstance(c.func, cst.Attribute) and c.func.attr.value == "step"]
    constructors = optimiser_constructors(ctx, steps[-1].func.value)
    return constructors is None or any(may_own(ctx, c, key) for c in constructors)


def test_tensors_the_code_made_are_no_parameters_of_the_model():
    assert not _owns("""
    patch = nn.Parameter(torch.zeros(3, 8, 8), requires_grad=True)
    optimizer = torch.optim.SGD([patch], lr=0.1)
    optimizer.step()
    """)
    assert not _owns("""
    x = torch.zeros(1, 8, requires_grad=True)
    delta = torch.rand(1, 8).requires_grad_()
    optimizer = torch.optim.Adam([{"params": [x]}, {"params": delta, "lr": 0.01}])
    optimizer.step()
    """)


def test_another_fresh_module_is_not_the_model():
    assert not _owns("""
    head = nn.Linear(512, 10).to("cpu")
    optimizer = torch.optim.SGD(itertools.chain(head.parameters(), [torch.zeros(2, requires_grad=True)]))
    optimizer.step()
    """)


def test_the_model_or_a_part_or_an_unknown_may_be_owned():
    assert _owns("""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.step()
    """)
    assert _owns("""
    optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)
    optimizer.step()
    """)
    assert _owns("""
    x = torch.zeros(1, 8, requires_grad=True)
    optimizer = torch.optim.SGD(list(model.parameters()) + [x], lr=0.1)
    optimizer.step()
    """)
    assert _owns("""
    def fit(optimizer):
        optimizer.step()
    """)
    assert _owns("""
    optimizer = build_optimizer(model)
    optimizer.step()
    """)
    assert _owns("""
    x = torch.zeros(1, 8, requires_grad=True)
    params = [x]
    params.extend(model.parameters())
    optimizer = torch.optim.SGD(params, lr=0.1)
    optimizer.step()
    """)


def test_a_tensor_or_module_attached_to_the_model_may_be_owned():
    assert _owns("""
    w = torch.zeros(8, requires_grad=True)
    model.w = nn.Parameter(w)
    optimizer = torch.optim.SGD([w], lr=0.1)
    optimizer.step()
    """)
    assert _owns("""
    head = nn.Linear(512, 10)
    model.set_head(head)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    optimizer.step()
    """)
    assert _owns("""
    head = nn.Linear(512, 10)
    wrapped = nn.Sequential(model, head)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    optimizer.step()
    """, key="wrapped")
    assert _owns("""
    head = nn.Sequential(model, nn.Linear(1000, 10))
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    optimizer.step()
    """)


def test_a_helper_that_attaches_nothing_keeps_the_patch_apart():
    source = """
    def place(img, patch):
        img[0] = patch
        return img

    def evaluate(net, patch):
        return net(place(torch.zeros(3), patch))

    patch = nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([patch], lr=0.1)
    evaluate(model, patch)
    optimizer.step()
    """
    assert not _owns(source)
    assert _owns(source.replace("img[0] = patch", "img.patch = patch"))


def _frozen(source: str, key: str = "model") -> bool:
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    probe = next(c for c in ctx.index.of_type(cst.Call) if isinstance(c.func, cst.Name) and c.func.value == "probe")
    return frozen_for_good(modes, key, probe)


def test_a_model_frozen_whole_and_for_good():
    assert _frozen("""
    model.eval()
    for p in model.parameters():
        p.requires_grad = False
    x = torch.zeros(3).requires_grad_()
    probe(model(x).backward())
    """)
    assert _frozen("""
    model.requires_grad_(False)
    def attack(x):
        probe(model(x))
    """)


def test_a_model_frozen_in_part_or_not_for_good_is_not_frozen():
    assert not _frozen("""
    for p in model.layer1.parameters():
        p.requires_grad = False
    probe(model(x))
    """)
    assert not _frozen("""
    for name, p in model.named_parameters():
        if not name.startswith("fc"):
            p.requires_grad = False
    probe(model(x))
    """)
    assert not _frozen("""
    model.requires_grad_(False)
    for p in model.fc.parameters():
        p.requires_grad = True
    probe(model(x))
    """)
    assert not _frozen("""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.requires_grad_(False)
    probe(model(x))
    """)
    assert not _frozen("""
    model.requires_grad_(False)
    def attack(model, x):
        probe(model(x))
    """)
