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

Two things say that nothing is lost. The loader's dataset is a standard split of known size
(:func:`dllint.analysis.dataset_sizes.dataset_size`, ``MNIST(root, train=False)``: 10,000) and the
batch size divides it: no batch is incomplete. Or the loader is bound to a name that is only ever
iterated by loops that keep nothing but the last batch (:func:`only_displayed`,
:func:`keeps_last_only`): a test loader used to show the reconstructions of its last batch measures
nothing, so no instance is missing from a measurement.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.data import TEST, TRAIN, VAL, DataProvenance, chains, last_name, name_role
from dllint.analysis.dataset_sizes import dataset_size
from dllint.analysis.imports import dotted_name

if TYPE_CHECKING:
    from dllint.context import FileContext


@dataclass(frozen=True)
class DroppingLoader:
    """``call`` (a DataLoader) drops its last batch, given ``drop`` (its ``drop_last=`` argument), on
    the path where it serves ``role`` (``VAL`` or ``TEST``). ``flag`` is None for ``drop_last=True``,
    else the name that is True on that path (shared with the training loader). ``dropped``: (the
    instances left out, the dataset's size) when both the size and the batch size are known."""

    call: cst.Call
    drop: cst.Arg
    role: str
    flag: str | None
    dropped: tuple[int, int] | None = None


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
        batch = provenance.batch_size(call)
        if batch == 1:
            continue  # batches of one sample: none is ever incomplete, nothing is dropped
        dataset = positional(call, 0) or keyword(call, "dataset")
        size = dataset_size(ctx, provenance, dataset.value, call) if dataset is not None else None
        if size is not None and batch is not None and batch > 0 and size % batch == 0:
            continue  # a standard split that is a whole number of batches: nothing is dropped
        if only_displayed(ctx, provenance, call):
            continue  # iterated only to show the last batch: no instance is measured
        yield DroppingLoader(call, drop, role, None if drop.value.value == "True" else drop.value.value,
                             (size % batch, size) if size is not None and batch else None)


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


# -- loaders iterated only to show something ----------------------------------------------------
# Classes whose call adds the batch to a state read at the end (``acc = metric(preds, y)`` then
# ``metric.compute()``): calling one in a loop measures, even when the result is overwritten.
_STATEFUL_METRICS = ("torchmetrics.", "ignite.metrics.", "torcheval.metrics.")
# Wrappers of a loader in a ``for`` header that keep its batches: ``enumerate(loader)``, ``tqdm(loader)``.
_LOOP_WRAPPERS = frozenset({"enumerate", "tqdm"})


def only_displayed(ctx: "FileContext", provenance: DataProvenance, call: cst.Call) -> bool:
    """The loader ``call``, bound to a plain name, is only ever iterated by ``for`` loops that keep
    nothing of their batches but the last one (:func:`keeps_last_only`): the test loader of a
    notebook that shows the reconstructions of its last batch measures nothing, so no instance is
    left out of a measurement. Any other use of the name (passed to a function, returned, stored,
    ``len(loader)``, another binding of it) or no use at all in the file: False."""
    parent = ctx.index.parent(call)
    if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)):
        return False
    name = parent.targets[0].target.value
    loops = 0
    for node in ctx.index.of_type(cst.Name):
        if node.value != name:
            continue
        home = ctx.index.parent(node)
        if isinstance(home, cst.Attribute) and home.attr is node \
                or isinstance(home, cst.Arg) and home.keyword is node \
                or isinstance(home, cst.Param) and home.name is node:
            continue  # another thing of that name: an attribute, a keyword, a parameter
        if isinstance(home, cst.AssignTarget) and home.target is node and home in parent.targets:
            continue  # the loader's own binding
        loop = _iterating_loop(ctx, node, home)
        if loop is None or not keeps_last_only(ctx, provenance, loop):
            return False
        loops += 1
    return loops > 0


def _iterating_loop(ctx: "FileContext", node: cst.Name, home: cst.CSTNode | None) -> cst.For | None:
    """The ``for`` loop whose header iterates ``node`` (also through ``enumerate`` / ``tqdm``)."""
    if isinstance(home, cst.For) and home.iter is node:
        return home
    if isinstance(home, cst.Arg) and home.value is node and home.keyword is None:
        wrapper = ctx.index.parent(home)
        if isinstance(wrapper, cst.Call) and wrapper.args and wrapper.args[0] is home \
                and last_name(wrapper.func) in _LOOP_WRAPPERS:
            loop = ctx.index.parent(wrapper)
            if isinstance(loop, cst.For) and loop.iter is wrapper:
                return loop
    return None


def keeps_last_only(ctx: "FileContext", provenance: DataProvenance, loop: cst.For) -> bool:
    """Each iteration of ``loop`` only binds names afresh: its body holds nothing but assignments
    (to names, or into a value bound earlier in the same iteration: ``codes[i, 0] = v``), ``if``,
    ``with`` and inner ``for`` blocks, and no value reads what an earlier iteration left
    (``total = total + n``) or calls a stateful metric. After the loop only the last batch's values
    remain: nothing is accumulated, printed, appended, updated or stepped. ``for ... else`` and
    ``async for`` are not such loops."""
    if loop.orelse is not None or loop.asynchronous is not None:
        return False
    assigned: set[str] = set()
    for node in _walk_statements(loop.body):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                assigned.update(_target_bases(target.target))
        elif isinstance(node, cst.For):
            assigned.update(_target_bases(node.target))
    return _block_keeps_last(ctx, provenance, loop.body, set(_target_bases(loop.target)), assigned)


def _block_keeps_last(ctx: "FileContext", provenance: DataProvenance, block: cst.BaseSuite,
                      fresh: set[str], assigned: set[str]) -> bool:
    def carried(expr: cst.CSTNode) -> bool:  # reads a value an earlier iteration left
        return any(name in assigned and name not in fresh for name in chains(expr))

    for statement in block.body:  # a suite's small statements, or a block's statements
        if isinstance(statement, (cst.SimpleStatementLine, cst.BaseSmallStatement)):
            smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
            for small in smalls:
                if isinstance(small, (cst.Pass, cst.Continue, cst.Break)):
                    continue
                if not isinstance(small, cst.Assign) or carried(small.value) \
                        or _calls_stateful_metric(ctx, provenance, small.value):
                    return False
                for target in small.targets:
                    if not _fresh_target(target.target, fresh) \
                            or any(carried(index) for index in _target_indices(target.target)):
                        return False
                for target in small.targets:
                    fresh.update(_target_bases(target.target))
        elif isinstance(statement, cst.If):
            branch: cst.If | cst.Else | None = statement
            while isinstance(branch, cst.If):
                if carried(branch.test) or not _block_keeps_last(ctx, provenance, branch.body,
                                                                 set(fresh), assigned):
                    return False
                branch = branch.orelse
            if branch is not None and not _block_keeps_last(ctx, provenance, branch.body, set(fresh), assigned):
                return False
        elif isinstance(statement, cst.With):
            inner = set(fresh)
            for item in statement.items:
                if carried(item.item) or item.asname is not None and not isinstance(item.asname.name, cst.Name):
                    return False
                if item.asname is not None:
                    inner.add(item.asname.name.value)
            if not _block_keeps_last(ctx, provenance, statement.body, inner, assigned):
                return False
        elif isinstance(statement, cst.For):
            if statement.orelse is not None or statement.asynchronous is not None or carried(statement.iter):
                return False
            if not _block_keeps_last(ctx, provenance, statement.body,
                                     fresh | set(_target_bases(statement.target)), assigned):
                return False
        else:
            return False  # an expression statement, ``+=``, ``return``, ``while``, ``try``...
    return True


def _walk_statements(block: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    """The statements of a block and of the blocks nested in it (small statements included)."""
    stack: list[cst.CSTNode] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            yield node
        if isinstance(node, cst.BaseExpression):
            continue
        stack.extend(reversed(node.children))


def _target_bases(target: cst.BaseExpression) -> list[str]:
    """The plain names an assignment target binds or writes into (``a, (b, c)``; ``a`` of ``a[i]``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_bases(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_bases(target.value)
    while isinstance(target, cst.Subscript):
        target = target.value
    return [target.value] if isinstance(target, cst.Name) else []


def _target_indices(target: cst.BaseExpression) -> Iterator[cst.CSTNode]:
    """The indices an assignment target reads (``i`` of ``a[i] = v``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_indices(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_indices(target.value)
    else:
        while isinstance(target, cst.Subscript):
            yield from target.slice
            target = target.value


def _fresh_target(target: cst.BaseExpression, fresh: set[str]) -> bool:
    """Binding ``target`` keeps nothing of an earlier iteration: a name, a tuple of them, or an
    element of a value bound earlier in this iteration (not ``self.x``, not ``preds[i]`` of a
    buffer made before the loop)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return all(_fresh_target(element.value, fresh) for element in target.elements)
    if isinstance(target, cst.StarredElement):
        return _fresh_target(target.value, fresh)
    if isinstance(target, cst.Name):
        return True
    if isinstance(target, cst.Subscript):
        base = target.value
        while isinstance(base, cst.Subscript):
            base = base.value
        return isinstance(base, cst.Name) and base.value in fresh
    return False


def _calls_stateful_metric(ctx: "FileContext", provenance: DataProvenance, expr: cst.CSTNode) -> bool:
    """``expr`` calls an object built by a metrics library (``metric(preds, y)``)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if not isinstance(node, cst.Call):
            continue
        if (ctx.imports.qualify(node.func) or "").startswith(_STATEFUL_METRICS):
            return True
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else node.func
        name = dotted_name(receiver)
        if name is None:
            continue
        for binding in provenance.lookup(node, name):
            value = binding.value
            if isinstance(value, cst.Call) and (ctx.imports.qualify(value.func) or "").startswith(_STATEFUL_METRICS):
                return True
    return False
