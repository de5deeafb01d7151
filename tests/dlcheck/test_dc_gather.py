"""The end-of-step read: the sentinel's quick path (lists of 0-d float32 values, one stack, or
on the CPU one item() each) hands each check the same values as the generic gather does."""
from __future__ import annotations

import collections
import math

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from dlcheck import watcher as watcher_module
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
    # a value with a graph: stacked it would build one, so the generic path reads it, except
    # on the CPU, where it is read alone (item()) as the same value
    graph = [("g", [torch.tensor(1.0, requires_grad=True)])]
    assert Gather._lists_to_host(graph) == _generic(graph) == [("g", [1.0])]
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


class _Ops(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


def test_a_few_cpu_values_are_read_one_by_one_with_the_stack_s_values():
    # item() on a CPU tensor is a direct read; the stack it replaces is an allocation and a cat
    values = [torch.tensor(v) for v in (0.1, -3.5e38, math.inf, -math.inf, math.nan, 1e-45)]
    parts = [("loss", values[:1]), ("probes", values[1:])]
    stacked = torch.stack(values).tolist()
    with _Ops() as ops:
        read = Gather._read_lists(parts)
    assert ops.counts["stack"] == 0 and ops.counts["_local_scalar_dense"] == len(values)
    assert _same(read[id("loss")][0] + read[id("probes")][0], stacked)


def test_many_values_or_values_that_are_not_plain_cpu_float32_tensors_are_stacked():
    many = [torch.tensor(float(i)) for i in range(watcher_module._ITEMS_MAX + 1)]

    class Sub(torch.Tensor):
        pass

    for scalars in (many, [torch.tensor(1.0), torch.tensor(2.0).as_subclass(Sub)]):
        with _Ops() as ops:
            read = Gather._read_lists([("p", scalars)])
        assert ops.counts["stack"] == 1
        assert read[id("p")] == [[float(t) for t in scalars]]
    # a float64 value: the stack promotes, and the generic path reads it as float32
    assert Gather._read_lists([("d", [torch.tensor(0.1, dtype=torch.float64)])]) is None
    # several elements: item() refuses, and the stack, and the generic path reads them
    assert Gather._read_lists([("t", [torch.tensor(1.0), torch.ones(2)])]) is None
    # one with a graph is read as its detached value, as the generic path reads it
    graph = [torch.tensor(1.5, requires_grad=True)]
    assert Gather._read_lists([("g", graph)])[id("g")] == [[1.5]]
