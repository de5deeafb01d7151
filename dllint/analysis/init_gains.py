"""Which gain an initialisation gives a layer, and which activation follows that layer (DL503).

Two facts, each known or not, for the layers a model builds in an ``nn.Sequential(...)``:

- **the activation that follows a layer**: the next element of the same ``nn.Sequential(...)``
  when it is an activation module (``init_(nn.Linear(4, 8)), nn.Tanh()``); the last element, or
  anything else next (a norm, a dropout, a custom module), leaves it unknown;
- **the gain an initialisation helper applies**: ``init_(nn.Linear(...))`` with ``init_`` a lambda
  (the one bound last before the call in the same function) or a function of the file or of another
  project module (``from utils import init``), followed through lambdas and helpers that pass the
  layer on, down to an unconditional ``weight_init(module.weight, gain=gain)`` in a helper that
  returns the layer, where the initialiser is a ``torch.nn.init`` function or a parameter given one
  (``init(m, nn.init.orthogonal_, ..., np.sqrt(2))``). The gain is the argument, or the parameter's
  default when the caller does not pass it; its value is read from ``calculate_gain('relu')``,
  ``np.sqrt(2)`` / ``math.sqrt(2)`` / ``2 ** 0.5`` (ReLU), ``5 / 3`` (tanh), ``3 / 4`` (SELU's
  gain) or 1 (linear); ``kaiming_*`` reads ``nonlinearity=``. Anything else is unknown.

The gain is reported where its value is written: that is the expression to change.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.activations import LINEAR, RELU, SELU, TANH
from dllint.analysis.activations import _MODULES as ACTIVATION_MODULES
from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import number, string
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext

LAYERS = frozenset(f"torch.nn.{n}" for n in ("Linear", "Conv1d", "Conv2d", "Conv3d"))
_GAIN_INITS = frozenset(f"torch.nn.init.{n}{u}" for n in ("orthogonal", "xavier_normal", "xavier_uniform")
                        for u in ("_", ""))
_KAIMING_INITS = frozenset(f"torch.nn.init.kaiming_{k}{u}" for k in ("normal", "uniform") for u in ("_", ""))
_NONLINEARITY = {"relu": RELU, "leaky_relu": RELU, "tanh": TANH, "selu": SELU, "linear": LINEAR,
                 "sigmoid": LINEAR, "conv1d": LINEAR, "conv2d": LINEAR, "conv3d": LINEAR}
_SQRT = frozenset({"math.sqrt", "numpy.sqrt"})
_DEPTH = 4


class Gain:
    """The gain an initialisation applies: its family and the expression that wrote it."""

    __slots__ = ("family", "node", "ctx")

    def __init__(self, family: str, node: cst.CSTNode, ctx: "FileContext") -> None:
        self.family, self.node, self.ctx = family, node, ctx


def gain_family(ctx: "FileContext", expr: cst.BaseExpression | None) -> str | None:
    """The activation family whose gain ``expr`` is, when it is written as a constant."""
    if expr is None:
        return None
    value = _value(ctx, expr)
    if value is None:
        return None
    for family, gain in ((LINEAR, 1.0), (RELU, math.sqrt(2)), (TANH, 5 / 3), (SELU, 0.75)):
        if abs(value - gain) < 1e-3:
            return family
    return None


def _value(ctx: "FileContext", expr: cst.BaseExpression) -> float | None:
    found = number(expr)
    if found is not None:
        return found
    if isinstance(expr, cst.BinaryOperation):
        left, right = _value(ctx, expr.left), _value(ctx, expr.right)
        if left is None or right is None:
            return None
        if isinstance(expr.operator, cst.Divide) and right:
            return left / right
        if isinstance(expr.operator, cst.Multiply):
            return left * right
        if isinstance(expr.operator, cst.Power) and left > 0 and abs(right) <= 4:
            return left ** right
        return None
    if isinstance(expr, cst.Call):
        qualified = ctx.imports.qualify(expr.func)
        if len(expr.args) != 1 and qualified != "torch.nn.init.calculate_gain":
            return None
        if qualified in _SQRT:
            inner = _value(ctx, expr.args[0].value)
            return math.sqrt(inner) if inner is not None and inner >= 0 else None
        if qualified == "torch.nn.init.calculate_gain" and len(expr.args) == 1:
            family = _NONLINEARITY.get(string(expr.args[0].value) or "")
            return {LINEAR: 1.0, RELU: math.sqrt(2), TANH: 5 / 3, SELU: 0.75}.get(family) if family else None
    return None


# An environment maps a helper's parameter names to what the caller passed: the layer itself
# (_LAYER), or an expression with the context that reads it.
_LAYER = object()


def applied_gain(ctx: "FileContext", call: cst.Call) -> Gain | None:
    """The gain the helper call ``call`` (``init_(nn.Linear(...))``) gives the layer it is passed
    as its first argument and returns; None when unknown."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    return _helper_gain(ctx, call, {}, 0)


def _arguments(call: cst.Call, params: cst.Parameters, ctx: "FileContext", env: dict, first_is_layer: bool
               ) -> dict | None:
    """Bind the call's arguments to the parameters (None when a star argument hides them)."""
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    bound: dict = {}
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            name = arg.keyword.value
        elif position < len(names):
            name = names[position]
            position += 1
        else:
            return None
        value = arg.value
        if first_is_layer and arg is call.args[0]:
            bound[name] = _LAYER
        elif isinstance(value, cst.Name) and value.value in env:
            bound[name] = env[value.value]
        else:
            bound[name] = (value, ctx)
    return bound


def _defaults(params: cst.Parameters, bound: dict, ctx: "FileContext") -> None:
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value not in bound and param.default is not None:
            bound[param.name.value] = (param.default, ctx)


def _callee(ctx: "FileContext", call: cst.Call):
    """(context, Lambda or FunctionDef) of what ``call`` calls: a lambda bound last before it, a
    top-level function of the file, or a function of another project module."""
    func = call.func
    if not isinstance(func, cst.Name):
        return None
    bindings = ctx.analysis(Bindings)
    if bindings.values.get((bindings.scope_key(call, func.value), func.value)):
        # bound in the caller's scope (or at module level): only a lambda bound at the top of
        # that scope's body (not in a branch or a loop), the last binding before the call
        value = bindings.value_before(call, func.value)
        if not isinstance(value, cst.Lambda) or not _unconditional(ctx, value):
            return None
        return ctx, value
    for statement in ctx.module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == func.value:
            return ctx, statement
    if func.value not in ctx.imports.aliases:
        return None
    from dllint.analysis.project import find_called, project_imports
    imports = project_imports(ctx)
    if imports is None:
        return None
    found = find_called(ctx, call, imports, lambda *_: None)
    return (found[0], found[1]) if found is not None else None


def _unconditional(ctx: "FileContext", node: cst.CSTNode) -> bool:
    """``node`` is in a statement at the top of its function's body (or of the module)."""
    for ancestor in ctx.index.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
            return True
        if isinstance(ancestor, (cst.If, cst.For, cst.While, cst.Try, cst.With, cst.Match, cst.ClassDef)):
            return False
    return True


def _mentions_weight(node: cst.CSTNode, layer: set[str]) -> int:
    """How many times ``node`` reads ``m.weight`` of the layer ``m``."""
    count = 1 if isinstance(node, cst.Attribute) and node.attr.value == "weight" \
        and isinstance(node.value, cst.Name) and node.value.value in layer else 0
    return count + sum(_mentions_weight(child, layer) for child in node.children)


def _helper_gain(ctx: "FileContext", call: cst.Call, env: dict, depth: int) -> Gain | None:
    if depth > _DEPTH:
        return None
    callee = _callee(ctx, call)
    if callee is None:
        return None
    other, function = callee
    bound = _arguments(call, function.params, ctx, env, first_is_layer=depth == 0)
    if bound is None:
        return None
    _defaults(function.params, bound, other)
    if isinstance(function, cst.Lambda):
        body = function.body
        if not isinstance(body, cst.Call) or not body.args or body.args[0].star \
                or not isinstance(body.args[0].value, cst.Name) or bound.get(body.args[0].value.value) is not _LAYER:
            return None
        return _helper_gain(other, body, bound, depth + 1)
    return _def_gain(other, function, bound, depth)


def _def_gain(ctx: "FileContext", function: cst.FunctionDef, env: dict, depth: int) -> Gain | None:
    """A helper that returns the layer and initialises its weight, unconditionally, at the top of
    its body: ``weight_init(module.weight.data, gain=gain)``; ``return module``."""
    if not isinstance(function.body, cst.IndentedBlock):
        return None
    layer = {name for name, value in env.items() if value is _LAYER}
    returns = False
    found: Gain | None = None
    initialised = False
    for statement in function.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Return):
                returns = returns or (isinstance(small.value, cst.Name) and small.value.value in layer)
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and not initialised:
                target = small.value.args[0].value if small.value.args and not small.value.args[0].star else None
                if target is not None and _weight_of(target, layer):
                    initialised = True
                    found = _init_gain(ctx, small.value, env)
    if not returns or found is None or _mentions_weight(function.body, layer) != 1:
        return None  # the weight touched again (rescaled, re-initialised): the gain is not known
    return found


def _weight_of(expr: cst.BaseExpression, layer: set[str]) -> bool:
    """``m.weight`` or ``m.weight.data`` with ``m`` the layer."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
        expr = expr.value
    return isinstance(expr, cst.Attribute) and expr.attr.value == "weight" \
        and isinstance(expr.value, cst.Name) and expr.value.value in layer


def _resolve(env: dict, ctx: "FileContext", expr: cst.BaseExpression | None):
    """(expression, its context) after following a parameter to its argument."""
    if isinstance(expr, cst.Name) and expr.value in env:
        value = env[expr.value]
        return value if value is not _LAYER else (None, ctx)
    return expr, ctx


def _init_gain(ctx: "FileContext", call: cst.Call, env: dict) -> Gain | None:
    func, func_ctx = _resolve(env, ctx, call.func)
    if func is None:
        return None
    qualified = func_ctx.imports.qualify(func)
    if qualified in _KAIMING_INITS:
        written = _keyword_or(call, 3, "nonlinearity")
        expr, expr_ctx = _resolve(env, ctx, written)
        if written is None:
            return None  # a=0 by default: leaky_relu's gain, but also what a= says; left alone
        family = _NONLINEARITY.get(string(expr) or "")
        return Gain(family, expr, expr_ctx) if family and expr is not None else None
    if qualified not in _GAIN_INITS:
        return None
    written = _keyword_or(call, 1, "gain")
    if written is None:
        return None
    expr, expr_ctx = _resolve(env, ctx, written)
    family = gain_family(expr_ctx, expr)
    return Gain(family, expr, expr_ctx) if family and expr is not None else None


def _keyword_or(call: cst.Call, index: int, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    positional = [a for a in call.args if a.keyword is None]
    if index < len(positional) and not any(a.star for a in positional[:index + 1]):
        return positional[index].value
    return None


def following_activation(ctx: "FileContext", element: cst.BaseExpression) -> str | None:
    """The family of the activation module that follows ``element`` in its ``nn.Sequential``."""
    arg = ctx.index.parent(element)
    sequential = ctx.index.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(sequential, cst.Call) or ctx.imports.qualify(sequential.func) != "torch.nn.Sequential":
        return None
    args = list(sequential.args)
    position = args.index(arg)
    if position + 1 >= len(args) or args[position + 1].star or args[position + 1].keyword is not None:
        return None
    following = args[position + 1].value
    if not isinstance(following, cst.Call):
        return None
    return ACTIVATION_MODULES.get(ctx.imports.qualify(following.func) or "")


_UNKNOWN = "?"


def _applied_activation(ctx: "FileContext", call: cst.Call, klass: cst.ClassDef) -> str:
    """The family of the activation applied directly to the output of ``call``: ``F.relu(call)``,
    ``torch.tanh(call)``, ``nn.Tanh()(call)``, ``self.act(call)`` with ``self.act`` bound once, in
    the class, to an activation module; anything else is unknown."""
    from dllint.analysis.activations import _FUNCTIONS
    arg = ctx.index.parent(call)
    outer = ctx.index.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(outer, cst.Call) or outer.args[0] is not arg or arg.keyword is not None or arg.star:
        return _UNKNOWN
    func = outer.func
    from dllint.analysis.activations import ScaledActivations
    inner = ctx.analysis(ScaledActivations).inner
    if outer in inner or func in inner:
        return LINEAR  # relu(x) * gamma: the activation restores the variance itself
    family = _FUNCTIONS.get(ctx.imports.qualify(func) or "")
    if family is not None:
        return family
    if isinstance(func, cst.Call):
        return ACTIVATION_MODULES.get(ctx.imports.qualify(func.func) or "", _UNKNOWN)
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        values = ctx.analysis(Bindings).values.get((klass, f"self.{func.attr.value}"), [])
        if len(values) == 1 and isinstance(values[0][1], cst.Call):
            return ACTIVATION_MODULES.get(ctx.imports.qualify(values[0][1].func) or "", _UNKNOWN)
    return _UNKNOWN


def attribute_activation(ctx: "FileContext", klass: cst.ClassDef, attribute: str, cache: dict) -> str | None:
    """The activation family that every call ``self.<attribute>(...)`` of the class feeds, when all
    of them (at least one) feed the same known one."""
    key = (klass, attribute)
    if key not in cache:
        uses = cache.get(None)
        if uses is None:
            uses = cache[None] = {}
            for call in ctx.index.of_type(cst.Call):
                func = call.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
                    uses.setdefault(func.attr.value, []).append(call)
        families: set[str] = set()
        for call in uses.get(attribute, ()):
            # any class of the file: a subclass may call the layer its own way
            user = ctx.index.enclosing(call, cst.ClassDef)
            families.add(_applied_activation(ctx, call, user) if user is not None else _UNKNOWN)
        cache[key] = next(iter(families)) if len(families) == 1 and _UNKNOWN not in families else None
    return cache[key]


def _self_attribute(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return expr.attr.value
    return None


def layer_site(ctx: "FileContext", call: cst.Call, qualified: str | None, in_sequence: list, kept: list) -> None:
    """Collect what ``call`` (qualified as ``qualified``) says about a layer's gain or activation
    (one pass over the file's calls, shared with the rule's own):

    - in ``in_sequence``, (helper call, family of the activation after it) for each
      ``helper(layer)`` element of an ``nn.Sequential(...)`` followed by an activation module;
    - in ``kept``, (node, gain or None, class, attribute) for each layer a class keeps in
      ``self.<attribute>`` and initialises: ``self.fc = helper(nn.Linear(...))`` (node: the helper
      call), or a direct ``torch.nn.init`` call on ``self.fc.weight`` (node: that call).
    """
    args = call.args
    if not args:
        return
    if qualified == "torch.nn.Sequential":
        for element in args[:-1]:
            value = element.value
            if element.star or element.keyword is not None or not isinstance(value, cst.Call) \
                    or not isinstance(value.func, cst.Name) or not value.args \
                    or not isinstance(value.args[0].value, cst.Call) \
                    or ctx.imports.qualify(value.args[0].value.func) not in LAYERS:
                continue
            family = following_activation(ctx, value)
            if family is not None:
                in_sequence.append((value, family))
    elif qualified in _GAIN_INITS or qualified in _KAIMING_INITS:
        target = args[0].value
        if isinstance(target, cst.Attribute) and target.attr.value == "data":
            target = target.value
        if not isinstance(target, cst.Attribute) or target.attr.value != "weight":
            return
        attribute = _self_attribute(target.value)
        klass = ctx.index.enclosing(call, cst.ClassDef) if attribute is not None else None
        if klass is not None:
            kept.append((call, _direct_gain(ctx, call, qualified), klass, attribute))
    elif isinstance(call.func, cst.Name) and isinstance(args[0].value, cst.Call):
        assign = ctx.index.parent(call)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return
        attribute = _self_attribute(assign.targets[0].target)
        if attribute is None or ctx.imports.qualify(args[0].value.func) not in LAYERS:
            return
        klass = ctx.index.enclosing(call, cst.ClassDef)
        if klass is not None:
            kept.append((call, applied_gain(ctx, call), klass, attribute))


def layer_sites(ctx: "FileContext") -> tuple[list, list]:
    """:func:`layer_site` over every call of the file."""
    in_sequence: list = []
    kept: list = []
    for call in ctx.index.of_type(cst.Call):
        layer_site(ctx, call, ctx.imports.qualify(call.func), in_sequence, kept)
    return in_sequence, kept


def slope_set(ctx: "FileContext", call: cst.Call) -> bool:
    """A ``kaiming_*`` call given a leaky-ReLU slope ``a`` that takes its gain out of ReLU's family:
    with the default nonlinearity (leaky_relu) the gain is sqrt(2 / (1 + a**2)), ReLU's sqrt(2) for
    a leaky slope such as 0.01 or 0.2 (within 5%), but sqrt(1/3) for ``a=math.sqrt(5)``, torch's own
    default initialisation of ``nn.Linear`` re-applied (not He's). A slope of unknown value counts
    as set."""
    slope = _keyword_or(call, 1, "a")
    if slope is None:
        return False
    value = _value(ctx, slope)
    return value is None or math.sqrt(2 / (1 + value * value)) < 0.95 * math.sqrt(2)


# Modules whose weight is a layer that feeds the activation after it. An ``nn.Embedding`` is a
# lookup table at the model's input, a norm's weight a per-feature scale, a recurrent layer's
# weights feed its own gates: none of them is the layer the model's activations follow.
FEEDS_ACTIVATION = LAYERS | frozenset(f"torch.nn.{n}" for n in (
    "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Bilinear", "LazyLinear",
    "LazyConv1d", "LazyConv2d", "LazyConv3d"))


def initialised_module(ctx: "FileContext", call: cst.Call) -> str | None:
    """The qualified class of the module whose weight the ``torch.nn.init`` call ``call``
    initialises, when it is ``self.<attribute>.weight`` (or its ``.data``) and every assignment of
    ``self.<attribute>`` in the class builds the same library module (``nn.Embedding(...)``);
    None when unknown."""
    if not call.args:
        return None
    target = call.args[0].value
    if isinstance(target, cst.Attribute) and target.attr.value == "data":
        target = target.value
    if not isinstance(target, cst.Attribute) or target.attr.value != "weight":
        return None
    attribute = _self_attribute(target.value)
    klass = ctx.index.enclosing(call, cst.ClassDef) if attribute is not None else None
    if klass is None:
        return None
    built: set[str | None] = set()
    for node in iter_subtree(klass.body):
        if isinstance(node, cst.Assign) and any(_self_attribute(t.target) == attribute for t in node.targets):
            value = node.value
            built.add(ctx.imports.qualify(value.func) if isinstance(value, cst.Call) else None)
    return next(iter(built)) if len(built) == 1 else None


def _direct_gain(ctx: "FileContext", call: cst.Call, qualified: str) -> Gain | None:
    if qualified in _KAIMING_INITS:
        written = _keyword_or(call, 3, "nonlinearity")
        if written is None:
            return None if slope_set(ctx, call) else Gain(RELU, call, ctx)
        family = _NONLINEARITY.get(string(written) or "")
        return Gain(family, call, ctx) if family else None
    written = _keyword_or(call, 1, "gain")
    family = gain_family(ctx, written) if written is not None else LINEAR
    return Gain(family, call, ctx) if family else None


# --- Layers that keep torch's default initialisation before SELU ---------------------------------
#
# ``nn.Linear`` and ``nn.ConvNd`` initialise their weight with kaiming_uniform_(a=sqrt(5)): variance
# 1/(3 fan_in). SELU self-normalises only from LeCun's variance 1/fan_in (Klambauer et al. 2017);
# with a third of it the activations shrink layer by layer. Said only when no initialisation can
# reach the layer's weight: none in the file that may touch it, and no other module of the project
# that initialises weights at all (``model.apply(init)`` in a training script).

_INIT_METHODS = frozenset({"normal_", "uniform_", "orthogonal_", "trunc_normal_", "xavier_normal_",
                           "xavier_uniform_", "kaiming_normal_", "kaiming_uniform_", "copy_", "fill_",
                           "zero_", "constant_", "eye_", "dirac_", "sparse_"})
# Words of a module that may initialise weights (``nn.init``, ``from torch.nn import init``, the
# in-place initialisers, a module's own ``reset_parameters``, ``weight.data`` writes).
_INIT_WORDS = ("nn.init", "import init", "normal_(", "uniform_(", "orthogonal_(", "xavier", "kaiming",
               "reset_parameters", "weight.data")


class SeluLayer:
    """A layer built with torch's default initialisation that SELU follows: the constructor call,
    the ``self.<attribute>`` it is kept in, the ``isinstance(act, nn.SELU)`` test that makes SELU one
    of the activations the code expects (None when the SELU module itself follows), and where to
    report: the constructor, or the ``add_module`` call that puts the layer before SELU."""

    __slots__ = ("layer", "attribute", "expected", "node")

    def __init__(self, layer: cst.Call, attribute: str | None, expected: cst.Call | None,
                 node: cst.CSTNode | None = None) -> None:
        self.layer, self.attribute, self.expected = layer, attribute, expected
        self.node = node if node is not None else layer


def _builds_layer(ctx: "FileContext", call: cst.Call) -> bool:
    """``nn.Linear(...)``, or ``self.conv_layer(...)`` with ``self.conv_layer`` bound in its class
    only to torch layer classes (or None)."""
    if ctx.imports.qualify(call.func) in FEEDS_ACTIVATION:
        return True
    attribute = _self_attribute(call.func)
    klass = ctx.index.enclosing(call, cst.ClassDef) if attribute is not None else None
    if klass is None:
        return False
    values = ctx.analysis(Bindings).values.get((klass, f"self.{attribute}"), [])
    kinds = {ctx.imports.qualify(v) if v is not None and not (isinstance(v, cst.Name) and v.value == "None")
             else "None" for _, v in values}
    return bool(kinds - {"None"}) and kinds - {"None"} <= FEEDS_ACTIVATION


def _selu_tests(function: cst.CSTNode, ctx: "FileContext") -> dict[str, cst.Call]:
    """The names (``activation``, ``self.act``) that ``isinstance(name, nn.SELU)`` tests in
    ``function``."""
    found: dict[str, cst.Call] = {}
    for node in iter_subtree(function):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "isinstance" \
                and len(node.args) == 2 and ctx.imports.qualify(node.args[1].value) == "torch.nn.SELU":
            from dllint.analysis.imports import dotted_name
            name = dotted_name(node.args[0].value)
            if name is not None:
                found.setdefault(name, node)
    return found


def _added_modules(ctx: "FileContext") -> list[SeluLayer]:
    """``R.add_module('fc', layer)`` followed, on some path of the same function, by
    ``R.add_module('act', nn.SELU())`` or by the module ``act`` that the function tests with
    ``isinstance(act, nn.SELU)``; the ``add_module`` calls between them, if any, each under a
    condition the layer's is not under (``if norm is not None: ...``)."""
    from dllint.analysis.imports import dotted_name
    by_receiver: dict[tuple[cst.CSTNode, str], list[cst.Call]] = {}
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_module" and len(call.args) == 2 \
                and not any(a.star for a in call.args):
            receiver = dotted_name(func.value)
            function = ctx.index.function_of(call)
            if receiver is not None and function is not None and _sequential(ctx, call, receiver):
                by_receiver.setdefault((function, receiver), []).append(call)
    found: list[SeluLayer] = []
    bindings = ctx.analysis(Bindings)
    for (function, _), calls in by_receiver.items():
        calls.sort(key=lambda c: ctx.index.order[c])
        tests: dict[str, cst.Call] | None = None
        for position, call in enumerate(calls):
            layer, attribute = _added_layer(ctx, bindings, call)
            if layer is None:
                continue
            guards = {a for a in ctx.index.ancestors(call) if isinstance(a, (cst.If, cst.For, cst.While))}
            for following in calls[position + 1:]:
                value = following.args[1].value
                name = dotted_name(value)
                if isinstance(value, cst.Call) and ACTIVATION_MODULES.get(ctx.imports.qualify(value.func) or "") == SELU:
                    found.append(SeluLayer(layer, attribute, None, call))
                    break
                if tests is None:
                    tests = _selu_tests(function, ctx)
                if name is not None and name in tests:
                    found.append(SeluLayer(layer, attribute, tests[name], call))
                    break
                if not any(isinstance(a, (cst.If, cst.For, cst.While)) and a not in guards
                           for a in ctx.index.ancestors(following)):
                    break  # another module always comes next
    return found


def _sequential(ctx: "FileContext", call: cst.Call, receiver: str) -> bool:
    """The modules added to ``receiver`` run in the order they are added: ``self`` in a class
    derived (through classes of the file) from ``nn.Sequential``, or a name bound only to
    ``nn.Sequential(...)``. (A plain module's ``forward`` decides its own order.)"""
    if receiver == "self":
        klass = ctx.index.enclosing(call, cst.ClassDef)
        classes = {c.name.value: c for c in ctx.index.of_type(cst.ClassDef)}
        for _ in range(_DEPTH):
            if klass is None:
                return False
            bases = [b.value for b in klass.bases]
            if any(ctx.imports.qualify(b) == "torch.nn.Sequential" for b in bases):
                return True
            names = [b.value for b in bases if isinstance(b, cst.Name) and b.value in classes]
            klass = classes[names[0]] if len(names) == 1 and len(bases) == 1 else None
        return False
    bindings = ctx.analysis(Bindings)
    values = bindings.values.get((bindings.scope_key(call, receiver), receiver), [])
    return bool(values) and all(isinstance(v, cst.Call) and ctx.imports.qualify(v.func) == "torch.nn.Sequential"
                                for _, v in values)


def _added_layer(ctx: "FileContext", bindings: Bindings, call: cst.Call) -> tuple[cst.Call | None, str | None]:
    """The layer constructor an ``add_module`` call adds: written there, or bound to the name or
    ``self.<attribute>`` it passes (once, in the class or function)."""
    value = call.args[1].value
    if isinstance(value, cst.Call):
        return (value, None) if _builds_layer(ctx, value) else (None, None)
    attribute = _self_attribute(value)
    klass = ctx.index.enclosing(call, cst.ClassDef)
    if attribute is not None and klass is not None:
        values = bindings.values.get((klass, f"self.{attribute}"), [])
    elif isinstance(value, cst.Name):
        values = bindings.values.get((bindings.scope_key(call, value.value), value.value), [])
    else:
        return None, None
    if len(values) == 1 and isinstance(values[0][1], cst.Call) and _builds_layer(ctx, values[0][1]):
        return values[0][1], attribute
    return None, None


def _selu_layers(ctx: "FileContext") -> list[SeluLayer]:
    """Layers built with no initialiser of their own that SELU follows: an element of an
    ``nn.Sequential(...)`` with ``nn.SELU()`` next, ``self.fc = nn.Linear(...)`` whose every call
    feeds SELU (``F.selu(self.fc(x))``, ``self.act(...)`` with ``self.act = nn.SELU()``), or an
    ``add_module`` sequence (:func:`_added_modules`)."""
    found: list[SeluLayer] = []
    cache: dict = {}
    for call in ctx.index.of_type(cst.Call):
        if ctx.imports.qualify(call.func) not in FEEDS_ACTIVATION:
            continue
        if following_activation(ctx, call) == SELU:
            found.append(SeluLayer(call, None, None))
            continue
        assign = ctx.index.parent(call)
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
            attribute = _self_attribute(assign.targets[0].target)
            klass = ctx.index.enclosing(call, cst.ClassDef) if attribute is not None else None
            if klass is not None and attribute_activation(ctx, klass, attribute, cache) == SELU:
                found.append(SeluLayer(call, attribute, None))
    found.extend(_added_modules(ctx))
    return found


def _optional_initialiser(ctx: "FileContext", call: cst.Call) -> bool:
    """``self.initializer(w)`` under ``if self.initializer:`` (or ``is not None``), where every
    binding of ``self.initializer`` in the file is a parameter whose default is None, and every
    parameter of that name in the file defaults to None: with the defaults no initialiser runs."""
    from dllint.analysis.imports import dotted_name
    name = dotted_name(call.func)
    if name is None:
        return False
    guarded = any(isinstance(a, cst.If) and any(dotted_name(n) == name for n in iter_subtree(a.test)
                                                 if isinstance(n, (cst.Name, cst.Attribute)))
                  for a in ctx.index.ancestors(call))
    if not guarded:
        return False
    bindings = ctx.analysis(Bindings)
    sources = [v for (_, bound), entries in bindings.values.items() if bound == name for _, v in entries]
    params: set[str] = set()
    for value in sources:  # each a parameter of the function that binds it
        function = ctx.index.function_of(value) if isinstance(value, cst.Name) else None
        if function is None or value.value not in {p.name.value for p in (
                *function.params.params, *function.params.kwonly_params)}:
            return False
        params.add(value.value)
    defaults = [p.default for f in ctx.index.of_type(cst.FunctionDef)
                for p in (*f.params.params, *f.params.kwonly_params) if p.name.value in params]
    return bool(defaults) and all(isinstance(d, cst.Name) and d.value == "None" for d in defaults)


def _weight_target(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``E`` of ``E.weight`` / ``E.weight.data`` (None for anything else)."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
        expr = expr.value
    if isinstance(expr, cst.Attribute) and expr.attr.value == "weight":
        return expr.value
    return None


def _may_initialise(ctx: "FileContext", attributes: set[str]) -> bool:
    """Something in the file may initialise the weight of a layer kept in ``self.<attribute>``
    for one of ``attributes`` (or, for a layer in no attribute, of any layer): a ``.apply(fn)``, a
    ``torch.nn.init`` call or an in-place initialiser on ``E.weight`` (unless ``E`` is another
    attribute of ``self``), a weight passed to any other call (an optional initialiser that is None
    by default aside), or an assignment to a weight."""
    def reaches(target: cst.BaseExpression | None) -> bool:
        if target is None:
            return False
        attribute = _self_attribute(target)
        return attribute is None or not attributes or attribute in attributes

    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "apply" and len(call.args) == 1:
            return True
        qualified = ctx.imports.qualify(func) or ""
        if qualified.startswith("torch.nn.init."):
            if call.args and reaches(_weight_target(call.args[0].value)):
                return True
            continue
        if isinstance(func, cst.Attribute) and func.attr.value in _INIT_METHODS \
                and reaches(_weight_target(func.value)):
            return True
        if any(reaches(_weight_target(a.value)) for a in call.args) and not _optional_initialiser(ctx, call):
            return True
    for assign in ctx.index.of_type(cst.Assign):
        if any(reaches(_weight_target(t.target)) for t in assign.targets):
            return True
    return False


def _project_initialises(ctx: "FileContext") -> bool:
    """Another module of the project may initialise weights (it mentions ``nn.init``, an in-place
    initialiser, ``reset_parameters``...): a training script's ``model.apply(init)`` would reach
    this file's layers. True when the project cannot be listed."""
    from pathlib import Path

    from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, project_imports
    imports = project_imports(ctx)
    if imports is None:
        return False  # a snippet: the file is the whole program
    files = PROJECT.files(imports.root) if PROJECT.depth < MAX_FILE_DEPTH else None
    if files is None:
        return True
    me = Path(ctx.path).resolve()
    return any(path.resolve() != me and any(PROJECT.mentions(path, word) for word in _INIT_WORDS)
               for path in files)


def default_init_selu(ctx: "FileContext") -> list[SeluLayer]:
    """The layers of the file that keep torch's default initialisation and that SELU follows
    (:func:`_selu_layers`), when no initialisation of the file (:func:`_may_initialise`) or of the
    project (:func:`_project_initialises`) may reach them."""
    if "selu" not in ctx.source.lower():
        return []  # a cheap test first: no SELU, no finding
    if not any(ctx.imports.qualify(n) == "torch.nn.SELU" for n in ctx.index.of_type(cst.Attribute, cst.Name)) \
            and not any(ctx.imports.qualify(c.func) in ("torch.nn.functional.selu", "torch.selu")
                        for c in ctx.index.of_type(cst.Call)):
        return []
    layers = _selu_layers(ctx)
    if not layers:
        return []
    kept = {layer.attribute for layer in layers}
    attributes = set() if None in kept else {a for a in kept if a is not None}
    if _may_initialise(ctx, attributes) or _project_initialises(ctx):
        return []
    seen: set[cst.Call] = set()
    out = []
    for layer in sorted(layers, key=lambda s: ctx.index.order[s.node]):
        if layer.layer not in seen:
            seen.add(layer.layer)
            out.append(layer)
    return out
