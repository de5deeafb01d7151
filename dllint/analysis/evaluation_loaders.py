"""DataLoaders that drop their last batch on an evaluation path (DL404's facts).

A *dropping loader* is a ``DataLoader(...)`` of torch or Lightning (a bare ``DataLoader`` only when
imported from them, or spelt as an attribute: ``torch.utils.data.DataLoader``) given ``drop_last=``
a name: ``True``, or a variable that is True on some path (``drop_last=drop_last``), and whose batch
size is not known to be 1 (a batch of one is never incomplete: :meth:`DataProvenance.batch_size`).

It serves evaluation (:func:`loader_role`) when its home names validation or test data (the name it
is bound to, ``val_loader``; its key in a dict of loaders, ``"val"``; the function that returns it)
or, failing a name, when the data provenance (:mod:`dllint.analysis.data`) gives its dataset only
evaluation roles (``MNIST(..., train=False)``, the validation part of a ``random_split``). A name that
says training, or a dataset with a training role, is left alone. With a variable
(:func:`branch_role`), ``drop_last = True`` must reach the loader from the body of
``if flag == "test":`` (:func:`guarding_comparison`) and the loader's dataset be built from that
``flag``: on that path the test (or validation) loader drops its last batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.data import TEST, TRAIN, VAL, DataProvenance, chains, last_name, name_role
from dllint.analysis.imports import dotted_name

if TYPE_CHECKING:
    from dllint.context import FileContext


@dataclass(frozen=True)
class DroppingLoader:
    """``call`` (a DataLoader) drops its last batch, given ``drop`` (its ``drop_last=`` argument), on
    the path where it serves ``role`` (``VAL`` or ``TEST``). ``flag`` is None for ``drop_last=True``,
    else the name that is True on that path (shared with the training loader)."""

    call: cst.Call
    drop: cst.Arg
    role: str
    flag: str | None


def dropping_evaluation_loaders(ctx: "FileContext", extra_test: tuple[str, ...] = (),
                                extra_val: tuple[str, ...] = ()) -> Iterator[DroppingLoader]:
    """The DataLoaders of the file that drop their last batch of evaluation data, in the order of
    the file's calls; ``extra_test`` / ``extra_val``: a project's own names for its test /
    validation data (whole names, e.g. ``holdout_ds``)."""
    provenance: DataProvenance | None = None
    for call in ctx.index.of_type(cst.Call):
        if last_name(call.func) != "DataLoader":
            continue
        drop = keyword(call, "drop_last")
        if drop is None or not isinstance(drop.value, cst.Name) or drop.value.value == "False":
            continue
        qualified = ctx.imports.qualify(call.func) or ""
        if not (qualified.startswith(("torch.", "lightning", "pytorch_lightning"))
                or qualified == ""):
            continue
        if qualified == "" and not isinstance(call.func, cst.Attribute):
            continue  # a bare DataLoader that was not imported from torch
        if provenance is None:
            provenance = ctx.analysis(DataProvenance)
        if drop.value.value == "True":
            role = loader_role(ctx, provenance, call, extra_test, extra_val)
        else:
            role = branch_role(ctx, provenance, call, drop.value.value, extra_test, extra_val)
        if role is None:
            continue
        if provenance.batch_size(call) == 1:
            continue  # batches of one sample: none is ever incomplete, nothing is dropped
        yield DroppingLoader(call, drop, role, None if drop.value.value == "True" else drop.value.value)


def loader_role(ctx: "FileContext", provenance: DataProvenance, call: cst.Call,
                extra_test: tuple[str, ...], extra_val: tuple[str, ...]) -> str | None:
    """val or test when the loader is an evaluation loader; None when unknown or training.
    ``extra_test`` / ``extra_val``: a project's own names for its test / validation data."""
    named = name_of_home(ctx, call)
    if named is not None:
        role = name_role(named.split(".")[-1], extra_test, extra_val)
        if role is not None:
            return None if role == TRAIN else role
    dataset = positional(call, 0) or keyword(call, "dataset")
    if dataset is None:
        return None
    roles = provenance.roles(dataset.value, extra_test=extra_test, extra_val=extra_val)
    if not roles or TRAIN in roles:
        return None
    return TEST if TEST in roles else VAL


def branch_role(ctx: "FileContext", provenance: DataProvenance, call: cst.Call, name: str,
                extra_test: tuple[str, ...], extra_val: tuple[str, ...]) -> str | None:
    """``drop_last=drop_last`` where ``drop_last = True`` reaches the loader from the branch
    of ``if flag == "test":`` and the loader's dataset is built from ``flag``: on that path
    the test (or validation) loader drops its last batch."""
    scope = provenance.scope_of(call)
    reaching = provenance.flowing(scope, call, name)
    dataset = positional(call, 0) or keyword(call, "dataset")
    if not reaching or dataset is None:
        return None
    for binding in reaching:
        if not (isinstance(binding.value, cst.Name) and binding.value.value == "True"):
            continue
        guard = guarding_comparison(ctx, binding.node, scope)
        if guard is None:
            continue
        compared, text = guard
        role = name_role(text, extra_test, extra_val)
        if role not in (TEST, VAL):
            continue
        # The dataset must be the one the compared flag selects (``Data(flag=flag)``).
        derived = provenance.forward(scope, {compared}, -1,
                                     until=ctx.index.order[ctx.index.statement_of(call)])
        if derived & set(chains(dataset.value)):
            return role
    return None


def guarding_comparison(ctx: "FileContext", node: cst.CSTNode, scope: cst.CSTNode) -> tuple[str, str] | None:
    """(the compared name, the string) when ``node`` sits directly in the body of
    ``if name == "string":`` (or ``elif``, or ``"string" == name``)."""
    child, parent = node, ctx.index.parent(node)
    while parent is not None and parent is not scope:
        if isinstance(parent, cst.If):
            if child is not parent.body:
                return None  # in the else part: the condition is false there
            test = parent.test
            if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                    and isinstance(test.comparisons[0].operator, cst.Equal)):
                return None
            left, right = test.left, test.comparisons[0].comparator
            if isinstance(left, (cst.SimpleString, cst.ConcatenatedString)):
                left, right = right, left
            text = string(right)
            compared = dotted_name(left)
            return (compared, text) if text is not None and compared is not None else None
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.For, cst.While, cst.With, cst.Try)):
            return None
        child, parent = parent, ctx.index.parent(parent)
    return None


def name_of_home(ctx: "FileContext", call: cst.Call) -> str | None:
    """What the loader is called: its assignment target, its dict key, or the function returning it."""
    parent = ctx.index.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        return dotted_name(parent.targets[0].target)
    if isinstance(parent, cst.AnnAssign):
        return dotted_name(parent.target)
    if isinstance(parent, cst.DictElement) and parent.value is call:
        key = parent.key
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            return key.evaluated_value
    if isinstance(parent, cst.Return):
        function = ctx.index.function_of(call)
        if function is not None:
            return function.name.value
    return None
