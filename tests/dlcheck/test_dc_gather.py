"""The end-of-step read: the sentinel's quick path (lists of 0-d float32 values, one stack) hands
each check the same values as the generic gather does."""
from __future__ import annotations

import torch

from dlcheck.watcher import Gather


def _generic(parts):
    # a vector part sends every read through the generic path
    marker = torch.zeros(1)
    out = Gather._to_host(parts + [("marker", marker)], False)
    return out[:-1]


def test_lists_of_scalars_are_read_in_one_stack_with_the_generic_values():
    shared = [torch.tensor(1.5), torch.tensor(-2.0)]
    parts = [("loss", [torch.tensor(0.25)]), ("norms", shared), ("again", shared)]
    quick = Gather._lists_to_host(parts)
    assert quick == [("loss", [0.25]), ("norms", [1.5, -2.0]), ("again", [1.5, -2.0])]
    assert quick == _generic(parts)
    assert Gather._to_host(parts, False) == quick


def test_anything_else_takes_the_generic_path():
    assert Gather._lists_to_host([("v", torch.ones(3))]) is None  # a vector part
    assert Gather._lists_to_host([("d", [torch.tensor(1.0, dtype=torch.float64)])]) is None
    assert Gather._lists_to_host([("g", [torch.tensor(1.0, requires_grad=True)])]) is None
    assert Gather._lists_to_host([("e", [])]) is None
    parts = [("d", [torch.tensor(1.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)])]
    assert Gather._to_host(parts, False) == [("d", [1.0, 2.0])]


def _grouped(parts, read) -> dict:
    return {owner: read.get(owner) for owner, _ in parts}


def test_the_quick_read_gives_each_owner_its_parts_in_order_as_the_generic_read_does():
    # Gather.read's quick path (_read_lists) groups by owner in one pass: an owner with two
    # parts gets them in the order it added them, a part shared by two owners is read once
    shared = [torch.tensor(1.5), torch.tensor(-2.0)]
    owners = ("nonfinite", "loss", "norms")
    parts = [(owners[0], [torch.tensor(0.25)]), (owners[1], [torch.tensor(0.25)]),
             (owners[0], shared), (owners[2], shared), (owners[0], [])]
    quick, generic = Gather(), Gather()
    for owner, part in parts:
        quick.add(owner, part)
        generic.add(owner, part)
    generic.add("marker", torch.zeros(1))  # a vector part: the generic path
    assert Gather._read_lists(quick.local) is not None
    got = _grouped(parts, quick.read(False))
    assert got == _grouped(parts, generic.read(False))
    assert got == {"nonfinite": [[0.25], [1.5, -2.0], []], "loss": [[0.25]],
                   "norms": [[1.5, -2.0]]}


def test_what_the_quick_read_cannot_take_is_read_by_the_generic_path():
    doubles = [torch.tensor(1.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)]
    g = Gather()
    g.add("d", doubles)
    g.add("f", [torch.tensor(3.0)])
    assert Gather._read_lists(g.local) is None  # promoted to float64 by the stack
    read = g.read(False)
    assert read.get("d") == [[1.0, 2.0]] and read.get("f") == [[3.0]]
    g = Gather()
    g.add("s", [torch.tensor(4.0)], reduce="sum")  # a reduced part: not the quick path
    g.add("f", [torch.tensor(5.0)])
    read = g.read(False)
    assert read.get("s") == [[4.0]] and read.get("f") == [[5.0]] and read.get("x") == []
