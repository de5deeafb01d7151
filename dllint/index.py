"""One walk over a file's tree, shared by every analysis and rule.

libcst's visitor dispatch costs about as much as parsing (about 11k lines/s on PyTorch's sources);
walking the dataclass fields directly, skipping whitespace, runs at about 200k lines/s. So each file
is walked once here, into a parent map and per-type node lists in source order, and analyses and
rules query these instead of walking the tree again.
"""
from __future__ import annotations

import dataclasses
from abc import ABCMeta
from collections import defaultdict
from operator import attrgetter
from typing import Callable, Iterator, TypeVar

import libcst as cst
from libcst.metadata import CodePosition, CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

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


# isinstance() against libcst's classes goes through ABCMeta.__instancecheck__ (a Python-level call,
# about 1 microsecond) whenever the exact class differs; these per-class answers make it a dict look-up.
_IS_NODE: dict[type, bool] = {}
_MATCHES: dict[tuple[type, tuple[type, ...]], bool] = {}
_UNKNOWN = object()


def _identity_hashes() -> None:
    """Give libcst's nodes object's own (C-level) hash instead of ``CSTNode.__hash__``, a Python
    method returning ``id(self)``: the same identity semantics (equality stays identity), but
    every dict and set look-up of a node (the parent map, the per-node facts of every analysis:
    about 20 million a lint of torch's sources) paid a Python call. Only the hash values differ,
    and nothing here may depend on them (output is the same under any hash seed and process)."""
    original = cst.CSTNode.__dict__.get("__hash__")
    if original is None or original is object.__hash__:
        return
    todo: list[type] = [cst.CSTNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__dict__.get("__hash__") is original:
            cls.__hash__ = object.__hash__  # type: ignore[assignment]


_identity_hashes()


class _PlainChecks(ABCMeta):
    """ABCMeta with the plain (C-level) class checks of ``type``: see :func:`_plain_class_checks`."""

    __instancecheck__ = type.__instancecheck__  # type: ignore[assignment]
    __subclasscheck__ = type.__subclasscheck__  # type: ignore[assignment]


def _plain_class_checks() -> None:
    """Answer ``isinstance``/``issubclass`` against libcst's node classes in C. Their metaclass is
    ABCMeta, whose checks are Python-level calls (``<frozen abc>``) whenever the exact class
    differs: about 5 million a lint of torch's sources (``isinstance(node, cst.Name)`` on an
    Attribute), some 4% of the whole lint. ABCMeta's answer differs from ``type``'s only through
    virtual subclasses (``register``) or a ``__subclasshook__``; no libcst node class has either
    (checked here, class by class: otherwise nothing is changed), so every answer is the same.
    A class defined later on a node class (none in dllint) inherits the metaclass, and ``register``
    on one raises instead of being silently ignored."""
    classes: list[type] = []
    todo: list[type] = [cst.CSTNode]
    seen: set[type] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        if type(cls) is not ABCMeta or "__subclasshook__" in cls.__dict__:
            return  # not the classes this was written for: leave them as they are
        try:
            from _abc import _get_dump  # CPython's C implementation of abc
            registered = _get_dump(cls)[0]
        except Exception:  # noqa: BLE001  (another abc implementation: leave the classes alone)
            return
        if registered:
            return
        classes.append(cls)
    for cls in classes:
        cls.__class__ = _PlainChecks


def _no_register(cls, subclass):  # noqa: ANN001
    raise TypeError(f"{cls.__name__} answers isinstance() without virtual subclasses (dllint.index)")


_PlainChecks.register = _no_register  # type: ignore[assignment]
_plain_class_checks()


def _is_node_type(cls: type) -> bool:
    found = _IS_NODE.get(cls)
    if found is None:
        found = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return found


def is_instance(node: object, types: tuple[type, ...]) -> bool:
    """``isinstance(node, types)``, memoised per class: cheap for libcst's abstract base classes."""
    key = (type(node), types)
    found = _MATCHES.get(key)
    if found is None:
        found = _MATCHES[key] = isinstance(node, types)
    return found


# type -> what a field value of that type holds: 1 a node, 2 a list or tuple of values, 0 neither
_KINDS: dict[type, int] = {}


def _kind(kind: type) -> int:
    found = _KINDS.get(kind)
    if found is None:
        found = _KINDS[kind] = 1 if _is_node_type(kind) else 2 if issubclass(kind, (list, tuple)) else 0
    return found


# type -> a function giving the values of its walked fields, as a tuple, in field order
_GETTERS: dict[type, "Callable[[cst.CSTNode], tuple]"] = {}


def _getter(cls: type) -> "Callable[[cst.CSTNode], tuple]":
    names = _fields(cls)
    if len(names) > 1:
        getter = attrgetter(*names)
    elif names:
        one = attrgetter(names[0])
        getter = lambda node: (one(node),)  # noqa: E731
    else:
        getter = lambda node: ()  # noqa: E731
    _GETTERS[cls] = getter
    return getter


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The semantic children of ``node``, in source order."""
    out: list[cst.CSTNode] = []
    kinds = _KINDS
    names = _FIELDS.get(type(node))
    for name in names if names is not None else _fields(type(node)):
        value = getattr(node, name)
        kind = kinds.get(type(value))
        if kind is None:
            kind = _kind(type(value))
        if kind == 1:
            out.append(value)
        elif kind == 2:
            for v in value:
                child = kinds.get(type(v))
                if child is None:
                    child = _kind(type(v))
                if child == 1:
                    out.append(v)
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


_SUBCLASS: dict[tuple[type, tuple[type, ...]], bool] = {}


def _subclass(cls: type, types: tuple[type, ...]) -> bool:
    key = (cls, types)
    found = _SUBCLASS.get(key)
    if found is None:
        found = _SUBCLASS[key] = issubclass(cls, types)
    return found


class NodeIndex:
    """Parent links and per-type lists of every node of a module, in source (pre-)order."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._enclosing: dict[tuple[type, ...], dict[cst.CSTNode, cst.CSTNode | None]] = {}
        self._by_type: dict[type, list[cst.CSTNode]] = defaultdict(list)
        self.order: dict[cst.CSTNode, int] = {}
        self._of_type: dict[tuple[type, ...], list[cst.CSTNode]] = {}
        parents = self.parents
        by_type = self._by_type
        order = self.order
        # child_nodes inlined, the fields read by one attrgetter per class: a call, a list and a
        # getattr per field of every node were half of this walk
        kinds = _KINDS
        getters = _GETTERS
        stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(module, None)]
        pop = stack.pop
        push = stack.append
        counter = 0
        while stack:
            node, parent = pop()
            if parent is not None:
                parents[node] = parent
            order[node] = counter
            counter += 1
            cls = type(node)
            by_type[cls].append(node)
            getter = getters.get(cls)
            if getter is None:
                getter = _getter(cls)
            children: list[cst.CSTNode] = []
            for value in getter(node):
                kind = kinds.get(type(value))
                if kind is None:
                    kind = _kind(type(value))
                if kind == 1:
                    children.append(value)
                elif kind == 2:
                    for v in value:
                        child = kinds.get(type(v))
                        if child is None:
                            child = _kind(type(v))
                        if child == 1:
                            children.append(v)
            for child in reversed(children):
                push((child, node))

    def of_type(self, *types: type[N]) -> list[N]:
        """Every node of the given types, in source order (subclasses included)."""
        cached = self._of_type.get(types)
        if cached is None:
            by_type = self._by_type
            if all(not cls.__subclasses__() for cls in types):
                # classes without subclasses (``cst.Call``, most questions): only those classes
                # themselves, looked up instead of testing each of the file's hundred classes
                matching = [cls for cls in dict.fromkeys(types) if cls in by_type]
            else:
                matching = [cls for cls in by_type if _subclass(cls, types)]
            cached = []
            for cls in matching:
                cached.extend(self._by_type[cls])
            if len(matching) > 1:
                cached.sort(key=self.order.__getitem__)
            self._of_type[types] = cached
        return list(cached)  # a copy: a rule may sort or extend what it gets

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def top_level(self, node: cst.CSTNode) -> bool:
        """``node in module.body``, without a scan of the body (whose nodes compare with a
        Python-level ``__eq__``: asked per function, the scans were a few per cent of ``Shapes``)."""
        return self.parents.get(node) is self.module

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def enclosing(self, node: cst.CSTNode, *types: type[N]) -> N | None:
        # Remembered for every node walked through (the first match at or above it): asked for
        # each node of an expression nested n deep, the walks would cost n^2.
        memo = self._enclosing.get(types)
        if memo is None:
            memo = self._enclosing[types] = {}
        matches = _MATCHES
        walked = []
        found = None
        current = self.parents.get(node)
        while current is not None:
            known = memo.get(current, _UNKNOWN)
            if known is not _UNKNOWN:
                found = known
                break
            key = (type(current), types)
            match = matches.get(key)
            if match is None:
                match = matches[key] = isinstance(current, types)
            if match:
                found = current
                break
            walked.append(current)
            current = self.parents.get(current)
        for passed in walked:
            memo[passed] = found
        return found  # type: ignore[return-value]

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


# -- positions --------------------------------------------------------------------------------------

class _Positions:
    """Stands in for libcst's PositionProvider: the codegen state below writes into ``_computed``."""

    __slots__ = ("_computed",)

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


class _Record:
    """``record_syntactic_position`` as a plain context manager; libcst's is generator-based and
    one is created for nearly every node of the tree."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "_PositionState", node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.line = self.state.line
        self.column = self.state.column

    def __exit__(self, *exc: object) -> bool:
        state = self.state
        computed = state.provider._computed
        start = (computed[self.start_node].start if self.start_node is not None
                 else CodePosition(self.line, self.column))
        end = (computed[self.end_node].end if self.end_node is not None
               else CodePosition(state.line, state.column))
        computed[self.node] = CodeRange(start, end)
        return False


class _PositionState(PositionProvidingCodegenState):
    """libcst's position-providing codegen with its two hot spots made cheap: a token without a
    line break only moves the column (libcst splits every token with a regular expression), and
    the recorder above."""

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            super()._update_position(value)
        else:
            self.column += len(value)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Record:  # type: ignore[override]
        return _Record(self, node, start_node, end_node)


def compute_positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    """Every node's range exactly as libcst's PositionProvider gives it (1-based lines, 0-based
    columns), at about twice its speed and without a MetadataWrapper.
    tests/robustness/test_robust_positions.py compares the two."""
    holder = _Positions()
    state = _PositionState(default_indent=module.default_indent,
                           default_newline=module.default_newline, provider=holder)  # type: ignore[arg-type]
    module._codegen(state)
    return holder._computed
