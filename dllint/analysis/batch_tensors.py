"""Which tensors hold a batch (their first dimension is the batch), and ``squeeze()`` calls without
a dimension: the facts behind DL202.

A batch tensor: the input of a module's ``forward``; the values a ``for`` loop takes from a data
loader (``Shapes.loader_target``) and items of such a batch container (``x, y = batch``,
``batch["image"]``, ``batch[0]`` where the scope also reads ``batch[1]``); the ``batch`` parameter
of a ``*_step`` function (Lightning, ignite); what those become through shape-keeping calls,
element-wise arithmetic, slicing that keeps the first dimension, and calls of a model on them; and
a tensor whose known first dimension (``dllint.analysis.shapes``) is a batch or is named like a
batch size. Names are followed in statement order within each scope (:class:`BatchTensors`).

Row counts (:meth:`BatchTensors.rows`, :class:`Rows`): the number of rows of a batch where it
is used, when fixed by construction, so that a batch of one cannot come by chance: two or more
(the batches of a ``DataLoader(..., drop_last=True)`` whose size is never below 2,
:func:`full_batches`, or over a dataset of known size in batches that leave no last batch of one,
:func:`sized_batches`, also when a class holds the loader from its constructor and every
construction across the project passes one, :meth:`BatchTensors._constructed_loader_rows`; rows picked by an index of a constant count; a stepped minibatch slice of a
permutation of a fixed-size rollout; a buffer stacked every ``k`` steps of a counter stepped with
an append) or exactly one (one value given a batch axis); through the calls that reach a function,
its parameters' (a module's ``forward``: the calls of its instances).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.callers import class_constructions, constructor_arguments, files_naming, init_of, local_sites, owner_class
from dllint.analysis.data import DataProvenance
from dllint.analysis.dataset_sizes import dataset_size
from dllint.analysis.imports import dotted_name
from dllint.analysis.broadcasts import LOSS_FUNCTIONS, loss_module_names
from dllint.analysis.calls import keyword, string
from dllint.analysis.models import Models
from dllint.analysis.project import project_imports, subclass_assignments
from dllint.analysis.settings import SUPPLIED, setting_values
from dllint.analysis.shapes import _LOOP_WRAPPERS, SAME_SHAPE, Shapes, dataloader_batches, is_batch_dim
from dllint.context import FileContext

_BATCH_DIMS = frozenset({"b", "B", "bs", "bsz", "batch", "batch_size", "batchsize", "n_batch",
                         "nbatch", "batch_sz"})
# Callees that are not models: a batch passed to them does not give a batch back.
_NOT_MODELS = frozenset({
    "len", "print", "float", "int", "str", "list", "tuple", "dict", "set", "sum", "max", "min",
    "abs", "round", "sorted", "zip", "enumerate", "range", "isinstance", "type", "repr", "iter",
    "next", "map", "filter", "any", "all", "id", "hash", "getattr", "hasattr", "setattr", "vars",
    "criterion", "loss_fn", "loss_func", "lossfn", "accuracy", "compute_loss", "loss",
})
_CONVERSIONS_OUT = frozenset({"numpy", "tolist", "item"})
# Draws of a number of indices: (qualified name, position of the count, its keyword).
_INDEX_DRAWS = {
    "numpy.random.choice": (1, "size"),
    "numpy.random.randint": (2, "size"),
    "random.sample": (1, "k"),
    "torch.randint": (-1, "size"),
}
# Index arrays of a known length n: a permutation of range(n).
_PERMUTATIONS = frozenset({"numpy.arange", "numpy.random.permutation", "torch.randperm",
                           "torch.arange", "range"})
# Methods of a module that give the module back (``Actor(...).to(device)``).
_MODULE_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval",
                           "requires_grad_", "share_memory"})
# A list of tensors (or numbers) made one tensor with a row per entry.
_CONCATENATIONS = frozenset({"cat", "concat", "concatenate"})
_LIST_TENSORS = frozenset({"torch.stack", "numpy.stack", "numpy.array", "numpy.asarray",
                           "torch.tensor", "torch.as_tensor", "torch.FloatTensor", "torch.Tensor",
                           "torch.LongTensor"})
# How deep a buffer's appends are followed into the functions it is passed to.
MAX_APPEND_DEPTH = 3
# A parameter's value through the calls that reach its function: this many calls up at most.
MAX_CALL_HOPS = 4
_DISPLAY = frozenset({"imshow", "imsave", "plot", "scatter", "hist", "show", "print",
                      "save_image", "make_grid", "add_image", "add_images", "matshow"})


# -- squeeze() calls -----------------------------------------------------------------------------
def bare_squeeze_subject(ctx: FileContext, call: cst.Call) -> cst.BaseExpression | None:
    """What ``call`` squeezes when it is a torch ``squeeze()`` without a dimension
    (``x.squeeze()``, ``x.squeeze_()``, ``torch.squeeze(x)``); None for anything else, numpy's
    ``np.squeeze`` included."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("squeeze", "squeeze_"):
        qualified = ctx.imports.qualify(func)
        if qualified is None:  # x.squeeze(), x.squeeze_(): a method
            return func.value if not call.args else None
        # torch.squeeze(x); np.squeeze(a) is numpy's and out of scope.
        bare = qualified == "torch.squeeze" and len(call.args) == 1 \
            and call.args[0].keyword is None and not call.args[0].star
        return call.args[0].value if bare else None
    if isinstance(func, cst.Name):
        bare = ctx.imports.qualify(func) == "torch.squeeze" and len(call.args) == 1 \
            and call.args[0].keyword is None and not call.args[0].star
        return call.args[0].value if bare else None
    return None


def converted_for_display(ctx: FileContext, call: cst.Call) -> bool:
    """``x.squeeze().numpy()``, ``plt.imshow(x.squeeze())``: squeezed to be shown, where
    dropping every singleton is what the author wants."""
    index = ctx.index
    node: cst.CSTNode = call
    for _ in range(4):
        parent = index.parent(node)
        if isinstance(parent, cst.Arg):
            outer = index.parent(parent)
            func = outer.func if isinstance(outer, cst.Call) else None
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else None)
            return last in _DISPLAY
        if not isinstance(parent, cst.Attribute) or parent.value is not node:
            return False
        if parent.attr.value in _CONVERSIONS_OUT:
            return True
        call2 = index.parent(parent)
        if not isinstance(call2, cst.Call):
            return False
        node = call2
    return False


# ``torch.X_like(v)``: a tensor of ``v``'s shape, whatever that shape is.
_LIKE = frozenset({"torch.ones_like", "torch.zeros_like", "torch.full_like", "torch.empty_like",
                   "torch.rand_like", "torch.randn_like"})
_FULL_REDUCTIONS = frozenset({"mean", "sum"})


def shape_agnostic_use(ctx: FileContext, call: cst.Call) -> bool:
    """``v = x.squeeze()`` whose every use gives the same result whether ``v`` kept a batch
    dimension of one or not: ``v`` bound once in its function and read only as the sole argument
    of a ``torch.*_like`` (or a name bound once to one, read only as below), as an input or target
    of an element-wise loss (:func:`dllint.analysis.broadcasts.loss_module_names`, or its
    functional form) that reduces to one number and whose other side is ``v`` or such a
    ``*_like`` of it, or in a full reduction (``v.mean()``, ``torch.sum(v)``). A ``(1,)`` tensor
    and a 0-d one then give the same loss: the squeeze cannot lose anything that matters.
    Also :func:`written_into_created_tensor`."""
    if written_into_created_tensor(ctx, call):
        return True
    index = ctx.index
    assign = index.parent(call)
    if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)):
        return False
    scope = index.function_of(assign)
    bindings = ctx.analysis(Bindings)

    def bound_once(name: str) -> bool:
        return len(bindings.values.get((scope if scope is not None else ctx.module, name), [])) == 1

    def reads(name: str, binder: cst.Assign) -> list[cst.Name] | None:
        """Every read of ``name`` in ``scope``; None when a nested scope mentions it."""
        found = []
        for node in index.of_type(cst.Name):
            if node.value != name or node is binder.targets[0].target:
                continue
            inner = index.function_of(node)
            if inner is not scope:
                if scope is None or any(a is scope for a in index.ancestors(node)):
                    return None  # a closure or nested function reads it
                continue
            found.append(node)
        return found

    squeezed = assign.targets[0].target.value
    if not bound_once(squeezed):
        return False
    losses = loss_module_names(ctx)

    def like_of_squeezed(expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and isinstance(expr.func, (cst.Name, cst.Attribute)) \
            and ctx.imports.qualify(expr.func) in _LIKE and bool(expr.args) \
            and expr.args[0].keyword is None and not expr.args[0].star \
            and isinstance(expr.args[0].value, cst.Name) and expr.args[0].value.value == squeezed

    likes: dict[str, cst.Assign] = {}

    def same_shape(expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Name) and (expr.value == squeezed or expr.value in likes) \
            or like_of_squeezed(expr)

    def reducing_loss(loss_call: cst.Call) -> bool:
        """An element-wise loss of ``v`` and a tensor of its shape, reduced to one number."""
        if any(a.star for a in loss_call.args) or any(
                a.keyword is not None and a.keyword.value == "reduction" for a in loss_call.args):
            return False
        func = loss_call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return False
        qualified = ctx.imports.qualify(func) or ""
        if qualified.startswith("torch.nn.functional.") and \
                qualified.rsplit(".", 1)[-1] in LOSS_FUNCTIONS:
            pass
        else:
            callee = dotted_name(func)
            if callee is None or callee not in losses or not _default_reduction(ctx, callee):
                return False
        positional = [a.value for a in loss_call.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in loss_call.args if a.keyword is not None}
        first = positional[0] if positional else keywords.get("input")
        second = positional[1] if len(positional) > 1 else keywords.get("target")
        return len(positional) <= 2 and set(keywords) <= {"input", "target"} and \
            first is not None and second is not None and same_shape(first) and same_shape(second)

    def allowed(read: cst.Name, like_allowed: bool) -> bool:
        parent = index.parent(read)
        if isinstance(parent, cst.Arg):
            outer = index.parent(parent)
            if not isinstance(outer, cst.Call):
                return False
            if like_allowed and like_of_squeezed(outer) and outer.args[0] is parent:
                holder = index.parent(outer)
                if isinstance(holder, cst.Arg) and isinstance(index.parent(holder), cst.Call):
                    return reducing_loss(index.parent(holder))
                return isinstance(holder, cst.Assign) and holder.value is outer and \
                    len(holder.targets) == 1 and isinstance(holder.targets[0].target, cst.Name) \
                    and holder.targets[0].target.value in likes
            qualified = ctx.imports.qualify(outer.func) \
                if isinstance(outer.func, (cst.Name, cst.Attribute)) else None
            if qualified in ("torch.mean", "torch.sum") and len(outer.args) == 1:
                return True
            return reducing_loss(outer)
        if isinstance(parent, cst.Attribute) and parent.value is read and \
                parent.attr.value in _FULL_REDUCTIONS:
            called = index.parent(parent)
            return isinstance(called, cst.Call) and called.func is parent and not called.args
        return False

    # names bound once to a *_like of v
    for node in index.of_type(cst.Assign):
        if index.function_of(node) is scope and len(node.targets) == 1 and \
                isinstance(node.targets[0].target, cst.Name) and like_of_squeezed(node.value) and \
                bound_once(node.targets[0].target.value):
            likes[node.targets[0].target.value] = node
    own = reads(squeezed, assign)
    if not own or not all(allowed(r, True) for r in own):
        return False
    for name, binder in likes.items():
        found = reads(name, binder)
        if found is None or not all(
                isinstance(index.parent(r), cst.Arg) and
                isinstance(index.parent(index.parent(r)), cst.Call) and
                reducing_loss(index.parent(index.parent(r))) for r in found):
            return False
    return True


# Tensor methods that keep the leading axes of their receiver in place: element-wise ones, and
# (given a negative dim, or none) reductions and normalisations over the trailing axes.
_ELEMENTWISE_KEEPING = frozenset({"float", "double", "half", "long", "int", "bool", "detach", "cpu",
                                  "cuda", "to", "clone", "contiguous", "sigmoid", "exp", "log", "abs",
                                  "neg", "round", "type"})
_TRAILING_REDUCTIONS = frozenset({"argmax", "argmin", "max", "min", "sum", "mean", "prod", "amax",
                                  "amin", "softmax", "log_softmax", "logsumexp", "std", "var",
                                  "norm", "all", "any"})


def written_into_created_tensor(ctx: FileContext, call: cst.Call) -> bool:
    """The squeeze ``call`` feeds, through element-wise methods and reductions over trailing axes
    (a negative ``dim``, or none at all: ``.argmax(-1)``, ``.max(-1)[1]``, ``.softmax(dim=-1)``,
    ``.long()``), only the value of an item assignment into a tensor the code created
    (``tgt[:, i + 1] = p.squeeze().argmax(-1)`` with ``tgt = torch.zeros(bs, n)``; fourteenth audit
    DV). For a batch of one the squeeze drops the leading batch axis the unsqueezed form would
    keep, the trailing axes are the same, and writing into a tensor strips a value's leading axes
    of size one: the tensor is written the same."""
    from dllint.analysis.optimised_tensors import created_tensor

    index = ctx.index
    node: cst.CSTNode = call
    while True:
        parent = index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            holder = index.parent(parent)
            if not (isinstance(holder, cst.Call) and holder.func is parent):
                if parent.attr.value in ("values", "indices") and _pair_with_dim(node):
                    node = parent  # ``.max(-1).indices``
                    continue
                return False
            method = parent.attr.value
            if method in _ELEMENTWISE_KEEPING:
                node = holder
                continue
            if method not in _TRAILING_REDUCTIONS or any(a.star for a in holder.args):
                return False
            dims = [a.value for a in holder.args if a.keyword is None][:1] + \
                [a.value for a in holder.args if a.keyword is not None and a.keyword.value in ("dim", "axis")]
            if not all(_negative_literal(d) for d in dims):
                return False
            node = holder
            continue
        if isinstance(parent, cst.Subscript) and parent.value is node and _pair_with_dim(node) \
                and len(parent.slice) == 1 and isinstance(parent.slice[0].slice, cst.Index) \
                and isinstance(parent.slice[0].slice.value, cst.Integer):
            node = parent  # ``.max(-1)[1]``: the indices (or the values) of the pair, not a row
            continue
        break
    if not (isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1):
        return False
    target = parent.targets[0].target
    return isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
        and created_tensor(ctx, target.value)


def _pair_with_dim(node: cst.CSTNode) -> bool:
    """``v.max(-1)``: a (values, indices) pair, given a dimension."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value in ("max", "min") and bool(node.args)


def _negative_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) \
        and isinstance(expr.expression, cst.Integer)


def _default_reduction(ctx: FileContext, callee: str) -> bool:
    """Every binding of ``callee`` (``self.bce``) is a loss module made without ``reduction``, or
    with ``"mean"``/``"sum"``: its value is one number."""
    found = False
    for assign in ctx.index.of_type(cst.Assign):
        if not any(dotted_name(t.target) == callee for t in assign.targets):
            continue
        made = assign.value
        while isinstance(made, cst.Call) and isinstance(made.func, cst.Attribute) and \
                isinstance(made.func.value, cst.Call):
            made = made.func.value  # nn.BCELoss().cuda()
        if not isinstance(made, cst.Call) or any(a.star for a in made.args):
            return False
        reduction = keyword(made, "reduction")
        if reduction is not None and string(reduction.value) not in ("mean", "sum"):
            return False
        if any(a.keyword is None for a in made.args):
            return False  # the old positional size_average/reduce arguments
        found = True
    return found


# -- loaders whose batches are all full ---------------------------------------------------------
def full_batches(ctx: FileContext, call: cst.Call) -> bool:
    """A ``DataLoader(..., batch_size=n, drop_last=True)`` call: every batch it gives has ``n``
    rows (a data set of fewer than ``n`` items gives none), so no batch of one comes at the end of
    an epoch. ``n`` must batch (not ``None``, no ``batch_sampler``) and may not be 1 on any path
    the file shows (:func:`dllint.analysis.settings.setting_values`): a literal or name of 2 or
    more, or a size supplied from outside the file (``args.batch_size``), the same for every batch;
    anything computed (``min(64, len(ds))``) is not known and does not count."""
    qualified = ctx.imports.qualify(call.func) if isinstance(call.func, (cst.Name, cst.Attribute)) \
        else None
    if not dataloader_batches(call, qualified):
        return False
    drop = keyword(call, "drop_last")
    if drop is None or not (isinstance(drop.value, cst.Name) and drop.value.value == "True") \
            or keyword(call, "batch_sampler") is not None:
        return False
    size = keyword(call, "batch_size")
    if size is None:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if len(positional) < 2:
            return False
        value = positional[1]
    else:
        value = size.value
    outcomes = setting_values(ctx, value)
    return bool(outcomes) and all(
        outcome == SUPPLIED if isinstance(outcome, str) else outcome >= 2 for outcome in outcomes)


# DataLoader arguments that leave the number and order of a map-style dataset's indices, and so the
# sizes of its batches, as the dataset's size and the batch size make them; any other (``sampler``,
# ``batch_sampler``, ``collate_fn``, ``**kwargs``) may change them.
_SIZE_KEEPING = frozenset({"dataset", "batch_size", "shuffle", "num_workers", "pin_memory",
                           "drop_last", "timeout", "worker_init_fn", "generator", "prefetch_factor",
                           "persistent_workers", "pin_memory_device", "multiprocessing_context",
                           "in_order"})


def sized_batches(ctx: FileContext, call: cst.Call) -> "Rows | None":
    """The rows of every batch of ``torch.utils.data.DataLoader(dataset, batch_size=B)`` over a
    dataset of a known size ``N`` (:func:`dllint.analysis.dataset_sizes.dataset_size`: a standard
    split of a torchvision dataset; a ``TensorDataset`` of tensors of known rows) with a known
    constant ``B`` (``DataProvenance.batch_size``): ``B`` rows (``N`` when fewer), the last batch
    ``N % B`` when that is not 0, so at least ``min(B, N % B or B)``. Only a count that is never 1
    (``B >= 2``, ``N >= 2``, ``N % B != 1``) is a ``Rows``: CIFAR-10's 50,000 training images in
    512s end with a batch of 336. None when anything else could change
    the batches: arguments other than the dataset, the batch size and those of
    :data:`_SIZE_KEEPING` (a ``sampler``, a ``DistributedSampler`` among them, splits or draws
    indices; a ``collate_fn`` may drop samples), positional arguments past ``shuffle``, ``*args``,
    or a DataLoader not torch's (a graph loader's rows are nodes)."""
    qualified = ctx.imports.qualify(call.func) if isinstance(call.func, (cst.Name, cst.Attribute)) \
        else None
    if qualified not in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        return None
    positional_args = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or len(positional_args) > 3 or any(
            a.keyword.value not in _SIZE_KEEPING for a in call.args if a.keyword is not None):
        return None
    dataset = positional_args[0].value if positional_args else (
        keyword(call, "dataset").value if keyword(call, "dataset") is not None else None)
    if dataset is None:
        return None
    provenance = ctx.analysis(DataProvenance)
    size = provenance.batch_size(call)
    total = dataset_size(ctx, provenance, dataset, call)
    if total is None:
        total = _tensor_dataset_rows(ctx, provenance, dataset, call)
    if size is None or total is None or size < 2 or total < 2 or total % size == 1:
        return None
    return Rows(min(size, total % size or size), min(size, total))


_TENSOR_DATASETS = frozenset({"torch.utils.data.TensorDataset",
                              "torch.utils.data.dataset.TensorDataset"})


def _tensor_dataset_rows(ctx: FileContext, provenance: DataProvenance,
                         expr: cst.BaseExpression, at: cst.CSTNode) -> int | None:
    """The items of ``TensorDataset(x, ...)`` (the call, or a name whose one reaching binding is
    it): the first dimension of ``x`` where the shape analysis knows it as a number
    (``torch.randn(1000, 8)``); TensorDataset checks that every tensor has as many rows."""
    if isinstance(expr, cst.Name):
        found = provenance.lookup(at, expr.value)
        if not found or len(found) != 1:
            return None
        binding = next(iter(found))
        if binding.kind != "assign" or binding.position is not None:
            return None
        expr = binding.value
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)) or \
            ctx.imports.qualify(expr.func) not in _TENSOR_DATASETS or not expr.args or \
            expr.args[0].star or expr.args[0].keyword is not None:
        return None
    shape = ctx.analysis(Shapes).shape_of(expr.args[0].value)
    first = shape.dims[0] if shape is not None and shape.rank > 0 else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


# -- row counts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    """A batch's number of rows where it stands, fixed by construction: at least ``low``, at most
    ``high`` (None: no bound known). A count that may be one by chance is no ``Rows`` (unknown):
    ``low`` is 1 only where one row is a batch axis the author added (exactly one, or, through
    :meth:`union`, that on some calls and two or more on the others)."""
    low: int
    high: int | None = None

    def broadcast(self, other: Rows) -> Rows:
        """The rows of an element-wise result of two operands: a row of one broadcasts."""
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return Rows(max(self.low, other.low), high)

    def union(self, other: Rows) -> Rows:
        """The rows of a value that is one or the other (the arguments of two calls)."""
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return Rows(min(self.low, other.low), high)


ONE = Rows(1, 1)
SEVERAL = Rows(2)


# -- batch tensors -------------------------------------------------------------------------------
class BatchTensors:
    """Whether an expression of one file holds a batch. Each scope's batch names are computed once,
    on first request, in statement order."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._shapes = ctx.analysis(Shapes)
        self._batch_by_scope: dict[cst.CSTNode | None, tuple[list[int], list[tuple[cst.CSTNode | None, set[str]]]]] = {}
        self._containers: set[str] = set()  # loop targets that may hold (x, y) or {"x": ...}
        self._container_cache: dict[tuple[str, cst.CSTNode | None], bool] = {}
        self._full_loader_names: dict[object, bool] = {}
        self._loader_names: dict[object, Rows | None] | None = None
        self._param_loader_memo: dict[tuple[cst.FunctionDef, str], Rows | None] = {}
        self._binders: dict[int, cst.CSTNode] | None = None  # order -> binding statement
        self._rows_cache: dict[cst.CSTNode, Rows | None] = {}
        # (function, parameter) -> the expression each call reaching it passes (None: unknown)
        self._arguments: dict[tuple[cst.FunctionDef, str], list[cst.BaseExpression] | None] = {}
        self._param_rows_memo: dict[tuple[cst.FunctionDef, str], Rows | None] = {}
        self._param_ints: dict[tuple[cst.FunctionDef, str], int | None] = {}
        self._hops = 0
        self._imported: bool | None = None
        self._names_by_value: dict[str, list[cst.Name]] | None = None

    def is_batch(self, expr: cst.BaseExpression) -> bool:
        """``expr``'s first dimension is the batch, where it stands."""
        shape = self._shapes.shape_of(expr)
        if shape is not None:
            return shape.rank > 0 and (shape.dims[0] in _BATCH_DIMS or is_batch_dim(shape.dims[0]))
        scope = self._ctx.index.function_of(expr)
        return self._batch_expr(expr, self._names_at(scope, expr))

    def _names_at(self, scope: cst.CSTNode | None, expr: cst.CSTNode) -> set[str]:
        """The batch names where ``expr`` stands (statement order; the statement itself excluded)."""
        k = self._event_at(scope, expr)
        return self._batch_by_scope[scope][1][k][1] if k >= 0 else set()

    def _event_at(self, scope: cst.CSTNode | None, expr: cst.CSTNode) -> int:
        """The index of the last event of ``scope`` before ``expr``'s statement (-1: none)."""
        history = self._batch_names(scope)
        index = self._ctx.index
        here = index.order[expr]
        statement = index.statement_of(expr)
        k = bisect.bisect_left(history[0], here) - 1
        while k >= 0 and history[1][k][0] is statement:
            k -= 1
        return k

    def _loader_rows(self, iterable: cst.BaseExpression) -> Rows | None:
        """The rows of every batch of the ``for`` loop's iterable, when it is a loader whose batches
        are never of one by chance: ``DataLoader(...)`` itself (through ``enumerate``/``tqdm``), or
        a name every binding of which in the file is one (the :meth:`Rows.union` of theirs): one
        of full batches (:func:`full_batches`, two rows or more) or one over a dataset of known
        size (:func:`sized_batches`). A parameter's loader is what every call reaching its
        function passes; where those are not known, only full batches of the file's loaders of
        that name count, as before."""
        for _ in range(8):
            if not isinstance(iterable, cst.Call) or not iterable.args:
                break
            if full_batches(self._ctx, iterable):
                return SEVERAL
            rows = sized_batches(self._ctx, iterable)
            if rows is not None:
                return rows
            last = (dotted_name(iterable.func) or "").rsplit(".", 1)[-1]
            if last not in _LOOP_WRAPPERS:
                return None
            iterable = iterable.args[0].value
        name = dotted_name(iterable)
        if name is None:
            return None
        if self._loader_names is None:
            # (scope, name) and name -> the union of the rows of every binding there (None: one
            # binding is no loader of known rows); and whether each is one of full batches
            self._loader_names = {}
            self._full_loader_names = {}
            for assign in self._ctx.index.of_type(cst.Assign):
                call = assign.value if isinstance(assign.value, cst.Call) else None
                full = call is not None and full_batches(self._ctx, call)
                rows = SEVERAL if full else (sized_batches(self._ctx, call) if call is not None
                                             else None)
                scope = self._ctx.index.function_of(assign)
                for t in assign.targets:
                    bound = dotted_name(t.target)
                    if bound is not None:
                        for key in ((scope, bound), bound):
                            self._full_loader_names[key] = self._full_loader_names.get(key, True) and full
                            known = self._loader_names.get(key, rows)
                            self._loader_names[key] = None if known is None or rows is None \
                                else known.union(rows)
        # a local name bound in the loop's own scope is one of those bindings; else any in the file
        scope = self._ctx.index.function_of(iterable)
        local = (scope, name)
        if isinstance(iterable, cst.Name) and local in self._loader_names:
            rows = self._loader_names[local]
            param = next((p for p in (*scope.params.posonly_params, *scope.params.params,
                                      *scope.params.kwonly_params) if p.name.value == name), None) \
                if isinstance(scope, cst.FunctionDef) and rows is not None else None
            if param is None or rows == SEVERAL:
                return rows
            # `if loader is None: loader = DataLoader(...)`: the parameter's loader may reach too
            passed = self._param_loader_rows(param)
            return None if passed is None else rows.union(passed)
        if isinstance(iterable, cst.Name):
            binder = self._binding_before(iterable)
            if isinstance(binder, cst.Param):
                passed = self._param_loader_rows(binder)
                if passed is not None:
                    return passed
                # not the file's loader of that name by its bindings: only full batches count
                return SEVERAL if self._full_loader_names.get(name, False) else None
        found = self._loader_names.get(name)
        if found is None and isinstance(iterable, cst.Attribute):
            return self._constructed_loader_rows(iterable)
        return found

    def _constructed_loader_rows(self, attribute: cst.Attribute) -> Rows | None:
        """``self.loader`` of a method of a top-level class whose one binding in the class is
        ``self.loader = loader`` in ``__init__``, of a parameter never rebound there, that no
        subclass and no other assignment in the file sets: the :meth:`Rows.union` of the rows of
        the loaders that every construction of the class across the project passes
        (:func:`dllint.analysis.callers.constructor_arguments`, a subclass's ``super().__init__``
        included), each read in its own module."""
        ctx = self._ctx
        if not (isinstance(attribute.value, cst.Name) and attribute.value.value == "self") \
                or self._hops >= MAX_CALL_HOPS:
            return None
        function = ctx.index.function_of(attribute)
        klass = owner_class(ctx, function) if function is not None else None
        if not isinstance(klass, cst.ClassDef) or klass not in ctx.module.body:
            return None
        attr = attribute.attr.value
        bindings = ctx.analysis(Bindings)
        entries = bindings.values.get((klass, f"self.{attr}"), [])
        init = init_of(klass)
        if len(entries) != 1 or init is None:
            return None
        binder = self._binder_at(entries[0][0])
        value = binder.value if isinstance(binder, cst.Assign) else None
        if ctx.index.function_of(binder) is not init or not isinstance(value, cst.Name) or \
                len(bindings.values.get((init, value.value), [])) != 1 or \
                not any(p.name.value == value.value for p in (
                    *init.params.posonly_params, *init.params.params, *init.params.kwonly_params)):
            return None
        # set anywhere else (``model.loader = ...``, a subclass): its batches are not only those
        if any(isinstance(t.target, cst.Attribute) and t.target.attr.value == attr
               and t is not binder.targets[0]
               for t in ctx.index.of_type(cst.AssignTarget)) or \
                subclass_assignments(ctx, klass, attr):
            return None
        arguments = constructor_arguments(ctx, klass, value.value)
        if not arguments:
            return None
        return self._rows_across(arguments)

    def _rows_across(self, loaders: list[tuple[FileContext, cst.BaseExpression]]) -> Rows | None:
        """The :meth:`Rows.union` of the rows of the loaders, each read in its own module one hop
        further; None when one is not known."""
        found: Rows | None = None
        self._hops += 1
        try:
            for module, loader in loaders:
                reader = self if module is self._ctx else BatchTensors(module)
                if reader is not self:
                    reader._hops = self._hops
                rows = reader._loader_rows(loader)
                if rows is None:
                    return None
                found = rows if found is None else found.union(rows)
        finally:
            self._hops -= 1
        return found

    def _step_batch_rows(self, param: cst.Param) -> Rows | None:
        """The rows of the ``batch`` a Lightning trainer hands to a ``*_step`` method of a top-level
        class (:data:`_STEP_LOADERS`): the :meth:`Rows.union` of those of the loaders that the
        trainer calls given the instances of the class or of its subclasses pass for that step,
        over every construction across the project
        (:func:`dllint.analysis.callers.class_constructions`, :meth:`_trainer_loaders`). None when
        the step is also called by name, or when any instance or loader is not known."""
        ctx = self._ctx
        function = ctx.index.function_of(param)
        wanted = _STEP_LOADERS.get(function.name.value) if function is not None else None
        if wanted is None or param.name.value != "batch" or self._hops >= MAX_CALL_HOPS:
            return None
        klass = owner_class(ctx, function)
        if not isinstance(klass, cst.ClassDef) or klass not in ctx.module.body or \
                local_sites(ctx, function) != []:
            return None
        built = class_constructions(ctx, klass)
        if not built:
            return None
        loaders: list[tuple[FileContext, cst.BaseExpression]] = []
        for module, call in built:
            given = _trainer_loaders(module, call, wanted)
            if given is None:
                return None
            loaders.extend((module, loader) for loader in given)
        return self._rows_across(loaders)

    def _param_loader_rows(self, param: cst.Param) -> Rows | None:
        """The rows of the loader a parameter holds: the union over the calls reaching its
        function (:meth:`_passed_arguments`) of the rows of the loader each passes."""
        return self._passed_union(param, self._param_loader_memo, self._loader_rows)

    def _batch_expr(self, expr: cst.BaseExpression, names: set[str], depth: int = 0) -> bool:
        if depth > 12:
            return False
        if isinstance(expr, cst.Name):
            return expr.value in names
        if isinstance(expr, cst.BinaryOperation):
            return self._batch_expr(expr.left, names, depth + 1) or \
                self._batch_expr(expr.right, names, depth + 1)
        if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
            return self._batch_expr(expr.left, names, depth + 1)
        if isinstance(expr, cst.UnaryOperation):
            return self._batch_expr(expr.expression, names, depth + 1)
        if isinstance(expr, cst.Subscript):
            first = expr.slice[0].slice if expr.slice else None
            if isinstance(first, cst.Slice) and first.lower is None and first.upper is None:
                return self._batch_expr(expr.value, names, depth + 1)
            if isinstance(first, cst.Index) and isinstance(first.value, cst.Ellipsis):
                return self._batch_expr(expr.value, names, depth + 1)
            # batch[0], batch["x"]: an item of a loader's batch container.
            if isinstance(expr.value, cst.Name) and expr.value.value in names and \
                    expr.value.value in self._containers and len(expr.slice) == 1 and \
                    isinstance(first, cst.Index) and isinstance(
                        first.value, (cst.Integer, cst.SimpleString)):
                return self._is_container(expr.value.value, self._ctx.index.function_of(expr))
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            positional, qualified = _call_parts(self._ctx, expr)
            if qualified is not None:
                short = qualified.rsplit(".", 1)[-1]
                return qualified.startswith("torch.") and short in SAME_SHAPE and \
                    bool(positional) and self._batch_expr(positional[0], names, depth + 1)
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method in SAME_SHAPE and method not in _CONVERSIONS_OUT:
                    if self._batch_expr(func.value, names, depth + 1):
                        return True
                # self.model(x), self.net.encoder(x): a model call.
                if isinstance(func.value, cst.Name) and func.value.value == "self" or \
                        isinstance(func.value, cst.Attribute):
                    return bool(positional) and self._is_model_call(expr, positional, names, depth)
                return False
            if isinstance(func, cst.Name):
                return self._is_model_call(expr, positional, names, depth)
        return False

    # -- row counts ------------------------------------------------------------------------
    def rows(self, expr: cst.BaseExpression) -> Rows | None:
        """The number of rows of ``expr`` where it stands, when fixed by construction so that a
        batch of one cannot come by chance; None where unknown. Sources: the batches of a loader
        whose batches are all full (:func:`full_batches`: two rows or more) or over a dataset of
        known size (:func:`sized_batches`), through ``enumerate``/``tqdm``, ``x, y = batch``, a
        container's items and a loader passed as an argument (:meth:`_loader_rows`), rows picked
        from a buffer by an index of several entries (``s[idx]``, :meth:`_several_indices`), a list buffer stacked where a
        counter shows it filled ``k`` times (:meth:`_counted_fills`), and one value given a batch
        axis (``x.unsqueeze(0)``, ``x[None]``, ``x.reshape(1, -1)`` of something not a batch:
        exactly one, where dropping it again is the author's intent). Kept by names, shape-keeping
        calls, slices that keep the first dimension, element-wise arithmetic, ``squeeze`` (two rows
        or more) and model calls; a parameter's are those every call of its function passes
        (:meth:`_param_rows`)."""
        if expr not in self._rows_cache:
            self._rows_cache[expr] = self._rows(expr, 0)
        return self._rows_cache[expr]

    def _rows(self, expr: cst.BaseExpression, depth: int) -> Rows | None:
        if depth > 12:
            return None
        if isinstance(expr, cst.Name):
            return self._name_rows(expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self._broadcast_rows((expr.left, expr.right), depth)
        if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
            return self._broadcast_rows((expr.left, expr.comparisons[0].comparator), depth)
        if isinstance(expr, cst.UnaryOperation):
            return self._rows(expr.expression, depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._subscript_rows(expr, depth)
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        positional, qualified = _call_parts(self._ctx, expr)
        if qualified is not None:
            short = qualified.rsplit(".", 1)[-1]
            if qualified in _LIST_TENSORS and positional:
                # torch.stack(memory.states): a row per entry of a buffer filled at a fixed count
                least = self._buffer_entries(positional[0])
                return Rows(least) if least is not None and least >= 2 else None
            if not qualified.startswith("torch.") or not positional:
                return None
            if short == "squeeze":
                return _kept_by_squeeze(self._rows(positional[0], depth + 1))
            if short in _CONCATENATIONS:
                return self._cat_rows(expr, positional[0], depth + 1)
            if short == "unsqueeze":  # torch.unsqueeze(x, 0)
                dim = _argument(expr, 1, "dim")
                one = isinstance(dim, cst.Integer) and dim.value == "0" and \
                    not self.is_batch(positional[0])
                return ONE if one else None
            return self._rows(positional[0], depth + 1) if short in SAME_SHAPE else None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "unsqueeze":
                dim = _argument(expr, 0, "dim")
                one = isinstance(dim, cst.Integer) and dim.value == "0"
                return ONE if one and not self.is_batch(func.value) else None
            if method in ("reshape", "view") and len(positional) >= 2 and \
                    isinstance(positional[0], cst.Integer) and positional[0].value == "1":
                return ONE if not self.is_batch(func.value) else None
            if method in SAME_SHAPE:
                return self._rows(func.value, depth + 1)
            if method in ("squeeze", "squeeze_"):
                return _kept_by_squeeze(self._rows(func.value, depth + 1))
        # A model maps a batch to a batch of as many rows.
        return self._rows(positional[0], depth + 1) if positional and _may_be_model(func) else None

    def _broadcast_rows(self, operands: tuple[cst.BaseExpression, ...], depth: int) -> Rows | None:
        """Element-wise arithmetic: the rows of its batch operands, each known (a weight or a
        number, not a batch, takes no part); unknown when any batch operand's rows are."""
        found: Rows | None = None
        for operand in operands:
            rows = self._rows(operand, depth + 1)
            if rows is None:
                if self.is_batch(operand):
                    return None
                continue
            found = rows if found is None else found.broadcast(rows)
        return found

    def _subscript_rows(self, expr: cst.Subscript, depth: int) -> Rows | None:
        first = expr.slice[0].slice if expr.slice else None
        if isinstance(first, cst.Index) and _is_new_axis(self._ctx, first.value):
            return ONE if not self.is_batch(expr.value) else None  # x[None]
        if isinstance(first, cst.Slice) and first.lower is None and first.upper is None \
                and first.step is None or \
                isinstance(first, cst.Index) and isinstance(first.value, cst.Ellipsis):
            return self._rows(expr.value, depth + 1)  # x[:, 0], x[..., -1]: every row
        if len(expr.slice) != 1 or not isinstance(first, cst.Index):
            return None
        if isinstance(expr.value, cst.Name) and \
                isinstance(first.value, (cst.Integer, cst.SimpleString)):
            # batch[0], batch["x"]: an item of a container of full batches
            container = self._loop_container_rows(expr.value)
            if container is not None and \
                    self._is_container(expr.value.value, self._ctx.index.function_of(expr)):
                return container
        return SEVERAL if self._several_indices(first.value, depth + 1) else None

    def _name_rows(self, name: cst.Name, depth: int) -> Rows | None:
        """A name's rows: those of the value last bound to it, or of the loader its loop reads."""
        binder = self._binding_before(name)
        if isinstance(binder, cst.For):
            target = self._shapes.loader_target(binder.iter, binder.target)
            if target is None or name.value not in _names_in(target):
                return None
            return self._loader_rows(binder.iter)
        if isinstance(binder, cst.Param):
            rows = self._param_rows(binder)
            return rows if rows is not None else self._step_batch_rows(binder)
        if isinstance(binder, cst.Assign) and isinstance(binder.value, cst.Name) and \
                any(isinstance(t.target, (cst.Tuple, cst.List)) for t in binder.targets):
            return self._loop_container_rows(binder.value)  # x, y = batch
        if isinstance(binder, cst.Assign) and isinstance(binder.value, cst.Call) and \
                len(binder.targets) == 1 and isinstance(binder.targets[0].target, (cst.Tuple, cst.List)):
            return self._returned_rows(binder.value, binder.targets[0].target, name.value, depth)
        value = self._assigned(binder, name.value) if binder is not None else None
        return self._rows(value, depth + 1) if value is not None else None

    def _returned_rows(self, call: cst.Call, target: cst.Tuple | cst.List, name: str,
                       depth: int) -> Rows | None:
        """``pairs, targets = self.aggregate(x)``: the rows of the element that every ``return``
        of every function of the file the callee may run (:meth:`_functions_named`) gives the
        name, each a tuple as long as the target (not a generator); their :meth:`Rows.union`."""
        elements = [e.value for e in target.elements]
        if any(isinstance(e, cst.StarredElement) for e in target.elements) or \
                not any(isinstance(e, cst.Name) and e.value == name for e in elements):
            return None
        position = next(i for i, e in enumerate(elements) if isinstance(e, cst.Name) and e.value == name)
        index = self._ctx.index
        found: Rows | None = None
        for function in self._functions_named(call.func) or [None]:
            if function is None or any(index.function_of(y) is function for y in index.of_type(cst.Yield)):
                return None
            returns = [r.value for r in index.of_type(cst.Return) if index.function_of(r) is function]
            for value in returns or [None]:
                if not (isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements)
                        and not any(isinstance(e, cst.StarredElement) for e in value.elements)):
                    return None
                rows = self._rows(value.elements[position].value, depth + 1)
                if rows is None:
                    return None
                found = rows if found is None else found.union(rows)
        return found

    def _cat_rows(self, call: cst.Call, parts: cst.BaseExpression, depth: int) -> Rows | None:
        """The rows of ``torch.cat(parts, dim)``. Along another axis than the first (a positive
        literal ``dim``), those of any part: they all have as many. Along the first, the sum of the
        parts' rows when a list or tuple shows each; otherwise never one when the parts come in
        pairs of equal rows (:meth:`_paired_parts`): an even count (zero rows, which squeeze cannot
        harm, or two and more)."""
        dim = _argument(call, 1, "dim")
        if isinstance(dim, cst.Integer) and dim.value != "0":
            if not isinstance(parts, (cst.List, cst.Tuple)) or \
                    any(isinstance(e, cst.StarredElement) for e in parts.elements):
                return None
            for element in parts.elements:
                rows = self._rows(element.value, depth + 1)
                if rows is not None:
                    return rows
            return None
        if dim is not None and not (isinstance(dim, cst.Integer) and dim.value == "0"):
            return None
        if isinstance(parts, (cst.List, cst.Tuple)) and parts.elements and \
                not any(isinstance(e, cst.StarredElement) for e in parts.elements):
            each = [self._rows(e.value, depth + 1) for e in parts.elements]
            if all(r is not None for r in each):
                low = sum(r.low for r in each)
                high = None if any(r.high is None for r in each) else sum(r.high for r in each)
                return Rows(low, high)
        return SEVERAL if self._paired_parts(parts) else None

    def _paired_parts(self, parts: cst.BaseExpression) -> bool:
        """The tensors ``parts`` holds come in groups of two or more of equal rows (the same
        :meth:`_row_key`), so that their count of rows is a multiple of the group's size: a list
        or tuple of such parts, or a list made empty (``[]``, ``list()``) before a loop whose
        body appends such a group on every pass (top statements of the body, no ``continue`` or
        ``break`` of the loop before the last) and read after the loop, every other mention of
        it in its function an append (:meth:`_grows`). ``torch.cat`` of an empty list raises,
        so the loop ran at least once."""
        if isinstance(parts, (cst.List, cst.Tuple)):
            if any(isinstance(e, cst.StarredElement) for e in parts.elements):
                return False
            keys = {self._row_key(e.value, None, 0) for e in parts.elements}
            return len(parts.elements) >= 2 and len(keys) == 1 and None not in keys
        if not isinstance(parts, cst.Name):
            return False
        index = self._ctx.index
        binder = self._binding_before(parts)
        if not isinstance(binder, cst.Assign):
            return False
        made = self._assigned(binder, parts.value)
        if not (isinstance(made, cst.List) and not made.elements or
                isinstance(made, cst.Call) and isinstance(made.func, cst.Name) and
                made.func.value == "list" and not made.args):
            return False
        scope = index.function_of(parts)
        bindings = self._ctx.analysis(Bindings)
        appends: list[cst.Call] = []
        for mention in self._names(parts.value):
            function = index.function_of(mention)
            if function is not scope:
                if (function, mention.value) not in bindings.values and \
                        (scope is None or self._inside(mention, scope)):
                    return False  # a closure reads it
                continue
            if mention is parts or any(self._inside(mention, t) for t in binder.targets):
                continue  # the read, or the making
            # at the depth limit a call handing the list on is unknown: only `parts.append(x)`
            if self._grows(mention, MAX_APPEND_DEPTH) != "":
                return False  # another use may shrink it, or hand it on
            appends.append(index.parent(index.parent(mention)))
        lines = [index.parent(index.parent(call)) for call in appends]
        body = index.parent(lines[0]) if lines else None
        loop = index.parent(body) if body is not None else None
        if len(appends) < 2 or not isinstance(loop, (cst.For, cst.While)) or \
                self._inside(parts, loop) or self._inside(binder, loop) or \
                index.order[binder] > index.order[loop] or \
                any(not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
                         and isinstance(line.body[0], cst.Expr) and line.body[0].value is call
                         and index.parent(line) is body)
                    for call, line in zip(appends, lines)):
            return False
        last = max(index.order[line] for line in lines)
        for jump in index.of_type(cst.Continue, cst.Break):
            if index.order[body] < index.order[jump] < last and \
                    index.enclosing(jump, cst.For, cst.While) is loop:
                return False
        keys = {self._row_key(call.args[0].value, body, 0) for call in appends
                if len(call.args) == 1}
        return len(keys) == 1 and None not in keys

    def _row_key(self, expr: cst.BaseExpression, body: cst.CSTNode | None, depth: int
                 ) -> tuple | None:
        """A key equal for two tensors evaluated one after the other with nothing rebinding the
        names between them, when their rows are equal: followed through shape-keeping calls,
        model calls, ``torch.cat`` along a later axis (its first part), and names bound by a top
        statement of ``body`` (the loop body both are evaluated in); a leaf is a name, or a
        subscript of a name by names, integers and arithmetic, keyed by its text and the
        binding each of its names reads; a model call keys by its callee's text too. None where
        not followed."""
        if depth > 8:
            return None
        index = self._ctx.index
        if isinstance(expr, cst.Name):
            binder = self._binding_before(expr)
            if binder is None:
                return None
            value = self._assigned(binder, expr.value)
            if value is not None and body is not None and index.parent(binder) is not None and \
                    index.parent(index.parent(binder)) is body:
                return self._row_key(value, body, depth + 1)
            return ("name", expr.value, index.order[binder])
        if isinstance(expr, cst.Subscript):
            names = [n for n in _plain_index_names(expr)] if isinstance(expr.value, cst.Name) else None
            if names is None:
                return None
            binders = []
            for n in names:
                binder = self._binding_before(n)
                if binder is None:
                    return None
                binders.append((n.value, index.order[binder]))
            return ("subscript", self._ctx.module.code_for_node(expr), tuple(binders))
        if not isinstance(expr, cst.Call):
            return None
        positional, qualified = _call_parts(self._ctx, expr)
        func = expr.func
        if qualified is not None and qualified.startswith("torch.") and positional:
            short = qualified.rsplit(".", 1)[-1]
            if short in _CONCATENATIONS:
                dim = _argument(expr, 1, "dim")
                first = positional[0]
                if isinstance(dim, cst.Integer) and dim.value != "0" and \
                        isinstance(first, (cst.List, cst.Tuple)) and first.elements and \
                        not isinstance(first.elements[0], cst.StarredElement):
                    return self._row_key(first.elements[0].value, body, depth + 1)
                return None
            return self._row_key(positional[0], body, depth + 1) if short in SAME_SHAPE else None
        if isinstance(func, cst.Attribute) and func.attr.value in SAME_SHAPE:
            return self._row_key(func.value, body, depth + 1)
        if qualified is None and positional and _may_be_model(func):
            # the same model on inputs of equal rows (two models may map rows differently)
            inner = self._row_key(positional[0], body, depth + 1)
            return ("model", self._ctx.module.code_for_node(func), inner) if inner is not None else None
        return None

    def _loop_container_rows(self, name: cst.Name) -> Rows | None:
        """``batch`` of ``for batch in loader``, the whole batch (a tensor, or a container of
        tensors of as many rows): the rows of the loader's batches."""
        binder = self._binding_before(name)
        if isinstance(binder, cst.Param):
            return self._step_batch_rows(binder)  # x, y = batch of a Lightning step
        if not isinstance(binder, cst.For):
            return None
        target = self._shapes.loader_target(binder.iter, binder.target)
        if not (isinstance(target, cst.Name) and target.value == name.value):
            return None
        return self._loader_rows(binder.iter)

    def _param_rows(self, param: cst.Param) -> Rows | None:
        """A parameter's rows: the :meth:`Rows.union` of the rows of what every call reaching its
        function passes (:meth:`_passed_arguments`), each known."""
        return self._passed_union(param, self._param_rows_memo, lambda argument: self._rows(argument, 0))

    def _passed_union(self, param: cst.Param, memo: dict, rows_of) -> Rows | None:
        """The :meth:`Rows.union` of ``rows_of`` each argument that the calls reaching the
        parameter's function pass for it, each known; memoised in ``memo``, a recursive call and
        more than :data:`MAX_CALL_HOPS` calls up unknown."""
        function = self._ctx.index.function_of(param)
        if function is None:
            return None
        key = (function, param.name.value)
        if key in memo:
            return memo[key]
        if self._hops >= MAX_CALL_HOPS:
            return None
        memo[key] = None  # while it is computed: a recursive call is unknown
        self._hops += 1
        try:
            found: Rows | None = None
            for argument in self._passed_arguments(function, param) or ():
                rows = rows_of(argument)
                if rows is None:
                    found = None
                    break
                found = rows if found is None else found.union(rows)
        finally:
            self._hops -= 1
        memo[key] = found
        return found

    def _passed_arguments(self, function: cst.FunctionDef, param: cst.Param
                          ) -> list[cst.BaseExpression] | None:
        """What each call of ``function`` passes as ``param`` (its default where a call leaves it
        out), over every call that reaches the function (:meth:`_call_sites`); None when one is
        not known (a ``*args`` call, no default) or the calls are not all known."""
        key = (function, param.name.value)
        if key in self._arguments:
            return self._arguments[key]
        found: list[cst.BaseExpression] | None = None
        sites = self._call_sites(function)
        params = [*function.params.posonly_params, *function.params.params]
        if sites and (param in params or param in function.params.kwonly_params):
            bound = 0 if owner_class(self._ctx, function) is None or any(
                dotted_name(d.decorator) == "staticmethod" for d in function.decorators) else 1
            position = params.index(param) - bound if param in params else None
            found = []
            for call in sites:
                if (position is not None and position < 0) or any(a.star for a in call.args):
                    found = None  # the bound instance, or arguments passed unpacked
                    break
                argument = _passed(call, position, param.name.value)
                if argument is None:
                    argument = param.default  # left out
                if argument is None:
                    found = None
                    break
                found.append(argument)
        self._arguments[key] = found
        return found

    def _call_sites(self, function: cst.FunctionDef) -> list[cst.Call] | None:
        """Every call that runs ``function``, when the file shows them all: the calls of a
        top-level function or method in its module (:func:`dllint.analysis.callers.local_sites`),
        or for a module's ``forward`` the calls of its instances (:meth:`_forward_sites`); None
        when no other module of the project could call it too (one names this module) or when
        they are not all known."""
        if self._imported_elsewhere():
            return None
        if function.name.value == "forward":
            klass = owner_class(self._ctx, function)
            return self._forward_sites(klass) if isinstance(klass, cst.ClassDef) else None
        return local_sites(self._ctx, function)

    def _imported_elsewhere(self) -> bool:
        """Another module of the project names this one (it may import its functions and classes
        and call them there); a text that is no file on disk is a program of its own."""
        if self._imported is None:
            imports = project_imports(self._ctx)
            if imports is None:
                self._imported = False
            else:
                me = Path(self._ctx.path).resolve()
                stem = me.parent.name if me.stem == "__init__" else me.stem
                paths = files_naming(imports.root, stem, []) if stem.isidentifier() else None
                self._imported = paths is None or any(p.resolve() != me for p in paths)
        return self._imported

    def _forward_sites(self, klass: cst.ClassDef) -> list[cst.Call] | None:
        """The calls of a module class's instances (``self.actor(x)`` where ``self.actor =
        Actor(...).to(device)``, ``net.forward(x)``), when every instance is bound to a name or an
        attribute and used only as a callee or through its attributes (``.parameters()``). None
        when the class is subclassed, used as a value, or an instance is passed, stored, returned
        or aliased (then it may be called where no call shows it)."""
        index = self._ctx.index
        name = klass.name.value
        holders: list[str] = []
        for node in index.of_type(cst.Name):
            if node.value != name:
                continue
            parent = index.parent(node)
            if isinstance(parent, cst.ClassDef) and parent.name is node:
                continue
            if isinstance(parent, cst.Arg) and isinstance(index.parent(parent), cst.ClassDef):
                return None  # a subclass: its instances run this forward too
            if not (isinstance(parent, cst.Call) and parent.func is node):
                return None  # the class itself passed or stored
            made: cst.CSTNode = parent
            for _ in range(4):  # Actor(...).to(device).float()
                outer = index.parent(made)
                call = index.parent(outer) if isinstance(outer, cst.Attribute) else None
                if not (isinstance(call, cst.Call) and call.func is outer and outer.value is made
                        and outer.attr.value in _MODULE_MOVES):
                    break
                made = call
            assign = index.parent(made)
            if not isinstance(assign, cst.Assign) or assign.value is not made:
                return None
            for t in assign.targets:
                bound = dotted_name(t.target)
                if bound is None or bound.count(".") > 1 or \
                        ("." in bound and not bound.startswith("self.")):
                    return None
                holders.append(bound)
        sites: list[cst.Call] = []
        for holder in dict.fromkeys(holders):
            attr = holder.split(".", 1)[1] if "." in holder else None
            uses = [n for n in index.of_type(cst.Attribute) if n.attr.value == attr] if attr \
                else [n for n in index.of_type(cst.Name) if n.value == holder]
            for use in uses:
                use_sites = self._instance_use(use)
                if use_sites is None:
                    return None
                sites.extend(use_sites)
                if len(sites) > 64:
                    return None
        return sites

    def _instance_use(self, use: cst.CSTNode) -> list[cst.Call] | None:
        """The forward calls one use of a name holding a module makes: ``net(x)`` and
        ``net.forward(x)`` one, ``net.parameters()`` or its binding none; None for any use that
        lets the module out (an argument, a return, an alias, ``m = net.to(device)``)."""
        index = self._ctx.index
        parent = index.parent(use)
        if isinstance(parent, cst.AssignTarget) and parent.target is use:
            return []
        if isinstance(parent, cst.Call) and parent.func is use:
            return [parent]
        if isinstance(parent, cst.Attribute) and parent.value is use:
            call = index.parent(parent)
            called = isinstance(call, cst.Call) and call.func is parent
            if parent.attr.value == "forward":
                return [call] if called else None
            if parent.attr.value in _MODULE_MOVES and called and \
                    not isinstance(index.parent(call), cst.Expr):
                return None  # the module given back, to be held elsewhere
            return []
        return None

    # -- buffers filled a fixed number of times before each use ---------------------------------
    def _buffer_entries(self, expr: cst.BaseExpression) -> int | None:
        """The fewest entries the list ``expr`` (``memory.states``, ``states``) holds where it is
        read: a parameter's, the fewest over the calls reaching its function (each passing a
        name); a local buffer's, :meth:`_counted_fills`. None where not known."""
        path = dotted_name(expr)
        if path is None or path.count(".") > 1 or path.startswith("self."):
            return None
        root = expr.value if isinstance(expr, cst.Attribute) else expr
        attr = path.split(".", 1)[1] if "." in path else None
        if not isinstance(root, cst.Name):
            return None
        binder = self._binding_before(root)
        if not isinstance(binder, cst.Param):
            return self._counted_fills(root, attr)
        function = self._ctx.index.function_of(binder)
        if function is None or self._hops >= MAX_CALL_HOPS:
            return None
        least: int | None = None
        self._hops += 1
        try:
            for argument in self._passed_arguments(function, binder) or [None]:
                found = self._counted_fills(argument, attr) if isinstance(argument, cst.Name) else None
                if found is None:
                    return None
                least = found if least is None else min(least, found)
        finally:
            self._hops -= 1
        return least

    def _counted_fills(self, holder: cst.Name, attr: str | None) -> int | None:
        """``k`` where ``holder`` (``memory``, with ``attr``: ``memory.states``) is read inside
        ``if c % k == 0:`` (``k`` a constant of 2 or more), a statement of a loop's body, and that
        loop's body also holds, before the ``if`` and not inside another statement, the one
        ``c += 1`` of the function and an append to the buffer (``memory.states.append(s)``, or a
        call handing ``memory`` to functions of the file that append to it unconditionally): then
        the buffer gains an entry for each step of the counter, and holds ``k`` entries or more at
        the read. Sound only if nothing else shrinks it: every other binding of ``c`` is ``c = 0``
        and none comes between the ``c += 1`` and the ``if``; no ``continue``, ``return``,
        ``raise`` or ``break`` of that loop comes before the ``if``; every other mention of
        ``memory`` appends to it (:meth:`_grows`), binds it before the loop outside any loop
        around it (its making), or follows the read inside the ``if`` with a ``c = 0`` after it there
        (``memory.clear()`` then the reset). None otherwise."""
        index = self._ctx.index
        scope = index.function_of(holder)
        guard, counter, k = self._counter_guard(holder)
        if guard is None or counter is None or k is None:
            return None
        loop = index.parent(index.parent(guard))
        if not isinstance(loop, (cst.For, cst.While)):
            return None
        body = list(loop.body.body)
        at = body.index(guard)
        # the counter: one `c += 1` at the top of the loop's body before the guard, resets to 0
        bindings = self._ctx.analysis(Bindings)
        binders = [self._binder_at(p) for p, _ in bindings.values.get(
            (bindings.scope_key(holder, counter), counter), [])]
        steps = [b for b in binders if isinstance(b, cst.AugAssign)]
        if len(steps) != 1 or not isinstance(steps[0].operator, cst.AddAssign) or \
                not (isinstance(steps[0].value, cst.Integer) and steps[0].value.value == "1"):
            return None
        # unconditional: a step skipped once would leave the counter at 0 after a reset
        step_line = _top_statement(body, steps[0], index)
        if step_line is None or step_line >= at or index.parent(steps[0]) is not body[step_line]:
            return None
        for b in binders:
            if b is steps[0]:
                continue
            if not (isinstance(b, cst.Assign) and isinstance(b.value, cst.Integer)
                    and b.value.value == "0"):
                return None
            where = _top_statement(body, b, index)
            if where is not None and step_line <= where < at:
                return None  # a reset between the step and the guard: the guard may see 0
        if any(isinstance(g, cst.Global) and any(n.name.value == counter for n in g.names)
               for g in index.of_type(cst.Global)):
            return None
        # nothing leaves the loop's iteration between its top and the guard
        end = index.order[guard]
        for jump in index.of_type(cst.Continue, cst.Return, cst.Raise, cst.Break):
            if index.order[loop.body] < index.order[jump] < end and (
                    isinstance(jump, (cst.Return, cst.Raise)) or
                    index.enclosing(jump, cst.For, cst.While) is loop):
                return None
        # an unconditional append to the buffer per step
        if not any(self._statement_appends(line, holder.value, attr or "") for line in body[:at]):
            return None
        # every other mention of the buffer's name
        resets = [i for i, line in enumerate(guard.body.body) if any(
            b is not None and _top_statement([line], b, index) == 0 for b in binders
            if isinstance(b, cst.Assign))]
        for name in self._names(holder.value):
            if name is holder:
                continue
            function = index.function_of(name)
            if function is not scope:
                if (function, name.value) not in bindings.values and \
                        (scope is None or self._inside(name, scope)):
                    return None  # read by a function it is global to, or a closure
                continue
            if self._grows(name, 0) is not None:
                continue
            made = index.parent(name)
            if isinstance(made, cst.AssignTarget) and made.target is name and \
                    index.order[name] < index.order[loop] and not any(
                        isinstance(a, (cst.For, cst.While)) and self._inside(loop, a)
                        for a in index.ancestors(name)):
                continue  # made before the loop, outside any loop around it
            if self._inside(name, guard.body) and index.order[name] > index.order[holder]:
                where = _top_statement(list(guard.body.body), name, index)
                if where is not None and any(r > where for r in resets):
                    continue  # emptied after the read, the counter reset with it
            return None
        return k

    def _counter_guard(self, holder: cst.Name) -> tuple[cst.If | None, str | None, int | None]:
        """The innermost ``if`` whose body holds ``holder`` and whose test is, or has as an
        ``and`` operand, ``c % k == 0`` with ``k`` a constant of 2 or more: (the if, c, k)."""
        index = self._ctx.index
        for node in index.ancestors(holder):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if not isinstance(node, cst.If) or not self._inside(holder, node.body):
                continue
            tests = [node.test]
            while tests:
                test = tests.pop()
                if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
                    tests += [test.left, test.right]
                    continue
                if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
                        isinstance(test.comparisons[0].operator, cst.Equal) and \
                        isinstance(test.comparisons[0].comparator, cst.Integer) and \
                        test.comparisons[0].comparator.value == "0" and \
                        isinstance(test.left, cst.BinaryOperation) and \
                        isinstance(test.left.operator, cst.Modulo) and \
                        isinstance(test.left.left, cst.Name):
                    k = self._int_const(test.left.right)
                    if k is not None and k >= 2:
                        return node, test.left.left.value, k
            return None, None, None
        return None, None, None

    def _statement_appends(self, line: cst.BaseStatement, name: str, attr: str) -> bool:
        """A simple statement line of a loop's body that appends to the buffer every time:
        ``memory.states.append(s)``, or a call handing ``memory`` to functions that do."""
        if not isinstance(line, cst.SimpleStatementLine):
            return False
        for small in line.body:
            value = small.value if isinstance(small, (cst.Expr, cst.Assign, cst.Return)) else None
            if not isinstance(value, cst.Call):
                continue
            if _appends_to(value, name, attr):
                return True
            for arg in value.args:
                if isinstance(arg.value, cst.Name) and arg.value.value == name and \
                        self._grows(arg.value, 0) == attr:
                    return True
        return False

    def _grows(self, name: cst.Name, depth: int) -> str | None | bool:
        """What a mention of a buffer's name does to it, when it only grows it: ``"states"`` for
        ``memory.states.append(x)`` or a call handing ``memory`` to functions of the file that
        append to its ``states`` unconditionally (``memory.states.append(state)`` among the top
        statements of their body before any ``return``), ``""`` for ``states.append(x)``, False
        for an append elsewhere or a call that only grows it conditionally; None when the mention
        may shrink it or hand it on (an alias, a return, an unknown callee)."""
        index = self._ctx.index
        parent = index.parent(name)
        if isinstance(parent, cst.Attribute) and parent.value is name:
            outer = index.parent(parent)
            called = index.parent(outer)
            if isinstance(outer, cst.Attribute) and outer.value is parent and \
                    outer.attr.value == "append" and isinstance(called, cst.Call) and \
                    called.func is outer:
                return parent.attr.value  # memory.states.append(x)
            if parent.attr.value == "append" and isinstance(outer, cst.Call) and outer.func is parent:
                return ""  # states.append(x)
            return None
        if not isinstance(parent, cst.Arg) or parent.star or depth >= MAX_APPEND_DEPTH:
            return None
        call = index.parent(parent)
        if not isinstance(call, cst.Call) or any(a.star for a in call.args):
            return None
        candidates = self._functions_named(call.func)
        if not candidates:
            return None
        grown: set[str | bool] = set()
        for function in candidates:
            param = _parameter_for(function, call, parent, self._ctx)
            if param is None:
                return None
            found = self._function_grows(function, param, depth + 1)
            if found is None:
                return None
            grown.add(found)
        return grown.pop() if len(grown) == 1 else False

    def _function_grows(self, function: cst.FunctionDef, param: str, depth: int) -> str | bool | None:
        """:meth:`_grows` over a function's parameter: the attribute it appends to on every call
        (an append among the top statements of its body, no ``return``/``raise`` before it),
        False when it only grows it otherwise, None when any mention may shrink it."""
        index = self._ctx.index
        every: str | bool = False
        first_exit = min((index.order[n] for n in index.of_type(cst.Return, cst.Raise)
                          if index.function_of(n) is function), default=None)
        for name in self._names(param):
            if not self._inside(name, function.body):
                continue
            if index.function_of(name) is not function:
                return None  # a nested function or lambda holds it
            found = self._grows(name, depth)
            if found is None:
                return None
            statement = index.statement_of(name)
            line = index.parent(statement)
            unconditional = line in function.body.body and (
                first_exit is None or first_exit >= index.order[statement])
            if isinstance(found, str) and unconditional and every is False:
                every = found
        return every

    def _functions_named(self, func: cst.BaseExpression) -> list[cst.FunctionDef]:
        """The functions of the file a callee may run: for ``f(...)`` the top-level functions
        called ``f``, for ``x.m(...)`` every method called ``m``."""
        if isinstance(func, cst.Name):
            name, method = func.value, False
        elif isinstance(func, cst.Attribute):
            name, method = func.attr.value, True
        else:
            return []
        return [f for f in self._ctx.index.of_type(cst.FunctionDef) if f.name.value == name
                and (owner_class(self._ctx, f) not in (None, False)) == method
                and owner_class(self._ctx, f) is not False]

    def _names(self, value: str) -> list[cst.Name]:
        """The ``Name`` nodes of the file spelled ``value``, in source order (indexed once)."""
        if self._names_by_value is None:
            self._names_by_value = {}
            for node in self._ctx.index.of_type(cst.Name):
                self._names_by_value.setdefault(node.value, []).append(node)
        return self._names_by_value.get(value, [])

    def _binder_at(self, order: int) -> cst.CSTNode | None:
        if self._binders is None:
            self._binding_before_init()
        return self._binders.get(order) if self._binders is not None else None

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(a is container for a in self._ctx.index.ancestors(node))

    def _several_indices(self, expr: cst.BaseExpression, depth: int) -> bool:
        """An index of two entries or more: a draw of a literal count (``np.random.choice(n, 64)``,
        ``random.sample(pool, 32)``, ``torch.randint(0, n, (64,))``), a loop target of a
        ``BatchSampler`` of a literal batch size that drops the last batch, or a slice
        ``perm[start:start + k]`` of a permutation of ``range(n)`` where ``start`` steps through
        ``range(0, n, k)`` and ``n % k`` is not 1 (no last slice of one)."""
        if depth > 12:
            return False
        if isinstance(expr, cst.Name):
            loop = self._loop_of(expr)
            if loop is not None:
                return self._batch_sampler(loop.iter)
            value = self._value_before(expr)
            return value is not None and self._several_indices(value, depth + 1)
        if isinstance(expr, cst.Call):
            qualified = self._ctx.imports.qualify(expr.func) \
                if isinstance(expr.func, (cst.Name, cst.Attribute)) else None
            draw = _INDEX_DRAWS.get(qualified or "")
            if draw is None:
                return False
            position, keyword = draw
            count = _argument(expr, position, keyword)
            if isinstance(count, cst.Tuple) and len(count.elements) == 1:
                count = count.elements[0].value  # torch.randint(0, n, (k,))
            k = self._int_const(count) if count is not None else None
            return k is not None and k >= 2
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and \
                isinstance(expr.slice[0].slice, cst.Slice):
            return self._stepped_slice(expr, expr.slice[0].slice)
        return False

    def _stepped_slice(self, expr: cst.Subscript, part: cst.Slice) -> bool:
        if part.step is not None or not isinstance(part.lower, cst.Name) or part.upper is None:
            return False
        start = part.lower
        loop = self._loop_of(start)
        if loop is None or not isinstance(loop.iter, cst.Call) or \
                self._ctx.imports.qualify(loop.iter.func) not in (None, "range") or \
                dotted_name(loop.iter.func) != "range" or len(loop.iter.args) != 3 or \
                any(a.keyword is not None or a.star for a in loop.iter.args):
            return False
        low, n, k = (self._int_const(a.value) for a in loop.iter.args)
        upper = part.upper
        if isinstance(upper, cst.Name):  # end = start + k
            upper = self._value_before(upper)
        if not isinstance(upper, cst.BinaryOperation) or not isinstance(upper.operator, cst.Add):
            return False
        if isinstance(upper.left, cst.Name) and upper.left.value == start.value:
            width = self._int_const(upper.right)
        elif isinstance(upper.right, cst.Name) and upper.right.value == start.value:
            width = self._int_const(upper.left)
        else:
            return False
        perm = self._value_before(expr.value) if isinstance(expr.value, cst.Name) else None
        if not (isinstance(perm, cst.Call) and len(perm.args) == 1 and perm.args[0].keyword is None
                and (self._ctx.imports.qualify(perm.func) or dotted_name(perm.func)) in
                _PERMUTATIONS):
            return False
        length = self._int_const(perm.args[0].value)
        return low == 0 and n is not None and k is not None and width == k and k >= 2 and \
            length == n and n >= 2 and n % k != 1

    def _batch_sampler(self, iterable: cst.BaseExpression) -> bool:
        """``BatchSampler(sampler, k, drop_last=True)`` with a literal ``k >= 2``."""
        if not isinstance(iterable, cst.Call) or (self._ctx.imports.qualify(iterable.func) or "") \
                .rsplit(".", 1)[-1] != "BatchSampler":
            return False
        size, drop = _argument(iterable, 1, "batch_size"), _argument(iterable, 2, "drop_last")
        k = self._int_const(size) if size is not None else None
        return k is not None and k >= 2 and isinstance(drop, cst.Name) and drop.value == "True"

    def _loop_of(self, name: cst.Name) -> cst.For | None:
        """The enclosing ``for`` whose target is ``name``, when nothing else in the function
        binds that name."""
        index = self._ctx.index
        node: cst.CSTNode | None = index.parent(name)
        while node is not None and not isinstance(node, (cst.FunctionDef, cst.Module)):
            if isinstance(node, cst.For) and isinstance(node.target, cst.Name) and \
                    node.target.value == name.value:
                bindings = self._ctx.analysis(Bindings)
                entries = bindings.values.get((bindings.scope_key(node, name.value), name.value))
                return node if entries is not None and len(entries) == 1 else None
            node = index.parent(node)
        return None

    def _value_before(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value last bound to ``name`` before the statement that reads it, an element of a
        tuple assignment (``bs, ba = s[i], a[i]``) included; None when not followed."""
        binder = self._binding_before(name)
        return self._assigned(binder, name.value) if binder is not None else None

    def _binding_before(self, name: cst.Name) -> cst.CSTNode | None:
        """The statement (assignment, ``for``, parameter...) that last binds ``name`` before the
        statement reading it, in its function (:class:`Bindings`'s source order), or the one
        module-level binding of a global the function never binds."""
        bindings = self._ctx.analysis(Bindings)
        index = self._ctx.index
        here = index.order[index.statement_of(name)]
        scope = bindings.scope_key(name, name.value)
        entries = bindings.values.get((scope, name.value))
        last: int | None = None
        if entries:
            before = [p for p, _ in entries if p < here]
            if before:
                last = before[-1]
            elif scope is not self._ctx.module:
                return None  # a local bound only later
        if last is None and scope is not self._ctx.module:
            module_entries = {p for p, _ in bindings.values.get((self._ctx.module, name.value), [])}
            if len(module_entries) == 1:
                last = next(iter(module_entries))
        if last is None:
            return None
        if self._binders is None:
            self._binding_before_init()
        return self._binders.get(last) if self._binders is not None else None

    def _binding_before_init(self) -> None:
        index = self._ctx.index
        self._binders = {index.order[node]: node for node in index.of_type(
            cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.WithItem,
            cst.Param, cst.NamedExpr)}

    @staticmethod
    def _assigned(binder: cst.CSTNode, name: str) -> cst.BaseExpression | None:
        """What ``binder`` assigns to ``name``: the value, or its element in ``a, b = x, y``."""
        if isinstance(binder, (cst.AnnAssign, cst.NamedExpr)):
            return binder.value
        if not isinstance(binder, cst.Assign):
            return None
        for t in binder.targets:
            target, value = t.target, binder.value
            if isinstance(target, cst.Name) and target.value == name:
                return value
            if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                    and len(target.elements) == len(value.elements):
                for e, v in zip(target.elements, value.elements):
                    if isinstance(e.value, cst.Name) and e.value.value == name and \
                            not isinstance(v, cst.StarredElement):
                        return v.value
        return None

    def _int_const(self, expr: cst.BaseExpression, depth: int = 0) -> int | None:
        """An integer the expression always holds: literals, names bound once in the file,
        parameters every call gives the same such integer (:meth:`_param_int`), and ``+ - * //``
        and ``int()`` of those."""
        if depth > 8:
            return None
        if isinstance(expr, cst.Integer):
            return int(expr.evaluated_value)
        if isinstance(expr, cst.Name):
            binder = self._binding_before(expr)
            if isinstance(binder, cst.Param):
                return self._param_int(binder, depth)
            bindings = self._ctx.analysis(Bindings)
            if bindings.rebound(expr.value):
                return None
            value = bindings.value_before(expr, expr.value)
            return self._int_const(value, depth + 1) if value is not None else None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and \
                expr.func.value == "int" and len(expr.args) == 1 and expr.args[0].keyword is None:
            return self._int_const(expr.args[0].value, depth + 1)
        if isinstance(expr, cst.BinaryOperation):
            a, b = self._int_const(expr.left, depth + 1), self._int_const(expr.right, depth + 1)
            if a is None or b is None:
                return None
            if isinstance(expr.operator, cst.Add):
                return a + b
            if isinstance(expr.operator, cst.Subtract):
                return a - b
            if isinstance(expr.operator, cst.Multiply) and abs(a * b) < 1 << 40:
                return a * b
            if isinstance(expr.operator, cst.FloorDivide) and b != 0:
                return a // b
        return None

    def _param_int(self, param: cst.Param, depth: int) -> int | None:
        """A parameter never rebound in its function whose every call passes the same integer
        (its default where a call leaves it out): ``def replay(self, batch_size=64)``."""
        function = self._ctx.index.function_of(param)
        bindings = self._ctx.analysis(Bindings)
        if function is None or len(bindings.values.get((function, param.name.value), [])) != 1:
            return None
        key = (function, param.name.value)
        if key not in self._param_ints:
            self._param_ints[key] = None  # while it is computed: a recursive call is unknown
            values = {self._int_const(a, depth + 1)
                      for a in self._passed_arguments(function, param) or ()}
            self._param_ints[key] = values.pop() if len(values) == 1 else None
        return self._param_ints[key]

    def _is_container(self, name: str, scope: cst.CSTNode | None) -> bool:
        """A loop target is a (x, y) or {"x": ...} container, not a tensor, when the scope reads
        a string key or a second item from it: ``batch[0]`` alone could be the first sample."""
        key = (name, scope)
        found = self._container_cache.get(key)
        if found is None:
            found = False
            for sub in self._ctx.index.of_type(cst.Subscript):
                if not (isinstance(sub.value, cst.Name) and sub.value.value == name
                        and len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index)):
                    continue
                value = sub.slice[0].slice.value
                if (isinstance(value, cst.SimpleString) or (
                        isinstance(value, cst.Integer) and value.value != "0")) \
                        and self._ctx.index.function_of(sub) is scope:
                    found = True
                    break
            self._container_cache[key] = found
        return found

    def _is_model_call(self, call: cst.Call, positional: list[cst.BaseExpression], names: set[str],
                       depth: int) -> bool:
        return bool(positional) and _may_be_model(call.func) and \
            self._batch_expr(positional[0], names, depth + 1)

    def _batch_names(self, scope: cst.CSTNode | None
                     ) -> tuple[list[int], list[tuple[cst.CSTNode | None, set[str]]]]:
        """(orders, [(event, names after it)]) for the loops and assignments of a scope."""
        found = self._batch_by_scope.get(scope)
        if found is not None:
            return found
        names: set[str] = set()
        # training_step(self, batch, batch_idx) (Lightning), train_step(engine, batch) (ignite):
        # the framework passes a loader's batch.
        if isinstance(scope, cst.FunctionDef) and scope.name.value.endswith("_step") and \
                any(p.name.value == "batch" for p in scope.params.params):
            names.add("batch")
            self._containers.add("batch")
        # forward(self, x) of an nn.Module: x is what the model is called on, a batch.
        if isinstance(scope, cst.FunctionDef) and scope.name.value == "forward" \
                and len(scope.params.params) > 1 and scope.params.params[0].name.value == "self" \
                and self._ctx.analysis(Models).enclosing_module_class(scope) is not None:
            names.add(scope.params.params[1].name.value)
        orders: list[int] = [-1]
        history: list[tuple[cst.CSTNode | None, set[str]]] = [(None, names)]
        # Loop targets over loaders, then assignments from batch expressions, in source order.
        events: list[cst.CSTNode] = []
        for node in self._ctx.index.of_type(cst.For, cst.Assign):
            if self._ctx.index.function_of(node) is scope:
                events.append(node)
        for node in events:
            if isinstance(node, cst.For):
                target = self._shapes.loader_target(node.iter, node.target)
                if target is None:
                    continue
                names = set(names)
                if isinstance(target, cst.Name):
                    names.add(target.value)
                    self._containers.add(target.value)
                else:
                    names.update(_names_in(target))
                orders.append(self._ctx.index.order[node])
                history.append((node, names))
                continue
            value = node.value
            batch = self._batch_expr(value, names)
            names = set(names)
            for t in node.targets:
                target = t.target
                if isinstance(target, cst.Name):
                    if batch:
                        names.add(target.value)
                    else:
                        names.discard(target.value)
                elif isinstance(target, (cst.Tuple, cst.List)):
                    elements = [e.value for e in target.elements]
                    if isinstance(value, cst.Name) and value.value in self._containers \
                            and value.value in names:
                        names.update(_names_in(target))  # x, y = batch
                    elif isinstance(value, (cst.Tuple, cst.List)) and \
                            len(value.elements) == len(elements):
                        for e, v in zip(elements, value.elements):
                            if isinstance(e, cst.Name):
                                if self._batch_expr(v.value, names):
                                    names.add(e.value)
                                else:
                                    names.discard(e.value)
                    else:
                        for n in _names_in(target):
                            names.discard(n)
            orders.append(self._ctx.index.order[node])
            history.append((node, names))
        self._batch_by_scope[scope] = (orders, history)
        return orders, history


# Lightning's trainer methods and the loaders each hands to a step of the module it is given:
# step -> ((method, the loader argument's keywords, its position after the module), ...)
_STEP_LOADERS: dict[str, tuple[tuple[str, tuple[str, ...], int], ...]] = {
    "training_step": (("fit", ("train_dataloaders", "train_dataloader"), 0),),
    "validation_step": (("fit", ("val_dataloaders",), 1),
                        ("validate", ("dataloaders", "val_dataloaders"), 0)),
    "test_step": (("test", ("dataloaders", "test_dataloaders"), 0),),
    "predict_step": (("predict", ("dataloaders",), 0),),
}
_TRAINER_METHODS = frozenset({"fit", "validate", "test", "predict"})


def _trainer_loaders(module: FileContext, call: cst.Call,
                     wanted: tuple[tuple[str, tuple[str, ...], int], ...]
                     ) -> list[cst.BaseExpression] | None:
    """The loaders that the trainer calls given the instance ``call`` builds pass for a step
    (``trainer.fit(model, train_dataloader=..., val_dataloaders=...)``): the instance bound once to
    a name of its scope, each use of which is the module argument of ``x.fit/validate/test/predict``
    that names the step's loader (no ``datamodule``, nothing unpacked) or an attribute of it read
    or called (not a step). None for any other use (passed on, returned, aliased: a trainer
    elsewhere may take it), or a trainer call that leaves the step's loader to the module."""
    index = module.index
    assign = index.parent(call)
    if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)):
        return None
    holder = assign.targets[0].target
    scope = index.function_of(assign)
    bindings = module.analysis(Bindings)
    if len(bindings.values.get((scope if scope is not None else module.module, holder.value), [])) != 1:
        return None
    loaders: list[cst.BaseExpression] = []
    for node in index.of_type(cst.Name):
        if node.value != holder.value or node is holder:
            continue
        inner = index.function_of(node)
        if inner is not scope:
            if scope is not None or (inner, node.value) in bindings.values:
                continue  # another function's own name
            return None  # the module's instance read inside a function
        parent = index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            if parent.attr.value.endswith("_step"):
                return None
            continue
        trainer = index.parent(parent) if isinstance(parent, cst.Arg) else None
        if not (isinstance(trainer, cst.Call) and isinstance(trainer.func, cst.Attribute)
                and trainer.func.attr.value in _TRAINER_METHODS) or parent.star:
            return None
        positional = [a for a in trainer.args if a.keyword is None]
        as_model = parent.keyword.value == "model" if parent.keyword is not None else \
            bool(positional) and positional[0] is parent
        if not as_model or any(a.star for a in trainer.args) or \
                keyword(trainer, "datamodule") is not None:
            return None
        offset = 1 if parent.keyword is None else 0
        for method, keywords, position in wanted:
            if method != trainer.func.attr.value:
                continue
            given = next((a.value for a in trainer.args
                          if a.keyword is not None and a.keyword.value in keywords), None)
            if given is None and len(positional) > position + offset:
                given = positional[position + offset].value
            if given is None:
                return None
            loaders.append(given)
    return loaders


def _call_parts(ctx: FileContext, call: cst.Call) -> tuple[list[cst.BaseExpression], str | None]:
    """A call's positional arguments and its qualified name (None: not an imported name)."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    func = call.func
    return positional, (ctx.imports.qualify(func)
                        if isinstance(func, (cst.Name, cst.Attribute)) else None)


def _plain_index_names(expr: cst.Subscript) -> list[cst.Name] | None:
    """The names of ``x[i:i + k]``, ``x[a, b]``: a name subscripted by names, integers, slices
    and arithmetic of those (nothing that calls or reads an attribute); None otherwise."""
    found: list[cst.Name] = [expr.value] if isinstance(expr.value, cst.Name) else []
    if not found:
        return None

    def plain(node: cst.BaseExpression | None) -> bool:
        if node is None or isinstance(node, cst.Integer):
            return True
        if isinstance(node, cst.Name):
            found.append(node)
            return True
        if isinstance(node, cst.BinaryOperation):
            return plain(node.left) and plain(node.right)
        if isinstance(node, cst.UnaryOperation):
            return plain(node.expression)
        return False

    for element in expr.slice:
        part = element.slice
        if isinstance(part, cst.Index):
            if not plain(part.value):
                return None
        elif not (plain(part.lower) and plain(part.upper) and plain(part.step)):
            return None
    return found


def _may_be_model(func: cst.BaseExpression) -> bool:
    """A callee that may be a model (``model``, ``self.net``): not a builtin, a loss or a class."""
    callee = dotted_name(func) or ""
    last = callee.rsplit(".", 1)[-1]
    return last not in _NOT_MODELS and "loss" not in last.lower() and not last[:1].isupper()


def _is_new_axis(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """``None`` or ``np.newaxis`` in an index: a new dimension of size 1."""
    return isinstance(node, cst.Name) and node.value == "None" or \
        isinstance(node, cst.Attribute) and ctx.imports.qualify(node) == "numpy.newaxis"


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument at ``position`` (-1: the last positional) or named ``keyword``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args):
        return None
    if position < 0:
        return positional[-1] if positional else None
    return positional[position] if position < len(positional) else None


def _kept_by_squeeze(rows: Rows | None) -> Rows | None:
    """A squeeze keeps a first dimension of two rows or more (it drops sizes of 1 only)."""
    return rows if rows is not None and rows.low >= 2 else None


def _appends_to(call: cst.Call, name: str, attr: str) -> bool:
    """``name.attr.append(x)`` (``name.append(x)`` where ``attr`` is empty)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "append"):
        return False
    return dotted_name(func.value) == (f"{name}.{attr}" if attr else name)


def _top_statement(body: list[cst.BaseStatement], node: cst.CSTNode, index) -> int | None:
    """The position in ``body`` of the statement holding ``node`` (None: not in ``body``)."""
    for ancestor in [node, *index.ancestors(node)]:
        for i, line in enumerate(body):
            if ancestor is line:
                return i
    return None


def _parameter_for(function: cst.FunctionDef, call: cst.Call, arg: cst.Arg,
                   ctx: FileContext) -> str | None:
    """The parameter of ``function`` that ``arg`` of ``call`` binds (a method called on an
    instance: its first parameter is the instance)."""
    params = [*function.params.posonly_params, *function.params.params]
    if arg.keyword is not None:
        names = {p.name.value for p in (*params, *function.params.kwonly_params)}
        return arg.keyword.value if arg.keyword.value in names else None
    position = next(i for i, a in enumerate(a for a in call.args if a.keyword is None) if a is arg)
    if owner_class(ctx, function) is not None and not any(
            dotted_name(d.decorator) == "staticmethod" for d in function.decorators):
        position += 1
    return params[position].name.value if position < len(params) else None


def _passed(call: cst.Call, position: int | None, name: str) -> cst.BaseExpression | None:
    """The argument ``call`` gives the parameter ``name`` at ``position`` among the arguments a
    call writes (None: keyword-only); None when it leaves it out (a call without ``*args`` or
    ``**kwargs``)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if position is None or position < 0 or position >= len(positional):
        return None
    return positional[position]


def _names_in(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for e in target.elements:
            out.extend(_names_in(e.value))
        return out
    return []
