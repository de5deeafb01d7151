"""Which activation family each call applies, and which activations carry their own gain.

A gain-carrying ("scaled") activation is an activation whose output is multiplied by a constant:
``F.relu(x) * 1.7139``, ``nn.ReLU()(x) * _gamma['relu']``. Normaliser-free networks (NFNets) and
SELU write them so that the activation itself restores unit variance; the layer before it then
wants gain-1 initialisation (``nonlinearity='linear'``), and a ReLU gain there applies the gain
twice. For initialisation such an activation is therefore in the family ``linear``, not in the
family of the activation it wraps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import number

if TYPE_CHECKING:
    from dllint.context import FileContext

RELU = "relu"
TANH = "tanh"
SIGMOID = "sigmoid"
SELU = "selu"
LINEAR = "linear"

_MODULES = {
    **{f"torch.nn.{n}": RELU for n in ("ReLU", "LeakyReLU", "ReLU6", "PReLU", "ELU", "GELU", "SiLU",
                                       "Mish", "CELU", "RReLU")},
    "torch.nn.Tanh": TANH, "torch.nn.Sigmoid": SIGMOID, "torch.nn.SELU": SELU,
}
_FUNCTIONS = {
    **{f"torch.nn.functional.{n}": RELU for n in ("relu", "leaky_relu", "relu6", "elu", "gelu",
                                                  "silu", "mish", "celu", "prelu", "relu_")},
    "torch.relu": RELU, "torch.relu_": RELU,
    "torch.tanh": TANH, "torch.nn.functional.tanh": TANH,
    "torch.sigmoid": SIGMOID, "torch.nn.functional.sigmoid": SIGMOID,
    "torch.selu": SELU, "torch.nn.functional.selu": SELU,
}
ACTIVATIONS = {**_MODULES, **_FUNCTIONS}
_METHODS = {"relu": RELU, "tanh": TANH, "sigmoid": SIGMOID}
_GAIN_CALLS = {"math.sqrt", "numpy.sqrt", "torch.nn.init.calculate_gain"}


class ScaledActivations:
    """The products ``activation(x) * constant`` of a file, and the activation nodes inside them."""

    def __init__(self) -> None:
        self.products: list[cst.BinaryOperation] = []
        self.inner: set[cst.CSTNode] = set()  # the activation's own nodes, not to count as plain

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ScaledActivations":
        result = cls()
        bindings = ctx.analysis(Bindings)
        for product in ctx.index.of_type(cst.BinaryOperation):
            if not isinstance(product.operator, cst.Multiply):
                continue
            for applied, other in ((product.left, product.right), (product.right, product.left)):
                nodes = _application(ctx, applied)
                if nodes and _constant_gain(ctx, bindings, other):
                    result.products.append(product)
                    result.inner.update(nodes)
                    break
        return result


def _application(ctx: "FileContext", expr: cst.BaseExpression) -> list[cst.CSTNode]:
    """The nodes naming the activation when ``expr`` applies one to an input, else []."""
    if not isinstance(expr, cst.Call) or not expr.args:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
                ctx.imports.qualify(expr.func) is None and expr.func.attr.value in _METHODS:
            return [expr]  # x.relu()
        return []
    if ctx.imports.qualify(expr.func) in _FUNCTIONS:
        return [expr]  # F.relu(x)
    constructor = expr.func
    if isinstance(constructor, cst.Call) and ctx.imports.qualify(constructor.func) in _MODULES:
        return [constructor]  # nn.ReLU(inplace=True)(x)
    return []


def _constant_gain(ctx: "FileContext", bindings: Bindings, expr: cst.BaseExpression) -> bool:
    """A number, a module constant holding one, an entry of a module-level table of numbers, or
    sqrt/calculate_gain of constants; a tensor (a mask, a gate) is not a gain."""
    if number(expr) is not None:
        return True
    if isinstance(expr, cst.Name):
        value = bindings.value_before(expr, expr.value)
        return value is not None and value is not expr and number(value) is not None
    if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Name):
        table = bindings.value_before(expr, expr.value.value)
        return table is not None and _numeric_table(ctx, table)
    if isinstance(expr, cst.Call) and ctx.imports.qualify(expr.func) in _GAIN_CALLS:
        return all(number(a.value) is not None or isinstance(a.value, cst.SimpleString) for a in expr.args)
    return False


def _numeric_table(ctx: "FileContext", table: cst.BaseExpression) -> bool:
    if isinstance(table, cst.Dict):
        values = [e.value for e in table.elements if isinstance(e, cst.DictElement)]
        return bool(values) and len(values) == len(table.elements) and \
            all(number(v) is not None for v in values)
    if isinstance(table, cst.Call) and isinstance(table.func, cst.Name) and table.func.value == "dict":
        return bool(table.args) and all(a.keyword is not None and number(a.value) is not None
                                        for a in table.args)
    return False
