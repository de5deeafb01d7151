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
