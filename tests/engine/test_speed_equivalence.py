"""Shortcuts taken for speed give the answers of the plain computations they replace."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import libcst as cst

from dllint.analysis.callers import Words, identifiers
from dllint.analysis.cfg import build_cfg
from dllint.analysis.imports import ImportMap, dotted_name
from dllint.analysis.project import ClassOutline
from dllint.analysis.solver import PlainLattice, solve
from dllint.context import FileContext
from dllint.index import NodeIndex, child_nodes

SOURCE = '''\
import torch
import torch.nn as nn
from torch.nn import functional as F

class Net(nn.Module):
    class Inner(object):
        pass

    def forward(self, x):
        try:
            y = F.relu(x)
        except ValueError as e:
            class InHandler(Net):
                pass
            y = x
        else:
            y = y + 1
        finally:
            pass
        for i in range(3):
            if i:
                x = torch.zeros(3)
            else:
                continue
        while x:
            break
        with torch.no_grad():
            z = [k for k in x]
        match z:
            case [a, *rest]:
                class InCase:
                    pass
        return y

def helper(a, b=1, *args, **kw):
    return lambda q: q + a
'''


def test_the_index_walk_gives_each_node_its_parent_and_place_as_child_nodes_does():
    module = cst.parse_module(SOURCE)
    index = NodeIndex(module)
    order: list[cst.CSTNode] = []
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack = [module]
    while stack:  # the plain pre-order walk over child_nodes
        node = stack.pop()
        order.append(node)
        children = child_nodes(node)
        for child in children:
            parents[child] = node
        stack.extend(reversed(children))
    assert [n for n, _ in sorted(index.order.items(), key=lambda item: item[1])] == order
    assert index.parents == parents
    for node in order:
        assert index.top_level(node) == (node in module.body)


def test_identifiers_are_what_the_identifier_pattern_finds():
    data = (b"x1 = 12ab + _c3 9__z\n# caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 0x1F 1e5 \xef\xbb\xbf__all__\n"
            b"'str_in'+\"q\"\tTAB\x00nul\xffend 123 _ 9")
    assert identifiers(data) == frozenset(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", data))
    assert identifiers(SOURCE.encode()) == frozenset(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", SOURCE.encode()))


def test_a_word_table_answers_as_the_set_of_identifiers():
    for data in (b"x1 = 12ab + _c3 9__z a1b 1a1b\n# caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 0x1F 1e5 __all__\n"
                 b"'str_in'+\"q\"\tTAB\x00nul\xffend 123 _ 9 run running rerun run2 run", SOURCE.encode(), b"", b"a"):
        found = identifiers(data)
        words = Words(data)
        asked = set(found)
        for word in found:  # near misses: parts of identifiers, digits before, other bytes
            asked.update({word[:-1], word[1:], b"1" + word, word + b"1", b"_" + word, word + b" ", b"." + word})
        asked.update({b"", b"1", b"12ab", b"ab", b"b", b"x", b"e", b"a1b", b"1b", b"un", b"ru", b" ", b"caf"})
        for word in asked:
            assert (word in words) == (word in found), (data, word)
        assert words.isdisjoint({b"zzz", b"1x"})
        assert words.isdisjoint(found | {b"zzz"}) == (not found)


def test_qualify_answers_again_what_it_answered_first():
    ctx = FileContext("t.py", SOURCE, cst.parse_module(SOURCE))
    imports = ctx.analysis(ImportMap)
    for node in ctx.index.of_type(cst.Name, cst.Attribute, cst.Call):
        dotted = dotted_name(node)
        plain = None if dotted is None else imports.qualify_dotted(dotted)
        assert imports.qualify(node) == plain
        assert imports.qualify(node) == plain  # the remembered answer
    calls = [c for c in ctx.index.of_type(cst.Call) if imports.qualify(c.func) == "torch.nn.functional.relu"]
    assert len(calls) == 1


def test_class_outline_reads_the_class_statements_in_every_block():
    outline = ClassOutline.of_ast(Path("t.py"), ast.parse(SOURCE))
    assert [name for name, _ in outline.classes] == ["Net", "Inner", "InHandler", "InCase"]
    assert outline.top_classes == frozenset({"Net"})


class _Seen(PlainLattice):
    """The statements seen on some path, counting every transfer."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.calls = 0

    def join(self, a, b):
        return a | b

    def transfer(self, element, state):
        self.calls += 1
        if element.kind == "stmt":
            return state | {self.module.code_for_node(element.node).strip()}
        return state


def test_a_traced_solution_gives_the_recomputed_states_without_transfers():
    module = cst.parse_module(SOURCE)
    function = next(n for n in NodeIndex(module).of_type(cst.FunctionDef) if n.name.value == "forward")
    graph = build_cfg(function)
    plain_lattice, traced_lattice = _Seen(module), _Seen(module)
    plain = solve(graph, plain_lattice, frozenset())
    traced = solve(graph, traced_lattice, frozenset(), trace=True)
    before = traced_lattice.calls
    for block in graph.blocks:
        assert list(traced.states(block)) == list(plain.states(block))
    assert traced_lattice.calls == before  # no transfer run again
    assert plain_lattice.calls > before
