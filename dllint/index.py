"""One walk over a file's tree, shared by every analysis and rule.

libcst's visitor dispatch costs about as much as parsing (about 11k lines/s on PyTorch's sources);
walking the dataclass fields directly, skipping whitespace, runs at about 200k lines/s. So each file
is walked once here, into a parent map and per-type node lists in source order, and analyses and
rules query these instead of walking the tree again.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Iterator, TypeVar

import libcst as cst

N = TypeVar("N", bound=cst.CSTNode)

# Fields that hold only formatting: never walked.
_SKIP_FIELD_PARTS = ("whitespace", "lpar", "rpar", "leading_lines", "lines_after_decorators",
                     "header", "footer", "semicolon", "comma")
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(cls)
            if not any(part in f.name for part in _SKIP_FIELD_PARTS)
        )
        _FIELDS[cls] = names
    return names


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The semantic children of ``node``, in source order."""
    out: list[cst.CSTNode] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


def iter_subtree(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Pre-order walk of ``node`` and everything below it (for small subtrees such as expressions)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = child_nodes(current)
        children.reverse()
        stack.extend(children)


class NodeIndex:
    """Parent links and per-type lists of every node of a module, in source (pre-)order."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._by_type: dict[type, list[cst.CSTNode]] = defaultdict(list)
        self.order: dict[cst.CSTNode, int] = {}
        parents = self.parents
        by_type = self._by_type
        order = self.order
        stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(module, None)]
        counter = 0
        while stack:
            node, parent = stack.pop()
            if parent is not None:
                parents[node] = parent
            order[node] = counter
            counter += 1
            by_type[type(node)].append(node)
            children = child_nodes(node)
            for child in reversed(children):
                stack.append((child, node))

    def of_type(self, *types: type[N]) -> list[N]:
        """Every node of the given types, in source order (subclasses included)."""
        found: list[cst.CSTNode] = []
        for cls, nodes in self._by_type.items():
            if issubclass(cls, types):
                found.extend(nodes)
        if len(types) > 1 or any(cls is not types[0] and issubclass(cls, types[0]) for cls in self._by_type):
            found.sort(key=self.order.__getitem__)
        return found  # type: ignore[return-value]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def enclosing(self, node: cst.CSTNode, *types: type[N]) -> N | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, types):
                return ancestor  # type: ignore[return-value]
        return None

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        """The innermost function containing ``node`` (None at module level)."""
        return self.enclosing(node, cst.FunctionDef)

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The innermost statement containing ``node`` (small or compound)."""
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return node
        found = self.enclosing(node, cst.BaseSmallStatement, cst.BaseCompoundStatement)
        return found if found is not None else node

    def precedes(self, a: cst.CSTNode, b: cst.CSTNode) -> bool:
        return self.order[a] < self.order[b]
