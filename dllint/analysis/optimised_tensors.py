"""What an optimiser is given to optimise: a module's weights, or tensors the code made itself.

``Adam([image], lr=0.1, weight_decay=1e-6)`` optimises the pixels of an input image (activation
maximisation, adversarial or style-transfer inputs): the tensor is one the code created
(``torch.rand(..., requires_grad=True)``, ``Variable(torch.from_numpy(a).float(),
requires_grad=True)``, ``x.clone().requires_grad_()``), not a parameter of a module, so the
coupled L2 of Adam is a prior on that input, not a decay of weights. DL501 reads
:func:`created_tensors_only`.

The fact is "known not to be a module's parameters": it holds only when the first argument is a list
or tuple written out, every element a tensor made by a torch factory (through tensor methods that
keep a fresh tensor, ``Variable(...)``, ``.requires_grad_()``) or a name whose every reaching binding
is one, or a call of a function (of this file, or of another project module) whose every ``return``
is one. Anything else (``model.parameters()``, a param-group list, ``nn.Parameter(...)``, an
attribute such as ``self.w``, a parameter of the function, a name bound by unpacking, a starred
element) is not known, and the rule keeps reporting.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument
from dllint.analysis.name_reaching import NameReaching
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext

# torch functions that make a fresh tensor (not a view of, nor a parameter of, a module)
TENSOR_FACTORIES = frozenset(
    f"torch.{name}" for name in (
        "rand", "randn", "randint", "rand_like", "randn_like", "randint_like", "zeros", "ones",
        "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "tensor",
        "as_tensor", "from_numpy", "arange", "linspace", "logspace", "normal", "eye",
        "FloatTensor", "Tensor", "DoubleTensor", "cuda.FloatTensor",
    )
)
VARIABLES = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})
# Tensor methods whose result is a tensor made from the receiver (a copy, a cast, a move, a view of
# it, the receiver itself for ``requires_grad_``): fresh when the receiver is.
KEEPING_METHODS = frozenset({
    "float", "double", "half", "bfloat16", "to", "cuda", "cpu", "clone", "detach", "type",
    "requires_grad_", "unsqueeze", "unsqueeze_", "view", "reshape", "contiguous", "permute",
    "transpose", "squeeze", "expand", "repeat", "mul", "div", "add", "sub", "mul_", "div_",
    "add_", "sub_", "normal_", "uniform_", "zero_", "fill_", "clamp", "clamp_",
})
MAX_DEPTH = 3


def created_tensors_only(ctx: "FileContext", call: cst.Call) -> bool:
    """The optimiser ``call`` is given, as its params, a list or tuple written out whose every
    element is a tensor the code created (not a module's parameter)."""
    params = argument(call, 0, "params")
    if not isinstance(params, (cst.List, cst.Tuple)) or not params.elements:
        return False
    for element in params.elements:
        if isinstance(element, cst.StarredElement):
            return False
        if not _created(ctx, element.value, 0, set()):
            return False
    return True


def _created(ctx: "FileContext", expr: cst.BaseExpression, depth: int, seen: set) -> bool:
    if id(expr) in seen:
        return False  # a cycle of bindings (``x = x.float()`` in a loop): not followed
    seen = seen | {id(expr)}
    if isinstance(expr, cst.Name):
        values = _values(ctx, expr)
        return bool(values) and all(v is not None and _created(ctx, v, depth, seen) for v in values)
    if not isinstance(expr, cst.Call):
        return False
    qualified = ctx.imports.qualify(expr.func) or ""
    if qualified in TENSOR_FACTORIES:
        return True
    if qualified in VARIABLES:
        data = argument(expr, 0, "data")
        return data is not None and _created(ctx, data, depth, seen)
    if qualified.split(".")[0] == "torch":
        return False  # another of torch's functions (``nn.Parameter`` among them)
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value in KEEPING_METHODS:
        receiver = func.value
        if isinstance(receiver, (cst.Name, cst.Call)):
            return _created(ctx, receiver, depth, seen)
        return False  # ``self.w.requires_grad_()``, ``model.weight.clone()``: not known
    return _returns_created(ctx, expr, depth)  # a library's function is not found there: False


def _values(ctx: "FileContext", name: cst.Name) -> list[cst.BaseExpression | None]:
    values = ctx.analysis(NameReaching).values_at(name, name.value)
    if values is None:
        value = ctx.analysis(Bindings).value_before(name, name.value)
        values = [value] if value is not None else []
    return values


def _returns_created(ctx: "FileContext", call: cst.Call, depth: int) -> bool:
    """A call of a function of this file or of another project module whose every ``return``
    hands back a tensor the code created."""
    if depth >= MAX_DEPTH or not isinstance(call.func, cst.Name):
        return False
    from dllint.analysis.regions import Regions

    function = ctx.analysis(Regions).resolve_call(call)
    if function is not None:
        return _function_returns_created(ctx, function, depth + 1)
    from dllint.analysis.project import PROJECT, MAX_FILE_DEPTH, find_called, project_imports

    imports = project_imports(ctx)
    if imports is None or PROJECT.depth >= MAX_FILE_DEPTH:
        return False
    found = find_called(ctx, call, imports, lambda expr, call, imports: None)
    if found is None or found[2] is not None:
        return False
    other, function, _ = found
    PROJECT.depth += 1
    try:
        return _function_returns_created(other, function, depth + 1)
    finally:
        PROJECT.depth -= 1


def _function_returns_created(ctx: "FileContext", function: cst.FunctionDef, depth: int) -> bool:
    returns = [node for node in iter_subtree(function.body)
               if isinstance(node, cst.Return) and ctx.index.function_of(node) is function]
    if any(isinstance(node, (cst.Yield, cst.Await)) for node in iter_subtree(function.body)):
        return False
    return bool(returns) and all(
        r.value is not None and _created(ctx, r.value, depth, set()) for r in returns)
