"""Broadcast of two ranks: which operands meet element-wise, and where broadcasting, given their
known shapes (``dllint.analysis.shapes``), aligns dimensions that were not meant to meet.

Operands meet in an element-wise operator (``a - b``, ``a == b``, ``a += b``), an element-wise
torch function (``torch.add(a, b)``, ``torch.where(c, a, b)``, ``a.add(b)``) and an element-wise
loss (``F.mse_loss(p, y)``, ``criterion(p, y)`` with ``criterion = nn.MSELoss()``), whose input and
target are meant to pair element by element; so are the two sides of a hand-written loss
(``((p - y) ** 2).mean()``). :func:`operand_pairs` lists them; :func:`misalignment` judges one pair:
a reduction without ``keepdim`` broadcast back against its source (:class:`ReducedBack`), or ranks
that differ where a size of the lower-rank operand is known to equal a dimension of the other it is
not aligned with, or a vector against a column in a loss (:class:`Misaligned`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from dllint.analysis.calls import code_text
from dllint.analysis.imports import dotted_name
from dllint.analysis.models import SELF_RETURNING
from dllint.analysis.shapes import BINARY, REDUCTIONS, Shape, Shapes, differs, keepdim_of, same_dim
from dllint.context import FileContext

ELEMENTWISE_OPS = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo,
                   cst.Power)
AUG_OPS = (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
           cst.FloorDivideAssign, cst.ModuloAssign, cst.PowerAssign)
COMPARE_OPS = (cst.Equal, cst.NotEqual, cst.LessThan, cst.GreaterThan, cst.LessThanEqual,
               cst.GreaterThanEqual)
# Element-wise losses whose input and target must have the same shape.
LOSS_FUNCTIONS = frozenset({
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "soft_margin_loss", "poisson_nll_loss",
})
LOSS_MODULES = frozenset({
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "SoftMarginLoss", "PoissonNLLLoss",
})
# Element-wise losses that reject different input and target sizes instead of broadcasting.
RAISING_LOSSES = frozenset({"binary_cross_entropy", "binary_cross_entropy_with_logits", "BCELoss",
                            "BCEWithLogitsLoss"})
# Wrappers between a difference and the full reduction that makes it a loss: ((p - y) ** 2).mean().
_LOSS_WRAPPERS = frozenset({"abs", "pow", "square", "float", "double", "type", "sqrt", "to"})
_FULL_REDUCTIONS = frozenset({"mean", "sum", "nanmean", "nansum"})


@dataclass(frozen=True)
class Operands:
    """Two operands that meet element by element at ``node``."""

    node: cst.CSTNode
    left: cst.BaseExpression
    right: cst.BaseExpression
    loss_like: bool = False   # the two sides of a hand-written loss or accuracy
    loss: str | None = None   # the element-wise loss call that pairs them (input, target)
    raises: bool = False      # that loss raises on different sizes instead of broadcasting


@dataclass(frozen=True)
class ReducedBack:
    """``x / x.sum(1)``: ``reduced`` is ``source`` reduced over dimension ``dim`` (not the leading
    one) without ``keepdim``, so what is left aligns with the trailing dimensions."""

    source: cst.BaseExpression
    reduced: cst.BaseExpression
    source_shape: Shape
    reduced_shape: Shape
    dim: int
    call: cst.Call | None  # the reduction call written on ``source`` at the operation (fixable)


@dataclass(frozen=True)
class Misaligned:
    """Operands of different ranks that broadcasting aligns wrongly; ``low``/``high`` are the
    shapes of the lower- and higher-rank operand."""

    left_shape: Shape
    right_shape: Shape
    low: Shape
    high: Shape


def operand_pairs(ctx: FileContext) -> Iterator[Operands]:
    """Every pair of operands that meets element-wise in the file, in the order DL201 judges them:
    binary operators, comparisons, augmented assignments, then calls."""
    for op in ctx.index.of_type(cst.BinaryOperation):
        if isinstance(op.operator, ELEMENTWISE_OPS):
            yield Operands(op, op.left, op.right, loss_like=_loss_like(ctx, op))
    for comp in ctx.index.of_type(cst.Comparison):
        if len(comp.comparisons) == 1 and isinstance(comp.comparisons[0].operator, COMPARE_OPS):
            yield Operands(comp, comp.left, comp.comparisons[0].comparator, loss_like=_loss_like(ctx, comp))
    for aug in ctx.index.of_type(cst.AugAssign):
        if isinstance(aug.operator, AUG_OPS):
            yield Operands(aug, aug.target, aug.value)
    loss_names = loss_module_names(ctx)
    for call in ctx.index.of_type(cst.Call):
        pair = _call_operands(ctx, call, loss_names)
        if pair is not None:
            yield pair


def _call_operands(ctx: FileContext, call: cst.Call, loss_names: dict[str, str]) -> Operands | None:
    func = call.func
    qualified = ctx.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args):
        return None
    if qualified and qualified.startswith("torch."):
        short = qualified.rsplit(".", 1)[-1]
        if short in LOSS_FUNCTIONS and qualified.startswith("torch.nn.functional."):
            pair = _loss_args(call, positional)
            return Operands(call, *pair, loss=short, raises=short in RAISING_LOSSES) if pair else None
        if qualified.count(".") == 1 and short in BINARY and len(positional) == 2:
            return Operands(call, positional[0], positional[1])
        if qualified == "torch.where" and len(positional) == 3:
            return Operands(call, positional[1], positional[2])
        return None
    # criterion(pred, y) with criterion = nn.MSELoss(); nn.MSELoss()(pred, y)
    callee = dotted_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    kind = loss_names.get(callee) if callee is not None else (
        loss_module(ctx, func) if isinstance(func, cst.Call) else None)
    if kind is None and isinstance(func, cst.Name):
        kind = _parameter_loss(ctx, func, call, loss_names)
    if kind is not None:
        pair = _loss_args(call, positional)
        if not pair:
            return None
        return Operands(call, *pair, loss=callee or ctx.code_for(func), raises=kind in RAISING_LOSSES)
    # a.add(b): only judged when a's shape is known (so a is a tensor or array).
    if isinstance(func, cst.Attribute) and func.attr.value in BINARY and len(positional) == 1 \
            and len(call.args) == 1:
        return Operands(call, func.value, positional[0])
    return None


def _parameter_loss(ctx: FileContext, func: cst.Name, call: cst.Call, loss_names: dict[str, str]
                    ) -> str | None:
    """``criterion(pred, y)`` in ``def train(model, loader, criterion)``: the element-wise loss
    module every call site passes for the parameter (``train(model, loader, nn.MSELoss())``)."""
    arguments = ctx.analysis(Shapes).parameter_arguments(call, func.value)
    if not arguments:
        return None
    kinds = set()
    for _, argument in arguments:
        name = dotted_name(argument) if isinstance(argument, (cst.Name, cst.Attribute)) else None
        kinds.add(loss_names.get(name) if name is not None else loss_module(ctx, argument))
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _loss_args(call: cst.Call, positional: list[cst.BaseExpression]
               ) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    first = positional[0] if positional else kw.get("input")
    second = positional[1] if len(positional) > 1 else kw.get("target")
    return (first, second) if first is not None and second is not None else None


def loss_module(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """``MSELoss`` for ``nn.MSELoss(...)`` (an element-wise loss module), also moved to a device
    (``nn.MSELoss().cuda()``, ``.to(device)``: a module's ``to``/``cuda`` return the module itself),
    None for anything else."""
    for _ in range(4):  # nn.L1Loss().cuda().float(): a few moves at most
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in SELF_RETURNING and isinstance(node.func.value, cst.Call)):
            break
        node = node.func.value
    if not isinstance(node, cst.Call):
        return None
    qualified = ctx.imports.qualify(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
    if not qualified or not qualified.startswith("torch.nn."):
        return None
    short = qualified.rsplit(".", 1)[-1]
    return short if short in LOSS_MODULES else None


def loss_module_names(ctx: FileContext) -> dict[str, str]:
    """Names (and ``self.x`` attributes) bound only to element-wise loss modules, and which."""
    loss: dict[str, str] = {}
    other: set[str] = set()
    for assign in ctx.index.of_type(cst.Assign):
        kind = loss_module(ctx, assign.value)
        for target in assign.targets:
            name = dotted_name(target.target)
            if name is None:
                continue
            if kind is None or loss.get(name, kind) != kind:
                other.add(name)
            else:
                loss[name] = kind
    return {k: v for k, v in loss.items() if k not in other}


def _loss_like(ctx: FileContext, op: cst.CSTNode) -> bool:
    """A difference or comparison whose result is reduced to one number: a hand-written loss
    or accuracy, where the two operands are meant to pair element by element."""
    if isinstance(op, cst.BinaryOperation) and not isinstance(op.operator, cst.Subtract):
        return False
    index = ctx.index
    node: cst.CSTNode = op
    for _ in range(8):
        parent = index.parent(node)
        if parent is None:
            return False
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power) \
                and parent.left is node:
            node = parent
            continue
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = index.parent(parent)
            if not isinstance(call, cst.Call) or call.func is not parent:
                return False
            method = parent.attr.value
            if method in _FULL_REDUCTIONS:
                return not call.args
            if method in _LOSS_WRAPPERS:
                node = call
                continue
            return False
        if isinstance(parent, cst.Arg):
            call = index.parent(parent)
            if not isinstance(call, cst.Call) or len(call.args) != 1:
                return False
            qualified = ctx.imports.qualify(call.func) \
                if isinstance(call.func, (cst.Name, cst.Attribute)) else None
            short = (qualified or "").rsplit(".", 1)[-1]
            if not (qualified or "").startswith("torch."):
                return False
            if short in _FULL_REDUCTIONS:
                return True
            if short in ("abs", "square"):
                node = call
                continue
            return False
        return False
    return False


# -- judging a pair ----------------------------------------------------------------------------
def misalignment(ctx: FileContext, shapes: Shapes, pair: Operands) -> ReducedBack | Misaligned | None:
    """How broadcasting misaligns the pair, when both ranks are known and non-zero; None when it
    aligns them as meant, raises anyway (sizes known to clash), or the column was asked for."""
    left, right = pair.left, pair.right
    a = shapes.shape_of(left)
    if a is None or a.rank == 0:
        return None
    b = shapes.shape_of(right)
    if b is None or b.rank == 0:
        return None
    reduced = _reduced_back(ctx, left, right, a, b) or _reduced_back(ctx, right, left, b, a)
    if reduced is not None:
        return reduced
    if a.rank == b.rank:
        return None
    lo_expr, lo, hi_expr, hi = (left, a, right, b) if a.rank < b.rank else (right, b, left, a)
    offset = hi.rank - lo.rank
    if any(differs(d, hi.dims[i + offset]) and d != 1 and hi.dims[i + offset] != 1
           for i, d in enumerate(lo.dims)):
        return None  # (3, 2) with (3,): broadcasting raises, the mistake is loud
    found = Misaligned(a, b, lo, hi)
    if pair.loss is not None:
        return found
    if explicit_new_axis(lo_expr) or explicit_new_axis(hi_expr):
        return None
    if (lo.new_axis or hi.new_axis) and not pair.loss_like:
        return None  # the column was made by new-axis indexing where the operand is defined
    column = lo.rank == 1 and hi.rank == 2 and hi.dims[1] == 1 and lo.dims[0] != 1
    if column and pair.loss_like:
        return found
    for i, d in enumerate(lo.dims):
        j = i + offset
        h = hi.dims[j]
        if d == 1 or d is None or same_dim(d, h):
            continue
        if any(same_dim(d, hi.dims[k]) for k in range(hi.rank) if k != j):
            return found
    return None


def _reduced_back(ctx: FileContext, source: cst.BaseExpression, reduced: cst.BaseExpression,
                  s: Shape, r: Shape) -> ReducedBack | None:
    """``x / x.sum(1)``: ``reduced`` is ``source`` reduced over a non-leading dim."""
    if s.rank < 2 or r.rank != s.rank - 1:
        return None
    source_name = code_text(ctx.module, source)
    inline = _inline_reduction(ctx, reduced)
    if r.reduced_from is not None:
        origin, dim = r.reduced_from
        if origin != source_name:
            return None
    elif inline is not None:
        receiver, call = inline
        if code_text(ctx.module, receiver) != source_name:
            return None
        dim = _reduced_dim(ctx, call, s.rank)
        if dim is None:
            return None
    else:
        return None
    if dim == 0:
        return None
    if all(d == 1 for d in r.dims):
        return None  # only singletons are left: they broadcast against anything
    written = inline[1] if inline is not None and code_text(ctx.module, inline[0]) == source_name else None
    return ReducedBack(source, reduced, s, r, dim, written)


def _inline_reduction(ctx: FileContext, expr: cst.BaseExpression
                      ) -> tuple[cst.BaseExpression, cst.Call] | None:
    """(receiver, call) of ``x.sum(1)`` / ``torch.sum(x, 1)`` / ``x.max(1)[0]``/``.values``."""
    if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Call):
        expr = expr.value
    elif isinstance(expr, cst.Attribute) and expr.attr.value == "values" and \
            isinstance(expr.value, cst.Call):
        expr = expr.value
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return None
    method = expr.func.attr.value
    if method not in REDUCTIONS:
        return None
    qualified = ctx.imports.qualify(expr.func)
    if qualified is not None:
        if qualified.startswith(("torch.", "numpy.")) and expr.args and \
                expr.args[0].keyword is None:
            return expr.args[0].value, expr
        return None
    return expr.func.value, expr


def _reduced_dim(ctx: FileContext, call: cst.Call, rank: int) -> int | None:
    qualified = ctx.imports.qualify(call.func) if isinstance(call.func, cst.Attribute) else None
    args = list(call.args[1:] if qualified else call.args)
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    positional = [a.value for a in args if a.keyword is None]
    if method == "norm":
        positional = positional[1:]
    dim_node = next((a.value for a in args if a.keyword is not None and
                     a.keyword.value in ("dim", "axis")), positional[0] if positional else None)
    if dim_node is None or not isinstance(dim_node, (cst.Integer, cst.UnaryOperation)):
        return None
    if keepdim_of(call) is not False:
        return None
    try:
        d = int(ctx.code_for(dim_node).strip())
    except ValueError:
        return None
    if d < 0:
        d += rank
    return d if 0 <= d < rank else None


def explicit_new_axis(expr: cst.BaseExpression) -> bool:
    """Written with an explicit singleton (``x[:, None]``, ``x[..., None]``, ``x[:, np.newaxis]``,
    ``x.unsqueeze(1)``, ``np.expand_dims(x, 1)``) or reshaped to a trailing unit axis
    (``x.view(n, 1)``, ``x.view(-1, 1)``, ``x.reshape((-1, 1))``) at the operation itself.

    A reshape to a column written inside the very expression that meets another operand can only
    be there to build the outer table (``i < (i + 1).view(n, 1)``, a causal mask); one made where
    the operand is defined (``y = y.view(-1, 1)`` above) is often an attempt to match a shape the
    author believed the other side had, and is not counted here."""
    if isinstance(expr, cst.Subscript):
        return any(isinstance(e.slice, cst.Index) and (
            (isinstance(e.slice.value, cst.Name) and e.slice.value.value == "None")
            or (isinstance(e.slice.value, cst.Attribute)
                and e.slice.value.attr.value == "newaxis")) for e in expr.slice)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        method = expr.func.attr.value
        if method in ("unsqueeze", "expand_dims"):
            return True
        if method in ("view", "reshape"):
            return _trailing_unit_sizes(expr)
    return False


def _trailing_unit_sizes(call: cst.Call) -> bool:
    """``x.view(n, 1)`` / ``x.reshape((-1, 1))``: two or more sizes written, the last a literal 1."""
    if any(a.keyword is not None or a.star for a in call.args):
        return False
    sizes: list[cst.BaseExpression] = [a.value for a in call.args]
    if len(sizes) == 1 and isinstance(sizes[0], (cst.Tuple, cst.List)):
        if any(isinstance(e, cst.StarredElement) for e in sizes[0].elements):
            return False
        sizes = [e.value for e in sizes[0].elements]
    last = sizes[-1] if sizes else None
    return len(sizes) >= 2 and isinstance(last, cst.Integer) and last.evaluated_value == 1
