"""Reads of a tensor's ``.data`` (``torch.max(out.data, 1)``, ``print(p.data.norm())``,
``w.data.cpu().numpy()``): the facts behind DL102.

:func:`data_attributes` finds the ``x.data`` attributes that are ``Tensor.data`` (not a module named
``data``, not a gradient's ``x.grad.data``). :func:`data_use` says how the values are used: shown or
stored ("log": printed, logged, appended, formatted, turned into an array), read by a computation
("compute": arithmetic, a torch or numpy function, a method that does not end in ``_``), or neither
(None: a write, an in-place method (also through views: ``p.data.detach().zero_()``), ``out=``, an ``nn.init`` call, ``.item()``/``.tolist()`` that give a
Python value at once, metadata such as ``.shape``, ``.size()`` or ``len()``, a factory that takes only
the dtype and device such as ``.new()`` or ``.new_zeros(n)``, or a callee we cannot judge). :func:`writes_data` says whether the statement writes a ``.data`` (the deliberate idiom of
manual optimisers and weight surgery), :func:`bound_to_name` whether the value read is kept under a
name (it may share memory with the tensor and be written later).

What the tensor is comes from :class:`dllint.analysis.dataflow.GraphValues`: on the graph
(``is_graph``), a parameter or a leaf that requires grad (``leaf_kind``).
"""
from __future__ import annotations

from typing import Iterator

import libcst as cst

from dllint.analysis.dataflow import ALIASING_VIEWS, METADATA_BUILTINS, METADATA_METHODS, through_data
from dllint.analysis.imports import dotted_name
from dllint.context import FileContext
from dllint.index import iter_subtree

# Attributes of ``x.data`` that are tensors of the same values (a read through ``.data``).
TENSOR_ATTRIBUTES = frozenset({"T", "mT", "H", "mH", "real", "imag"})
# Callees whose arguments are only read and shown or stored.
LOGGING_CALLEES = frozenset({
    "print", "str", "repr", "format", "float", "int", "append", "extend", "add_scalar",
    "add_scalars", "add_histogram", "add_image", "histo_summary", "scalar_summary", "image_summary",
    "log", "info", "debug", "warning", "write", "save_image", "imshow", "plot", "hist", "list",
    "tuple",
})
# Factories that build a fresh tensor with only the receiver's dtype and device (and the shape or
# values given as arguments): ``w.data.new()``, ``w.data.new_zeros(n)``; no value of ``w`` is read.
FACTORY_METHODS = frozenset({"new", "new_empty", "new_zeros", "new_ones", "new_full", "new_tensor"})


def data_attributes(ctx: FileContext) -> Iterator[cst.Attribute]:
    """The ``x.data`` attributes of the file that are a tensor's ``.data``: not an imported name
    (``torch.utils.data``), not a gradient's (``p.grad.data``: a gradient is not on the graph)."""
    for node in ctx.index.of_type(cst.Attribute):
        if node.attr.value != "data" or ctx.imports.qualify(node) is not None:
            continue
        base = node.value
        if isinstance(base, cst.Attribute) and base.attr.value == "grad":
            continue
        yield node


def data_use(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """"log" (shown or stored), "compute" (read by a computation) or None (a write, an alias,
    metadata, or a use we cannot judge)."""
    parent = ctx.index.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        grand = ctx.index.parent(parent)
        if isinstance(grand, cst.Call) and grand.func is parent:
            method = parent.attr.value
            if method.endswith("_") and not method.startswith("__"):
                return None  # in place: a write
            if method in ("item", "tolist") or method in METADATA_METHODS:
                return None  # a Python value at once: no tensor escapes, nothing to protect
            if method in FACTORY_METHODS:
                return None  # a fresh tensor of the same dtype and device: metadata only
            if method in ALIASING_VIEWS and _written_in_place(ctx, grand):
                return None  # ``p.data.detach().zero_()``: a write through a view of the memory
            return "log" if method in ("cpu", "numpy") else "compute"
        # ``x.data.T`` is a tensor read; ``x.data.shape``, a DTensor's ``x.data.placements``
        # and other attributes are metadata, not a read of the values.
        return "compute" if parent.attr.value in TENSOR_ATTRIBUTES else None
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return data_use(ctx, parent)
    if isinstance(parent, cst.FormattedStringExpression):
        return "log"
    if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.Comparison,
                           cst.ComparisonTarget)):
        return "compute"
    if isinstance(parent, cst.Arg) and parent.value is node:
        call = ctx.index.parent(parent)
        if not isinstance(call, cst.Call):
            return None
        if parent.keyword is not None and parent.keyword.value == "out":
            return None
        callee = dotted_name(call.func) or ""
        if callee in METADATA_BUILTINS:
            return None  # ``len(x.data)``: metadata, no tensor escapes
        last = callee.rsplit(".", 1)[-1]
        if last.endswith("_") or (ctx.imports.qualify(call.func) or "").startswith("torch.nn.init"):
            return None
        if last in LOGGING_CALLEES:
            return "log"
        qualified = ctx.imports.qualify(call.func) or ""
        if qualified.split(".")[0] in ("torch", "numpy"):
            return "compute"
        return None
    return None


def _written_in_place(ctx: FileContext, view: cst.BaseExpression) -> bool:
    """``view`` (an alias of a ``.data``) is, through further views and indexing, the receiver of
    an in-place method: ``p.data.detach().zero_()``, ``p.data.view(-1)[0].fill_(1)``."""
    current = view
    parent = ctx.index.parent(current)
    while True:
        if isinstance(parent, cst.Subscript) and parent.value is current:
            current = parent
        elif isinstance(parent, cst.Attribute) and parent.value is current:
            call = ctx.index.parent(parent)
            if not (isinstance(call, cst.Call) and call.func is parent):
                return False
            method = parent.attr.value
            if method.endswith("_") and not method.startswith("__"):
                return True
            if method not in ALIASING_VIEWS:
                return False
            current = call
        else:
            return False
        parent = ctx.index.parent(current)


def writes_data(ctx: FileContext, node: cst.CSTNode) -> bool:
    """The statement of ``node`` assigns to a ``.data`` or calls an in-place method on one."""
    statement = ctx.index.statement_of(node)
    targets: list[cst.BaseExpression] = []
    if isinstance(statement, cst.Assign):
        targets = [t.target for t in statement.targets]
    elif isinstance(statement, (cst.AugAssign, cst.AnnAssign)):
        targets = [statement.target]
    for target in targets:
        while isinstance(target, cst.Subscript):
            target = target.value
        if isinstance(target, cst.Attribute) and target.attr.value == "data":
            return True
    for sub in iter_subtree(statement):
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute):
            receiver = sub.func.value
            method = sub.func.attr.value
            if method.endswith("_") and not method.startswith("__") and through_data(receiver):
                return True  # ``p.data.mul_(...)``, ``p.data[0].zero_()``, ``p.data.detach().zero_()``
    return False


def bound_to_name(ctx: FileContext, node: cst.CSTNode) -> bool:
    """The value of ``x.data`` (through methods, indexing) is assigned to a name."""
    current = node
    parent = ctx.index.parent(current)
    while isinstance(parent, (cst.Attribute, cst.Call, cst.Subscript)) and (
            getattr(parent, "value", None) is current or getattr(parent, "func", None) is current):
        current = parent
        parent = ctx.index.parent(current)
    return isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)) \
        and getattr(parent, "value", None) is current
