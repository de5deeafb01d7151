"""A persistent (immutable, structure-sharing) map: a hash array mapped trie.

A dataflow analysis keeps a state per program point. With a plain ``dict`` each binding copies the
whole state (a scope of n names costs n^2); here ``set`` and ``delete`` copy one path of at most 13
small nodes and share the rest, so keeping the state before every statement is linear in the
number of statements. Joins and equality skip the subtrees two maps share (``a is b``), which is
most of them where paths meet after a branch that bound a few names.

Iteration order follows the keys' hashes: callers must not let it reach their output.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

_BITS = 5
_MASK = (1 << _BITS) - 1
_MAX_SHIFT = 64  # past this, keys whose hashes agree share a bucket


class _Node(dict):
    """slot (0..31) -> a child _Node, a (key, value) pair, or a _Bucket."""

    __slots__ = ()


class _Bucket(dict):
    """key -> value for keys whose hashes agree on every bit."""

    __slots__ = ()


_MISSING = object()


def _hash(key: Any) -> int:
    return hash(key) & 0xFFFF_FFFF_FFFF_FFFF


class PMap:
    __slots__ = ("_root", "_size")

    def __init__(self, root: _Node | None = None, size: int = 0) -> None:
        self._root = root if root is not None else _Node()
        self._size = size

    # -- reading ----------------------------------------------------------------------------------
    def get(self, key: Any, default: Any = None) -> Any:
        h = _hash(key)
        node: Any = self._root
        shift = 0
        while True:
            entry = node.get((h >> shift) & _MASK)
            if entry is None:
                return default
            kind = type(entry)
            if kind is _Node:
                node = entry
                shift += _BITS
                continue
            if kind is tuple:
                return entry[1] if entry[0] == key else default
            return entry.get(key, default)

    def __contains__(self, key: Any) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def items(self) -> Iterator[tuple[Any, Any]]:
        stack: list[Any] = [self._root]
        while stack:
            node = stack.pop()
            for entry in node.values():
                kind = type(entry)
                if kind is _Node:
                    stack.append(entry)
                elif kind is tuple:
                    yield entry
                else:
                    yield from entry.items()

    def keys(self) -> Iterator[Any]:
        for key, _ in self.items():
            yield key

    def __iter__(self) -> Iterator[Any]:
        return self.keys()

    # -- writing (a new map; this one is unchanged) -----------------------------------------------
    def set(self, key: Any, value: Any) -> "PMap":
        root, added = _set(self._root, _hash(key), 0, key, value)
        if root is self._root:
            return self
        return PMap(root, self._size + added)

    def delete(self, key: Any) -> "PMap":
        root = _delete(self._root, _hash(key), 0, key)
        if root is self._root:
            return self
        return PMap(root, self._size - 1)

    # -- two maps ---------------------------------------------------------------------------------
    def same(self, other: "PMap") -> bool:
        return self is other or (self._size == other._size and _equal(self._root, other._root))

    def merge(self, other: "PMap", both: Callable[[Any, Any, Any], Any],
              one: Callable[[Any, Any], Any] | None = None) -> "PMap":
        """A map of ``both(key, a, b)`` for keys in both maps and ``one(key, value)`` for keys in
        one only (left out where the callback is None or returns None)."""
        if self is other:
            return self
        root = _merge(self._root, other._root, 0, both, one)
        if root is self._root:
            return self
        if root is other._root:
            return other
        size = 0
        for _ in _items(root):
            size += 1
        return PMap(root, size)


EMPTY = PMap()


def _items(node: Any) -> Iterator[tuple[Any, Any]]:
    return PMap(node).items()


def _set(node: _Node, h: int, shift: int, key: Any, value: Any) -> tuple[_Node, bool]:
    slot = (h >> shift) & _MASK
    entry = node.get(slot)
    if entry is None:
        new = _Node(node)
        new[slot] = (key, value)
        return new, True
    kind = type(entry)
    if kind is _Node:
        child, added = _set(entry, h, shift + _BITS, key, value)
        if child is entry:
            return node, False
        new = _Node(node)
        new[slot] = child
        return new, added
    if kind is tuple:
        if entry[0] == key:
            if entry[1] is value:
                return node, False
            new = _Node(node)
            new[slot] = (key, value)
            return new, False
        new = _Node(node)
        if shift + _BITS >= _MAX_SHIFT:
            new[slot] = _Bucket({entry[0]: entry[1], key: value})
            return new, True
        child, _ = _set(_Node(), _hash(entry[0]), shift + _BITS, entry[0], entry[1])
        child, _ = _set(child, h, shift + _BITS, key, value)
        new[slot] = child
        return new, True
    if entry.get(key, _MISSING) is value:
        return node, False
    bucket = _Bucket(entry)
    added = key not in bucket
    bucket[key] = value
    new = _Node(node)
    new[slot] = bucket
    return new, added


def _delete(node: _Node, h: int, shift: int, key: Any) -> _Node:
    slot = (h >> shift) & _MASK
    entry = node.get(slot)
    if entry is None:
        return node
    kind = type(entry)
    new = _Node(node)
    if kind is _Node:
        child = _delete(entry, h, shift + _BITS, key)
        if child is entry:
            return node
        if child:
            new[slot] = child
        else:
            del new[slot]
        return new
    if kind is tuple:
        if entry[0] != key:
            return node
        del new[slot]
        return new
    if key not in entry:
        return node
    bucket = _Bucket(entry)
    del bucket[key]
    new[slot] = bucket
    return new


def _equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is _Node and type(b) is _Node:
        if a.keys() != b.keys():
            return False
        return all(_equal(entry, b[slot]) for slot, entry in a.items())
    if type(a) is tuple and type(b) is tuple:
        return a[0] == b[0] and a[1] == b[1]
    return dict(_entries(a)) == dict(_entries(b))


def _entries(entry: Any) -> Iterator[tuple[Any, Any]]:
    kind = type(entry)
    if kind is tuple:
        yield entry
    elif kind is _Node:
        yield from _items(entry)
    else:
        yield from entry.items()


def _merge(a: _Node, b: _Node, shift: int, both, one) -> _Node:
    if a is b:
        return a
    out = _Node()
    for slot in a.keys() | b.keys():
        ea, eb = a.get(slot), b.get(slot)
        if ea is eb:
            out[slot] = ea
            continue
        if ea is not None and eb is not None and type(ea) is _Node and type(eb) is _Node:
            child = _merge(ea, eb, shift + _BITS, both, one)
            if child:
                out[slot] = child
            continue
        # Small or mixed subtrees: merge their entries one by one.
        left = dict(_entries(ea)) if ea is not None else {}
        right = dict(_entries(eb)) if eb is not None else {}
        child = _Node()
        for key in left.keys() | right.keys():
            if key in left and key in right:
                value = left[key] if left[key] is right[key] else both(key, left[key], right[key])
            elif one is None:
                value = None
            else:
                value = one(key, left[key] if key in left else right[key])
            if value is not None:
                child, _ = _set(child, _hash(key), shift + _BITS, key, value)
        if child:
            # The entries sit one level down: lift a lone pair back into this slot.
            if len(child) == 1 and type(next(iter(child.values()))) is tuple:
                out[slot] = next(iter(child.values()))
            else:
                out[slot] = child
    if out.keys() == a.keys() and all(out[s] is a[s] for s in out):
        return a
    if out.keys() == b.keys() and all(out[s] is b[s] for s in out):
        return b
    return out
