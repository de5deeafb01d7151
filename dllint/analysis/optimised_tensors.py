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

:func:`may_own` answers a second question for the mode analysis (DL302): may the optimiser be given
parameters of a given model? A training step trains a model only when an optimiser it steps may own
its parameters (``SGD([patch])`` through a frozen network trains the patch alone); see the comment
above :func:`may_own`.
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


def created_tensor(ctx: "FileContext", expr: cst.BaseExpression) -> bool:
    """``expr`` is a tensor the code created (a torch factory's, a ``Variable``, a kept copy of one,
    a name every reaching binding of which is one): no module's parameter."""
    return _created(ctx, expr, 0, set())


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


# -- which module's parameters an optimiser may own ------------------------------------------------
#
# ``may_own(ctx, constructor, key)``: may the optimiser built by ``constructor`` (``SGD([patch])``,
# ``Adam(head.parameters())``) be given parameters of the module ``key`` (``model``,
# ``self.backbone``)? False only when every tensor it is given is known to be something else:
#
# * a tensor the code created (the fact above), or ``nn.Parameter(...)`` of one, held by a name
#   that is never attached to a module (``model.w = w``, ``register_parameter(..., w)``);
# * ``other.parameters()`` where ``other`` is a plain name bound, on every binding that may reach
#   the optimiser, to a fresh module (``nn.Linear(512, 10)``, a module class, a torchvision model)
#   whose arguments do not mention ``key``, that ``key`` is not built from, and that is never
#   attached to ``key`` (passed next to it to a call, stored in an attribute or a container);
# * lists, tuples, ``list(...)``, ``a + b``, ``itertools.chain``, ``filter(f, ...)``, param-group
#   dicts (their ``"params"``) of the above.
#
# Anything else (``key.parameters()`` or a part of it, a parent of it, a name bound by unpacking or
# a parameter, a call of a factory) may own ``key``'s parameters.

PARAMETER_CLASSES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
_REGISTERING = frozenset({"add_module", "register_module", "register_parameter", "register_buffer", "setattr"})
_ATTACHING = frozenset({"add_module", "register_module", "register_parameter", "register_buffer",
                        "setattr", "append", "extend", "insert", "update", "__setitem__"})
_OWN_DEPTH = 4


def may_own(ctx: "FileContext", constructor: cst.Call, key: str) -> bool:
    """The optimiser built by ``constructor`` may be given parameters of the module ``key``."""
    params = argument(constructor, 0, "params")
    if params is None or any(arg.star for arg in constructor.args):
        return True
    return not _others(ctx, params, key, 0)


def _others(ctx: "FileContext", expr: cst.BaseExpression, key: str, depth: int) -> bool:
    """Every tensor ``expr`` hands the optimiser is known not to be one of ``key``'s parameters."""
    if depth > _OWN_DEPTH:
        return False
    if isinstance(expr, (cst.List, cst.Tuple)):
        return all(not isinstance(e, cst.StarredElement) and _others(ctx, e.value, key, depth + 1)
                   for e in expr.elements)
    if isinstance(expr, cst.Dict):
        groups = [e.value for e in expr.elements if isinstance(e, cst.DictElement)
                  and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "params"]
        return len(groups) == 1 and len(expr.elements) == sum(isinstance(e, cst.DictElement) for e in expr.elements) \
            and _others(ctx, groups[0], key, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _others(ctx, expr.left, key, depth + 1) and _others(ctx, expr.right, key, depth + 1)
    if isinstance(expr, cst.Name):
        values = _all_values(ctx, expr)
        if not values or any(v is None for v in values) or _attached(ctx, expr.value, key):
            return False
        if any(isinstance(v, (cst.List, cst.Tuple, cst.Dict)) for v in values) and _mutated(ctx, expr.value):
            return False  # ``params = []`` then ``params.append(...)``: not the list written out
        return all(_others(ctx, v, key, depth + 1) for v in values)
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    qualified = ctx.imports.qualify(func) or ""
    if isinstance(func, cst.Name) and func.value in ("list", "tuple") and len(expr.args) == 1 \
            or qualified == "itertools.chain":
        return bool(expr.args) and all(not a.star and a.keyword is None and _others(ctx, a.value, key, depth + 1)
                                       for a in expr.args)
    if isinstance(func, cst.Name) and func.value == "filter" and len(expr.args) == 2:
        return _others(ctx, expr.args[1].value, key, depth + 1)
    if isinstance(func, cst.Attribute) and func.attr.value == "parameters":
        return _other_module(ctx, func.value, key)
    if qualified in PARAMETER_CLASSES:
        data = argument(expr, 0, "data")
        return data is not None and _created(ctx, data, 0, set())
    return _created(ctx, expr, 0, set())


def _all_values(ctx: "FileContext", name: cst.Name) -> list[cst.BaseExpression | None]:
    """Every value that may be bound to ``name`` where it is read: the reaching bindings of its
    scope, else (a global read in a function) every binding of it at module level."""
    values = ctx.analysis(NameReaching).values_at(name, name.value)
    if values is not None:
        return values
    bindings = ctx.analysis(Bindings)
    scope = bindings.scope_key(name, name.value)
    entries = bindings.values.get((scope, name.value)) or bindings.values.get((ctx.module, name.value))
    return [value for _, value in entries] if entries else []


def _other_module(ctx: "FileContext", receiver: cst.BaseExpression, key: str) -> bool:
    """``receiver`` is a plain name that holds, on every binding, a module built fresh and kept apart
    from ``key``: its parameters are not ``key``'s."""
    from dllint.analysis.models import Models, model_key

    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    root = key.split(".", 1)[0]
    if model_key(receiver) != name or name == root or root in ("self", "cls"):
        return False
    models = ctx.analysis(Models)
    values = _all_values(ctx, receiver)
    if not values or any(v is None for v in values):
        return False
    for value in values:
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in ("to", "cuda", "cpu", "float", "double", "half", "train"):
            value = value.func.value  # ``nn.Linear(4, 2).to(device)``: the same module
        if not isinstance(value, cst.Call) or models.constructor_kind(value) not in ("nn", "class", "known"):
            return False
        if any(_mentions(ctx, arg.value, root, 2) for arg in value.args):
            return False
    bindings = ctx.analysis(Bindings)
    model_values = [v for (_, bound), entries in bindings.values.items() if bound == root for _, v in entries]
    if any(v is not None and _mentions(ctx, v, name, 2) for v in model_values):
        return False  # ``model = nn.Sequential(backbone, head)``: ``head``'s parameters are the model's
    return not _attached(ctx, name, key)


def _mentions(ctx: "FileContext", expr: cst.BaseExpression, name: str, depth: int) -> bool:
    """``expr`` may hold (or be built from) what ``name`` holds: it reads ``name``, or a name whose
    bindings may; a name not followed within ``depth`` bindings may."""
    for node in iter_subtree(expr):
        if not isinstance(node, cst.Name) or node.value in ("True", "False", "None"):
            continue
        if node.value == name:
            return True
        if _not_a_value(ctx, node):
            continue
        if depth <= 0:
            return True
        values = _all_values(ctx, node)
        if not values or any(v is None or _mentions(ctx, v, name, depth - 1) for v in values):
            return True
    return False


def _not_a_value(ctx: "FileContext", node: cst.Name) -> bool:
    """``node`` names a callee (``nn.Linear``, ``Head``), an attribute, a keyword, or an import:
    nothing that holds a module of the file."""
    parent = ctx.index.parent(node)
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return True
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return True
    current: cst.CSTNode = node
    while isinstance(parent, cst.Attribute) and parent.value is current:
        current, parent = parent, ctx.index.parent(parent)
    if isinstance(parent, cst.Call) and parent.func is current:
        return True
    return ctx.imports.qualify(node) is not None and ctx.imports.qualify(node) != node.value


def _attached(ctx: "FileContext", name: str, key: str) -> bool:
    """``name`` may become part of the module ``key`` somewhere in the file: read inside the value
    stored in an attribute (``model.fc = head``, ``model.w = nn.Parameter(w)``), as an
    argument of ``add_module``/``register_parameter``/``setattr``/``append``..., or as an argument of
    a call that is also handed ``key``'s root (``attach(model, head)``, ``model.set_head(head)``)
    unless that call runs a function of the file that attaches nothing. Names are matched over the
    whole file, whatever their scope: a same-named variable elsewhere only makes it "may"."""
    root = key.split(".", 1)[0]
    index = ctx.index
    for node in index.of_type(cst.Name):
        if node.value != name:
            continue
        for ancestor in index.ancestors(node):
            if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                if isinstance(ancestor, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = [t.target for t in ancestor.targets] if isinstance(ancestor, cst.Assign) \
                        else [ancestor.target]
                    value = ancestor.value
                    if value is not None and _inside(index, node, value) and _stores_attribute(targets):
                        return True
                break
            if isinstance(ancestor, cst.Call):
                last = ancestor.func.attr.value if isinstance(ancestor.func, cst.Attribute) \
                    else ancestor.func.value if isinstance(ancestor.func, cst.Name) else ""
                if _inside(index, node, ancestor.func):
                    continue
                if last in _ATTACHING:
                    return True
                handed = [a.value for a in ancestor.args]
                if isinstance(ancestor.func, cst.Attribute):
                    handed.append(ancestor.func.value)  # ``model.set_head(head)``
                if any(model_root(value) == root for value in handed) \
                        and not _attaches_nothing(ctx, ancestor, 4, set()):
                    return True
    return False


def _attaches_nothing(ctx: "FileContext", call: cst.Call, depth: int, seen: set) -> bool:
    """``call`` runs a function of this file that stores nothing in an attribute, calls no
    ``add_module``/``setattr``/... nor ``append``s to a list held by an object; nor do the functions of the file it calls (``depth``
    levels): ``evaluate(model, patch)`` cannot make ``patch`` a part of ``model``."""
    from dllint.analysis.name_reaching import walk_body
    from dllint.analysis.regions import Regions

    regions = ctx.analysis(Regions)
    function = regions.resolved(call)
    if function is None or depth <= 0:
        return False
    if function in seen:
        return True  # being judged (recursion) or judged already: that judgement decides
    seen.add(function)
    for node in walk_body(function.body):
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            if _stores_attribute(targets):
                return False
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in _REGISTERING \
                    or isinstance(func, cst.Name) and func.value in _REGISTERING:
                return False
            if isinstance(func, cst.Attribute) and func.attr.value in _ATTACHING \
                    and isinstance(func.value, cst.Attribute):
                return False  # ``self.params.append(w)``: a list held by an object may be a module's
            if regions.resolved(node) is not None and not _attaches_nothing(ctx, node, depth - 1, seen):
                return False
    return True


def _mutated(ctx: "FileContext", name: str) -> bool:
    """Somewhere in the file a method is called on ``name`` (``params.append(w)``), an item of it is
    stored, or it is augmented (``params += ...``)."""
    for node in ctx.index.of_type(cst.Name):
        if node.value != name:
            continue
        parent = ctx.index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node \
                and isinstance(ctx.index.parent(parent), cst.Call):
            return True
        if isinstance(parent, cst.Subscript) and parent.value is node:
            statement = ctx.index.statement_of(node)
            if isinstance(statement, (cst.Assign, cst.AugAssign)):
                targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) \
                    else [statement.target]
                if any(_inside(ctx.index, node, t) for t in targets):
                    return True
        if isinstance(parent, cst.AugAssign) and parent.target is node:
            return True
    return False


def _stores_attribute(targets: list[cst.BaseExpression]) -> bool:
    """An assignment target that sets an attribute (``model.fc = ...``, ``a.b, c = ...``): where a
    module takes a new part. An item store (``img[i] = patch``) is a tensor's or a container's."""
    for target in targets:
        if isinstance(target, cst.Attribute):
            return True
        if isinstance(target, (cst.Tuple, cst.List)) and _stores_attribute(
                [e.value for e in target.elements]):
            return True
    return False


def model_root(expr: cst.BaseExpression) -> str | None:
    """The first name of a dotted expression (``model`` of ``model.fc``), else None."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _inside(index, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return node is container or any(a is container for a in index.ancestors(node))


def optimiser_constructors(ctx: "FileContext", optimiser: cst.BaseExpression) -> list[cst.Call] | None:
    """The optimiser constructor calls (``torch.optim.SGD([patch])``) that ``optimiser`` (a name,
    ``self.optimizer``) may hold where it is read: every binding of it in its scope that may reach
    there (for ``self.x``, every binding in the class). None when one of them is anything else (a
    parameter, a factory's result, unpacking) or there is none."""
    from dllint.analysis.imports import dotted_name
    from dllint.analysis.regions import is_optimizer_constructor

    if isinstance(optimiser, cst.Name):
        values = _all_values(ctx, optimiser)
    else:
        dotted = dotted_name(optimiser)
        if dotted is None or not dotted.startswith("self.") or dotted.count(".") != 1:
            return None
        bindings = ctx.analysis(Bindings)
        values = [value for _, value in bindings.values.get((bindings.scope_key(optimiser, dotted), dotted), [])]
    found: list[cst.Call] = []
    for value in values:
        if not isinstance(value, cst.Call) \
                or not is_optimizer_constructor(ctx.imports.qualify(value.func) or ""):
            return None
        found.append(value)
    return found or None


# -- a module that only holds the unknown of an inverse problem -------------------------------------
#
# ``Adam(u0_model.parameters(), weight_decay=1e-4)`` where ``u0_model = InitialCondition(...)``, a
# project class whose ``forward(self)`` takes no input and whose only parameters are
# ``nn.Parameter`` attributes of its own (a latent grid upsampled to the solver's grid): the
# parameters are the quantity being solved for, wrapped in a module, exactly as ``Adam([image])``
# optimises an image. No weight is applied to any input, so the L2 is a prior on the unknown
# (fifteenth audit, cause EI). The fact is "known to hold no layer": every value stored into
# ``self`` is an ``nn.Parameter`` or provably no module, and no method that takes an input reads a
# parameter (or runs ``forward``); anything not known keeps the rule reporting.

_MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
# Names in a class body that register a part (a submodule, a parameter) other than by ``self.x =``.
_REGISTERS = frozenset({"ParameterList", "ParameterDict", "ModuleList", "ModuleDict", "Sequential",
                        "register_parameter", "add_module", "register_module", "setattr", "__setattr__",
                        "__dict__"})
# Builtins whose result is never a module (numbers, strings, plain containers: a module held in a
# plain list or tuple is not registered).
_PLAIN_BUILTINS = frozenset({"len", "int", "float", "str", "bool", "range", "sum", "abs", "round",
                             "list", "tuple", "dict", "set", "sorted", "zip", "enumerate", "repr"})
_MODULE_KEEPING = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train",
                             "requires_grad_"})


def unknowns_only(ctx: "FileContext", call: cst.Call) -> bool:
    """The optimiser ``call`` is given ``m.parameters()`` where every binding of the plain name ``m``
    that may reach the call constructs (through ``.to(device)`` and kin) a class of the file or of
    the project that holds only the unknown of a problem being solved (:func:`holds_unknown_only`)."""
    params = argument(call, 0, "params")
    if not (isinstance(params, cst.Call) and isinstance(params.func, cst.Attribute)
            and params.func.attr.value == "parameters" and not params.args
            and isinstance(params.func.value, cst.Name)):
        return False
    values = _values(ctx, params.func.value)
    if not values:
        return False
    for value in values:
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in _MODULE_KEEPING:
            value = value.func.value
        if not isinstance(value, cst.Call):
            return False
        found = _constructed_class(ctx, value)
        if found is None or not holds_unknown_only(*found):
            return False
    return True


def _constructed_class(ctx: "FileContext", call: cst.Call) -> "tuple[FileContext, cst.ClassDef] | None":
    """(the module's context, the class) that ``call`` constructs: a top-level class of the file
    named by a plain name the file binds once, or a class of a project module it imports."""
    from dllint.analysis.imports import dotted_name
    from dllint.analysis.project import PROJECT, find_class, project_imports

    if isinstance(call.func, cst.Name):
        own = [s for s in ctx.module.body if isinstance(s, cst.ClassDef) and s.name.value == call.func.value]
        if len(own) == 1:
            return ctx, own[0]
        if own:
            return None
    dotted = dotted_name(call.func)
    imports = project_imports(ctx) if dotted else None
    target = imports.target(dotted) if imports is not None and dotted else None
    klass = find_class(ctx, target) if target is not None else None
    other = PROJECT.context(target.path) if klass is not None and target is not None else None
    return (other, klass) if other is not None and klass is not None else None


def holds_unknown_only(ctx: "FileContext", klass: cst.ClassDef) -> bool:
    """``klass`` derives from ``nn.Module`` alone, its ``forward`` takes no input, it stores at
    least one ``nn.Parameter`` into ``self`` and otherwise only values that are no module (numbers,
    strings, plain containers, torch tensors, ``__init__`` arguments that every construction passes
    as such), registers nothing any other way, and no method that takes an input reads one of its
    parameters or runs ``forward``: its parameters are not weights applied to anything."""
    if len(klass.bases) != 1 or (ctx.imports.qualify(klass.bases[0].value) or "") not in _MODULE_BASES:
        return False
    from dllint.analysis.models import own_method

    forward = own_method(klass, "forward")
    if forward is None or not _takes_no_input(forward):
        return False
    methods = [s for s in klass.body.body if isinstance(s, cst.FunctionDef)]
    parameters: set[str] = set()
    for node in iter_subtree(klass):
        if isinstance(node, cst.Name) and node.value in _REGISTERS:
            return False
        if isinstance(node, cst.Attribute) and node.attr.value in _REGISTERS:
            return False
    stores: list[tuple[cst.FunctionDef, str, cst.BaseExpression]] = []
    for method in methods:
        for node in iter_subtree(method.body):
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target in targets:
                    for part in iter_subtree(target):
                        if _self_attribute(part) is not None and part is not target:
                            return False  # ``self.a, self.b = ...`` or ``self.x[i] = ...``: not read
                    name = _self_attribute(target)
                    if name is None:
                        continue
                    if node.value is None or isinstance(node, cst.AugAssign):
                        return False
                    stores.append((method, name, node.value))
    for method, name, value in stores:
        if isinstance(value, cst.Call) and (ctx.imports.qualify(value.func) or "") in PARAMETER_CLASSES:
            parameters.add(name)
    if not parameters:
        return False
    for method, name, value in stores:
        if name in parameters:
            if not (isinstance(value, cst.Call)
                    and (ctx.imports.qualify(value.func) or "") in PARAMETER_CLASSES):
                return False
        elif not _no_module(ctx, klass, method, value, 0):
            return False
    by_name = {m.name.value: m for m in methods}
    for method in methods:
        if method.name.value != "__init__" and not _takes_no_input(method) \
                and _reaches_parameters(method, parameters, by_name, set()):
            return False
    return True


def _takes_no_input(function: cst.FunctionDef) -> bool:
    p = function.params
    return len(p.params) == 1 and not p.posonly_params and not p.kwonly_params \
        and not isinstance(p.star_arg, cst.Param) and p.star_kwarg is None


def _self_attribute(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


def _reaches_parameters(method: cst.FunctionDef, parameters: set[str], by_name: dict, seen: set) -> bool:
    """``method`` reads one of the class's parameters, calls ``self(...)``/``forward``, or calls a
    method of the class that does (any other read of ``self`` as a whole counts too)."""
    if method.name.value in seen:
        return False
    seen.add(method.name.value)
    for node in iter_subtree(method.body):
        if isinstance(node, cst.Attribute):
            name = _self_attribute(node)
            if name in parameters or name == "forward":
                return True
            if name in by_name and _reaches_parameters(by_name[name], parameters, by_name, seen):
                return True
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "self":
            return True
    # ``self`` handed to anything (``f(self)``, ``return self``) may reach its parameters
    for node in iter_subtree(method.body):
        if isinstance(node, cst.Name) and node.value == "self":
            return _self_only_in_attributes(method)
    return False


def _self_only_in_attributes(method: cst.FunctionDef) -> bool:
    """True when ``self`` appears somewhere other than as the head of ``self.attr`` (unknown use)."""
    inside: set[int] = set()
    for node in iter_subtree(method.body):
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
            inside.add(id(node.value))
    return any(isinstance(n, cst.Name) and n.value == "self" and id(n) not in inside
               for n in iter_subtree(method.body))


def _no_module(ctx: "FileContext", klass: cst.ClassDef, method: cst.FunctionDef | None,
               value: cst.BaseExpression, depth: int) -> bool:
    """``value`` (stored into ``self`` by ``method``, or passed to ``__init__`` by a construction
    when ``method`` is None) is known to be no ``nn.Module``."""
    if depth > 4:
        return False
    if isinstance(value, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString,
                          cst.ConcatenatedString, cst.FormattedString, cst.Comparison,
                          cst.List, cst.Tuple, cst.Set, cst.Dict, cst.ListComp, cst.SetComp,
                          cst.DictComp, cst.GeneratorExp, cst.Lambda)):
        return True  # a plain container holds modules without registering them
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return True
    if isinstance(value, cst.UnaryOperation):
        return _no_module(ctx, klass, method, value.expression, depth + 1)
    if isinstance(value, (cst.BinaryOperation, cst.BooleanOperation)):
        return _no_module(ctx, klass, method, value.left, depth + 1) \
            and _no_module(ctx, klass, method, value.right, depth + 1)
    if isinstance(value, cst.IfExp):
        return _no_module(ctx, klass, method, value.body, depth + 1) \
            and _no_module(ctx, klass, method, value.orelse, depth + 1)
    if isinstance(value, cst.Call):
        qualified = ctx.imports.qualify(value.func)
        if qualified is None:
            return isinstance(value.func, cst.Name) and value.func.value in _PLAIN_BUILTINS \
                and not any(bound == value.func.value for (_, bound) in ctx.analysis(Bindings).values)
        root = qualified.split(".")[0]
        if root in ("math", "numpy"):
            return True
        return qualified in TENSOR_FACTORIES
    if isinstance(value, cst.Name):
        if method is not None and method.name.value == "__init__" \
                and value.value in {p.name.value for p in method.params.params}:
            # an argument of the constructor: what every construction passes
            from dllint.analysis.callers import constructor_arguments
            passed = constructor_arguments(ctx, klass, value.value)
            return bool(passed) and all(_no_module(other, klass, None, expr, depth + 1)
                                        for other, expr in passed)
        values = ctx.analysis(NameReaching).values_at(value, value.value)
        return bool(values) and all(v is not None and _no_module(ctx, klass, method, v, depth + 1)
                                    for v in values)
    return False
